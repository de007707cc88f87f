// What the `lease` verbs share: the configuration with its lease section and witness keys, the
// services to look at, and the operation timeout.

import { loadLeaseKeys } from "../../config/lease-keys.ts";
import { ConfigError, loadConfigFile } from "../../config/load.ts";
import { inClusterSecretReader } from "../../shell/kube-secret-reader.ts";
import { buildLeaseWitnesses, type LeaseWitness } from "../../shell/lease-witnesses.ts";
import { systemClock } from "../../shell/system-clock.ts";
import { UsageError } from "../command.ts";

export const leaseOptions = {
  config: { type: "string" },
  output: { type: "string", short: "o" },
  timeout: { type: "string" },
} as const;

export const leaseOptionsHelp = `  --config FILE     the splitguard configuration (YAML) with a lease section
  -o json           machine-readable output (key material is never printed)
  --timeout MS      per-operation timeout (default: probe.timeout)`;

export interface LeaseContext {
  readonly witnesses: LeaseWitness[];
  readonly timeoutMs: number;
  readonly config: ReturnType<typeof loadConfigFile>["config"];
}

export async function loadLeaseContext(values: {
  config?: string | undefined;
  output?: string | undefined;
  timeout?: string | undefined;
}): Promise<LeaseContext> {
  if (!values.config) throw new UsageError("--config FILE is required");
  if (values.output !== undefined && values.output !== "json")
    throw new UsageError(`-o ${values.output}: only json is supported`);
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000)
      throw new UsageError(`--timeout ${values.timeout}: must be a number of milliseconds from 1 to 60000`);
  }
  const loaded = loadConfigFile(values.config);
  if (loaded.config.lease === undefined)
    throw new ConfigError(values.config, [
      { path: "lease", message: "no lease section: lease witnesses are configured under lease.witnesses" },
    ]);
  const keys = await loadLeaseKeys(loaded.config, loaded.path, values.config, inClusterSecretReader());
  return {
    witnesses: buildLeaseWitnesses(loaded.config, keys, systemClock),
    timeoutMs: timeoutMs ?? loaded.config.probe.timeout * 1000,
    config: loaded.config,
  };
}
