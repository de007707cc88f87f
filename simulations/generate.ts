// fast-check arbitraries for fault schedules. A case is plain JSON (seed, faults, clock rates,
// timing): printed on failure, replayed exactly, pasted into scenarios.ts as a regression.
import fc from "fast-check";
import { siteId } from "./network.ts";
import type { Fault } from "./schedule.ts";
import { baseConfig, minPromoteAfterMs, REGIONS3, type Safety, WITNESS_NAMES } from "./sim-config.ts";
import type { SimConfig } from "./world.ts";

/**
 * uniform: every witness is one site, so every asker gets the same view of it (the condition under
 * which witness mode is claimed safe). anycast: every witness has a site per continent and the
 * schedule may split the continents (the honest limit of witness mode).
 */
export type WitnessClass = "uniform" | "anycast";

export interface ScheduleCase {
  readonly seed: number;
  readonly regions: 2 | 3;
  readonly witnessClass: WitnessClass;
  /** Clock rate per region within ±maxClockDrift. */
  readonly clockRate: Record<string, number>;
  /** "tight": promoteAfter exactly at the timing rule's minimum; "default": 300 s. */
  readonly promoteAfter: "tight" | "default";
  readonly infraCacheMs: number;
  readonly faults: Fault[];
}

export interface GenOptions {
  readonly durationMs: number;
  readonly witnessClass: WitnessClass;
  readonly regions?: 2 | 3 | undefined;
  /** Faults end this long before the run does, so convergence after heal is checked. */
  readonly settleMs: number;
}

const MARGIN_MS = 10_000;

export function caseConfig(safety: Safety, c: ScheduleCase, durationMs: number): SimConfig {
  const base = baseConfig({
    seed: c.seed,
    safety,
    regions: c.regions,
    anycast: c.witnessClass === "anycast",
    durationMs,
    faults: c.faults,
    clockRate: c.clockRate,
    infraCacheMs: c.infraCacheMs,
  });
  const promoteAfterMs =
    c.promoteAfter === "tight"
      ? minPromoteAfterMs({ ...base.timing, marginMs: MARGIN_MS })
      : base.timing.promoteAfterMs;
  return { ...base, timing: { ...base.timing, promoteAfterMs } };
}

export function scheduleArb(o: GenOptions): fc.Arbitrary<ScheduleCase> {
  const regionsArb = o.regions ? fc.constant(o.regions) : fc.constantFrom<2 | 3>(2, 2, 3);
  return regionsArb.chain((n) => {
    const regions = REGIONS3.slice(0, n) as string[];
    const locs = o.witnessClass === "anycast" ? regions : ["net"];
    const sites = WITNESS_NAMES.flatMap((w) => locs.map((l) => siteId(w, l)));
    const lease = ["lw-eu", "lw-us", "lw-net"];
    const nodes = [...regions, ...sites, ...lease];
    const lastStart = Math.max(1_000, o.durationMs - o.settleMs - 900_000);
    const at = fc.integer({ min: 1_000, max: lastStart });
    const dur = fc.integer({ min: 2_000, max: 900_000 });
    const region = fc.constantFrom(...regions);
    const pair = fc.tuple(fc.constantFrom(...nodes), fc.constantFrom(...nodes)).filter(([a, b]) => a !== b);
    // Same view for every asker: a witness's answers may differ only by time, never by asker. Loss
    // on a witness path makes one witness answer two askers differently within a round, so in the
    // uniform class packet loss stays on region-region and lease links.
    const flakyPair =
      o.witnessClass === "uniform" ? pair.filter(([a, b]) => !a.includes("@") && !b.includes("@")) : pair;
    const fault: fc.Arbitrary<Fault> = fc.oneof(
      fc.record({ kind: fc.constant("crash" as const), region, at, for: dur }),
      fc.record({
        kind: fc.constant("restart" as const),
        region,
        at,
        for: fc.integer({ min: 1_000, max: 20_000 }),
      }),
      pair.chain(([a, b]) =>
        fc.record({ kind: fc.constant("cut" as const), a: fc.constant(a), b: fc.constant(b), at, for: dur }),
      ),
      pair.chain(([a, b]) =>
        fc.record({
          kind: fc.constant("oneway" as const),
          from: fc.constant(a),
          to: fc.constant(b),
          at,
          for: dur,
        }),
      ),
      fc.record({ kind: fc.constant("isolate" as const), region, at, for: dur }),
      flakyPair.chain(([a, b]) =>
        fc.record({
          kind: fc.constant("flaky" as const),
          a: fc.constant(a),
          b: fc.constant(b),
          loss: fc.constantFrom(0.1, 0.3, 0.6, 0.9),
          at,
          for: dur,
        }),
      ),
      fc.record({
        kind: fc.constant("nodeDown" as const),
        node: fc.constantFrom(...sites, ...lease),
        at,
        for: dur,
      }),
      fc.record({
        kind: fc.constant("geoSplit" as const),
        left: fc.constant(["eu"]),
        right: fc.constant(n === 3 ? ["us", "ap"] : ["us"]),
        at,
        for: dur,
      }),
      fc.record({ kind: fc.constant("replicaUnhealthy" as const), region, at, for: dur }),
      fc.record({ kind: fc.constant("switchover" as const), to: region, at }),
      fc.record({ kind: fc.constant("freeze" as const), at, for: dur }),
    );
    const drift = fc.double({ min: -0.01, max: 0.01, noNaN: true });
    return fc.record({
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      regions: fc.constant(n),
      witnessClass: fc.constant(o.witnessClass),
      clockRate: fc
        .tuple(...regions.map(() => drift))
        .map((d) => Object.fromEntries(regions.map((r, i) => [r, 1 + d[i]!]))),
      promoteAfter: fc.constantFrom<"tight" | "default">("tight", "default"),
      infraCacheMs: fc.constantFrom(0, 30_000, 120_000),
      faults: fc.array(fault, { minLength: 0, maxLength: 8 }),
    });
  });
}

/** A case whose only fault is the permanent loss of the primary region (invariant 5). */
export function primaryLossArb(o: { durationMs: number; regions?: 2 | 3 }): fc.Arbitrary<ScheduleCase> {
  const regionsArb = o.regions ? fc.constant(o.regions) : fc.constantFrom<2 | 3>(2, 3);
  return regionsArb.chain((n) => {
    const regions = REGIONS3.slice(0, n) as string[];
    const drift = fc.double({ min: -0.01, max: 0.01, noNaN: true });
    return fc.record({
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      regions: fc.constant(n),
      witnessClass: fc.constant<WitnessClass>("uniform"),
      clockRate: fc
        .tuple(...regions.map(() => drift))
        .map((d) => Object.fromEntries(regions.map((r, i) => [r, 1 + d[i]!]))),
      promoteAfter: fc.constantFrom<"tight" | "default">("tight", "default"),
      infraCacheMs: fc.constantFrom(0, 30_000, 120_000),
      faults: fc
        .integer({ min: 60_000, max: Math.max(60_000, o.durationMs - 700_000) })
        .map((at) => [{ kind: "crash" as const, region: "eu", at, for: o.durationMs * 2 }]),
    });
  });
}
