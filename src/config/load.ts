// Reading a configuration file: YAML → validated Config, or a ConfigError that names every bad
// field with its path, the line it is on, and the reason. Nothing is half-loaded: either the whole
// file (and the key it points to) is valid, or the caller gets the complete list of problems.
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CORE_SCHEMA, load as loadYaml, YAMLException } from "js-yaml";
import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import type { HeartbeatKey } from "../core/heartbeat-record.ts";
import { ConfigError, type ConfigProblem } from "./config-error.ts";
import { type Config, ConfigSchema } from "./schema.ts";

export { ConfigError, type ConfigProblem } from "./config-error.ts";

export interface LoadedConfig {
  readonly config: Config;
  /** Absolute path of the file it came from (reloads read it again). */
  readonly path: string;
  /**
   * The key this region signs heartbeats with (heartbeatKeys.signWith; id "" for heartbeatKeyFile)
   * and every key a peer may sign with. Never log or print them.
   */
  readonly heartbeatKeys: { readonly sign: HeartbeatKey; readonly verify: readonly HeartbeatKey[] };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let s = "";
  for (const p of path) {
    if (typeof p === "number") s += `[${p}]`;
    else s += s === "" ? String(p) : `.${String(p)}`;
  }
  return s;
}

/**
 * Parse and validate YAML text. `source` names the file in messages.
 *
 * Two parsers, on purpose: js-yaml is fast (about 0.13 s for a 10,000-host file, where the `yaml`
 * package takes 1.5 s), so a valid file — every reload — takes the fast path. Only when validation
 * fails is the text parsed again with `yaml`, whose node ranges give each problem its line.
 */
export function parseConfigText(text: string, source: string): Config {
  let raw: unknown;
  try {
    raw = loadYaml(text, { schema: CORE_SCHEMA, filename: source });
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    const m = e.mark as { line?: number; column?: number } | undefined;
    throw new ConfigError(source, [
      {
        path: "",
        message: `YAML syntax: ${e.reason}`,
        ...(m?.line !== undefined ? { line: m.line + 1, col: (m.column ?? 0) + 1 } : {}),
      },
    ]);
  }
  const parsed = ConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  throw new ConfigError(source, issuesToProblems(parsed.error.issues, doc.contents, lc));
}

function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  lc: LineCounter,
): ConfigProblem[] {
  return issues.map((i) => {
    const node = nodeAt(root, i.path);
    const base = { path: formatPath(i.path), message: describe(i) };
    if (node?.range) {
      const pos = lc.linePos(node.range[0]);
      return { ...base, line: pos.line, col: pos.col };
    }
    return base;
  });
}

function describe(i: z.core.$ZodIssue): string {
  if (i.code === "unrecognized_keys")
    return `unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.join(", ")}`;
  if (i.code === "invalid_type" && i.message.includes("received undefined")) return "is required";
  return i.message;
}

/** The deepest YAML node on `path` (the field itself, or its closest existing parent). */
function nodeAt(root: unknown, path: readonly PropertyKey[]): Node | undefined {
  let cur = root as Node | undefined;
  for (const key of path) {
    if (isMap(cur)) {
      const pair = cur.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) return cur;
      cur = (pair.value ?? pair.key) as Node;
    } else if (isSeq(cur) && typeof key === "number") {
      const item = cur.items[key] as Node | undefined;
      if (!item) return cur;
      cur = item;
    } else {
      return cur;
    }
  }
  return cur;
}

/** Minimum heartbeat key length: 16 bytes (128 bits), the floor RFC 2104 §3 suggests for HMAC. */
export const MIN_KEY_BYTES = 16;

export function readKeyFile(path: string, field: string, source: string): Buffer {
  let key: Buffer;
  try {
    // Only a regular file: a FIFO or a device would block the read forever (found in review).
    if (!statSync(path).isFile())
      throw new ConfigError(source, [{ path: field, message: `key file ${path} is not a regular file` }]);
    key = readFileSync(path);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(source, [{ path: field, message: `cannot read key file ${path} (${code})` }]);
  }
  const trimmed = Buffer.from(key.toString("utf8").trim(), "utf8");
  if (trimmed.length < MIN_KEY_BYTES)
    throw new ConfigError(source, [
      {
        path: field,
        message: `key file ${path} holds ${trimmed.length} bytes; at least ${MIN_KEY_BYTES} are needed (e.g. \`head -c 32 /dev/urandom | base64 > ${path}\`)`,
      },
    ]);
  return trimmed;
}

/** Load a configuration file and the key it references; throws ConfigError on any problem. */
export function loadConfigFile(file: string): LoadedConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(file, [{ path: "", message: `cannot read configuration file (${code})` }]);
  }
  const config = parseConfigText(text, file);
  const heartbeatKeys = readHeartbeatKeys(config, path, file);
  return { config, path, heartbeatKeys };
}

/** Every heartbeat key of the configuration; all unreadable or short key files reported at once. */
function readHeartbeatKeys(config: Config, path: string, source: string): LoadedConfig["heartbeatKeys"] {
  const specs =
    config.heartbeatKeys === undefined
      ? [{ id: "", file: config.heartbeatKeyFile!, field: "heartbeatKeyFile" }]
      : config.heartbeatKeys.keys.map((k, i) => ({ ...k, field: `heartbeatKeys.keys[${i}].file` }));
  const verify: HeartbeatKey[] = [];
  const problems: ConfigProblem[] = [];
  for (const k of specs) {
    try {
      verify.push({ id: k.id, secret: readKeyFile(resolve(dirname(path), k.file), k.field, source) });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  // The schema checked that signWith names a listed key, and is set whenever there are several.
  const signId = config.heartbeatKeys?.signWith ?? verify[0]!.id;
  return { sign: verify.find((k) => k.id === signId)!, verify };
}
