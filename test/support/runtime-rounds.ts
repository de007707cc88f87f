// Two-region inputs for the region runtime (src/runtime/region-runtime.ts) in tests: the
// configuration of one region, and a probe round in which the other region is sighted alive
// (directly and by every witness) publishing some services, or voted down by every witness.
import { parseConfigText } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import type { PeerServiceReport, WitnessResult } from "../../src/core/evidence.ts";
import type { ProbeRound } from "../../src/core/prober.ts";

/** Regions eu (192.0.2.1) and us (192.0.2.2), three loopback witnesses. */
export function twoRegionConfig(region: "eu" | "us"): Config {
  return parseConfigText(
    `zone: gslb.example.com
region: ${region}
heartbeatKeyFile: hb.key
regions:
  - { name: eu, nameservers: [192.0.2.1] }
  - { name: us, nameservers: [192.0.2.2] }
witnesses: [127.0.0.1, 127.0.0.2, 127.0.0.3]
`,
    "test.yaml",
  );
}

/** One round of `config.region`: the other region up (publishing `services`) or down everywhere. */
export function peerRound(
  config: Config,
  n: number,
  at: number,
  peerState: "up" | "down",
  services: Record<string, PeerServiceReport>,
): ProbeRound {
  const peer = config.regions.map((r) => r.name).find((r) => r !== config.region)!;
  const hb = { region: peer, incarnation: 1, services };
  const witnesses: WitnessResult[] = config.witnesses.map((w) => ({
    witness: w,
    self: "ok",
    peers: {
      [peer]: peerState === "up" ? { vote: "up", heartbeat: hb } : { vote: "down", detail: "SERVFAIL" },
    },
  }));
  return {
    evidence: {
      region: config.region,
      round: n,
      startedAt: at,
      completedAt: at,
      witnesses,
      direct: {
        [peer]:
          peerState === "up" ? { reachable: true, heartbeat: hb } : { reachable: false, detail: "timeout" },
      },
      local: {},
      overrides: {},
    },
    observations: [],
  };
}
