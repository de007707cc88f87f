// The simulated deployment's defaults: the config schema's defaults (DESIGN §3, §5) in ms, two or
// three regions, three witnesses (unicast: one site each, or anycast: a site per continent), three
// lease witnesses in three places.
import type { WitnessSpec } from "./network.ts";
import type { Fault } from "./schedule.ts";
import type { SimConfig } from "./world.ts";

export type Safety = SimConfig["safety"];

export interface BaseOptions {
  readonly seed?: number;
  readonly safety?: Safety;
  readonly regions?: 2 | 3;
  readonly anycast?: boolean;
  readonly durationMs?: number;
  readonly faults?: readonly Fault[];
  readonly promoteAfterMs?: number;
  readonly clockRate?: Record<string, number>;
  readonly infraCacheMs?: number;
}

export const REGIONS3 = ["eu", "us", "ap"] as const;
export const WITNESS_NAMES = ["8.8.8.8", "1.1.1.1", "9.9.9.9"] as const;

/** The smallest promoteAfter the timing rule allows for these settings. */
export function minPromoteAfterMs(t: {
  fenceAfterMs: number;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  marginMs: number;
}): number {
  return t.fenceAfterMs + 2 * t.probeIntervalMs + 2 * t.probeTimeoutMs + t.marginMs;
}

export function baseConfig(o: BaseOptions = {}): SimConfig {
  const regions = REGIONS3.slice(0, o.regions ?? 2);
  const sites = o.anycast ? regions.map((r) => r as string) : ["net"];
  const witnesses: WitnessSpec[] = WITNESS_NAMES.map((name) => ({ name, sites }));
  const timing = {
    probeIntervalMs: 5_000,
    probeTimeoutMs: 2_000,
    retries: 1,
    fenceAfterMs: 60_000,
    promoteAfterMs: o.promoteAfterMs ?? 300_000,
    holdDownMs: 600_000,
    marginMs: 10_000,
  };
  return {
    seed: o.seed ?? 1,
    service: "db",
    safety: o.safety ?? "witness",
    regions,
    regionLoc: Object.fromEntries(regions.map((r) => [r, r])),
    witnesses,
    leaseWitnesses: [
      { name: "lw-eu", loc: "eu" },
      { name: "lw-us", loc: "us" },
      { name: "lw-net", loc: "net" },
    ],
    timing,
    lease: { ttlMs: 30_000, marginMs: 5_000, maxClockDrift: 0.01 },
    clockRate: o.clockRate ?? {},
    actuation: { gateMs: 300, fenceMs: 1_000, promoteMs: 5_000, demoteMs: 2_000 },
    resolverGiveUpMs: 1_500,
    infraCacheMs: o.infraCacheMs ?? 30_000,
    latency: { nearMs: 5, farMs: 60 },
    durationMs: o.durationMs ?? 3_600_000,
    faults: o.faults ?? [],
  };
}
