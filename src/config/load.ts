// Reading a configuration file: YAML → validated Config, or a ConfigError that names every bad
// field with its path, the line it is on, and the reason. Nothing is half-loaded: either the whole
// file (and the key it points to) is valid, or the caller gets the complete list of problems.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { type Config, ConfigSchema } from "./schema.ts";

export interface ConfigProblem {
  /** Dotted path into the document, e.g. `hosts[0].targets.us[1]`. */
  readonly path: string;
  readonly message: string;
  /** 1-based line and column in the file, when the field exists there. */
  readonly line?: number;
  readonly col?: number;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `invalid configuration ${source}:\n` +
        problems
          .map(
            (p) =>
              `  ${source}${p.line ? `:${p.line}:${p.col}` : ""}: ${p.path || "(top level)"}: ${p.message}`,
          )
          .join("\n"),
    );
    this.name = "ConfigError";
  }
}

export interface LoadedConfig {
  readonly config: Config;
  /** Absolute path of the file it came from (reloads read it again). */
  readonly path: string;
  /** The shared heartbeat secret. Never log or print it. */
  readonly heartbeatKey: Buffer;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let s = "";
  for (const p of path) {
    if (typeof p === "number") s += `[${p}]`;
    else s += s === "" ? String(p) : `.${String(p)}`;
  }
  return s;
}

/** Parse and validate YAML text. `source` names the file in messages. */
export function parseConfigText(text: string, source: string): Config {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return {
          path: "",
          message: `YAML syntax: ${e.message.split("\n")[0]}`,
          line: pos.line,
          col: pos.col,
        };
      }),
    );
  }
  const raw: unknown = doc.toJS();
  const parsed = ConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
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
    key = readFileSync(path);
  } catch (e) {
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
  const heartbeatKey = readKeyFile(resolve(dirname(path), config.heartbeatKeyFile), "heartbeatKeyFile", file);
  return { config, path, heartbeatKey };
}
