// TSIG keys of the lease witnesses, from a file or a Kubernetes Secret (schema.ts, exactly one per
// witness). Errors name the witness field, the file or the Secret, and what is wrong with the
// content — never the content itself.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { HMAC_SHA256, parseTsigSecret, type TsigKey } from "../dns/tsig.ts";
import { ConfigError, formatPath } from "./load.ts";
import type { Config, LeaseWitnessConfig } from "./schema.ts";

export interface SecretRef {
  readonly name: string;
  readonly key: string;
  readonly namespace?: string | undefined;
}

/** Reads one data key of a Kubernetes Secret (decoded). Rejects with a message that names the Secret. */
export type SecretReader = (ref: SecretRef) => Promise<Buffer>;

const noSecrets: SecretReader = async (ref) => {
  throw new Error(`Kubernetes Secret ${ref.name} is not readable here (not running in a cluster)`);
};

/** A lease witness's TSIG keys: the one that signs (this object), and every listed key. */
export interface WitnessTsigKeys extends TsigKey {
  /** The signing key's id ("" in the single-key form). */
  readonly id: string;
  /** Every listed key, the signing one first. */
  readonly all: readonly (TsigKey & { readonly id: string })[];
}

interface KeySpec {
  readonly id: string;
  readonly keyName: string;
  readonly keyFile?: string | undefined;
  readonly keySecret?: SecretRef | undefined;
  readonly path: (string | number)[];
}

function keySpecs(w: LeaseWitnessConfig, i: number): KeySpec[] {
  const at = ["lease", "witnesses", i];
  if (w.keys === undefined)
    return [{ id: "", keyName: w.keyName!, keyFile: w.keyFile, keySecret: w.keySecret, path: at }];
  return w.keys.map((k, j) => ({ ...k, path: [...at, "keys", j] }));
}

export async function loadLeaseKeys(
  config: Config,
  configPath: string,
  source: string,
  readSecret: SecretReader = noSecrets,
): Promise<WitnessTsigKeys[]> {
  const witnesses = config.lease?.witnesses ?? [];
  const problems: { path: string; message: string }[] = [];
  const out: WitnessTsigKeys[] = [];
  for (const [i, w] of witnesses.entries()) {
    const loaded: (TsigKey & { id: string })[] = [];
    for (const spec of keySpecs(w, i)) {
      const path = formatPath([...spec.path, spec.keyFile !== undefined ? "keyFile" : "keySecret"]);
      const r = await keyMaterial(spec, configPath, readSecret);
      if (typeof r === "string") {
        problems.push({ path, message: r });
        continue;
      }
      const parsed = parseTsigSecret(r.text);
      if (typeof parsed === "string") problems.push({ path, message: `${r.where} ${parsed}` });
      else if (parsed.name !== undefined && parsed.name.replace(/\.$/, "").toLowerCase() !== spec.keyName)
        problems.push({
          path,
          message: `${r.where} defines key "${parsed.name}", but keyName is "${spec.keyName}"`,
        });
      else if (parsed.algorithm !== undefined && parsed.algorithm !== HMAC_SHA256)
        problems.push({
          path,
          message: `${r.where} is for algorithm ${parsed.algorithm}; only ${HMAC_SHA256} is supported`,
        });
      else loaded.push({ id: spec.id, name: spec.keyName, algorithm: HMAC_SHA256, secret: parsed.secret });
    }
    const sign = loaded.find((k) => k.id === (w.signWith ?? loaded[0]?.id));
    if (sign && loaded.length === keySpecs(w, i).length)
      out.push({ ...sign, all: [sign, ...loaded.filter((k) => k !== sign)] });
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return out;
}

async function keyMaterial(
  w: Pick<KeySpec, "keyFile" | "keySecret">,
  configPath: string,
  readSecret: SecretReader,
): Promise<{ text: string; where: string } | string> {
  if (w.keyFile !== undefined) {
    const file = resolve(dirname(configPath), w.keyFile);
    try {
      return { text: readFileSync(file, "utf8"), where: `key file ${file}` };
    } catch (e) {
      return `cannot read key file ${file} (${(e as NodeJS.ErrnoException).code ?? "error"})`;
    }
  }
  const ref = w.keySecret!;
  const where = `Secret ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name} key ${ref.key}`;
  try {
    return { text: (await readSecret(ref)).toString("utf8"), where };
  } catch (e) {
    return `cannot read ${where}: ${(e as Error).message}`;
  }
}
