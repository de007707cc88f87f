// The prober's plan from the one configuration: witnesses (`host` or `host:port`), every other
// region with every NS address (port 53, as the delegation's glue says), the services whose
// per-service heartbeats peers publish (the failover hosts), and the shared heartbeat key.
import type { HeartbeatKeyInput } from "../core/heartbeat-record.ts";
import type { ProbePlan } from "../core/prober.ts";
import { parseEndpoint } from "./endpoint.ts";
import type { Config } from "./schema.ts";

/** `keys`: every heartbeat key a peer may sign with (LoadedConfig.heartbeatKeys.verify), or the one key. */
export function probePlan(c: Config, keys: HeartbeatKeyInput | readonly HeartbeatKeyInput[]): ProbePlan {
  return {
    zone: c.zone,
    region: c.region,
    // The schema validated every witness; a failure here is a bug, not a user error.
    witnesses: c.witnesses.map((w) => ({ name: w, endpoint: parseEndpoint(w, 53)! })),
    peers: c.regions
      .filter((r) => r.name !== c.region)
      .map((r) => ({ name: r.name, nameservers: r.nameservers.map((host) => ({ host, port: 53 })) })),
    services: c.hosts.filter((h) => h.strategy === "failover").map((h) => h.name),
    keys: Buffer.isBuffer(keys) || !Array.isArray(keys) ? [keys as HeartbeatKeyInput] : keys,
  };
}
