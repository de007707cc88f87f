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

export async function loadLeaseKeys(
  config: Config,
  configPath: string,
  source: string,
  readSecret: SecretReader = noSecrets,
): Promise<TsigKey[]> {
  const witnesses = config.lease?.witnesses ?? [];
  const problems: { path: string; message: string }[] = [];
  const keys: TsigKey[] = [];
  for (const [i, w] of witnesses.entries()) {
    const field = w.keyFile !== undefined ? "keyFile" : "keySecret";
    const path = formatPath(["lease", "witnesses", i, field]);
    const r = await keyMaterial(w, configPath, readSecret);
    if (typeof r === "string") {
      problems.push({ path, message: r });
      continue;
    }
    const parsed = parseTsigSecret(r.text);
    if (typeof parsed === "string") {
      problems.push({ path, message: `${r.where} ${parsed}` });
      continue;
    }
    if (parsed.name !== undefined && parsed.name.replace(/\.$/, "").toLowerCase() !== w.keyName)
      problems.push({
        path,
        message: `${r.where} defines key "${parsed.name}", but keyName is "${w.keyName}"`,
      });
    else if (parsed.algorithm !== undefined && parsed.algorithm !== HMAC_SHA256)
      problems.push({
        path,
        message: `${r.where} is for algorithm ${parsed.algorithm}; only ${HMAC_SHA256} is supported`,
      });
    else keys.push({ name: w.keyName, algorithm: HMAC_SHA256, secret: parsed.secret });
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return keys;
}

async function keyMaterial(
  w: LeaseWitnessConfig,
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
