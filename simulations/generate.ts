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
    c.promoteAfter === "tight" ? minPromoteAfterMs(base.timing) : base.timing.promoteAfterMs;
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

/** A fault that lasts past any run. */
const FOR_GOOD = 100 * 3_600_000;

/** The primary region eu lost (crashed or cut off) from `at` for `ms`. */
function euLost(crash: boolean, at: number, ms: number): Fault {
  return crash
    ? { kind: "crash", region: "eu", at, for: ms }
    : { kind: "isolate", region: "eu", at, for: ms };
}

/**
 * Restart-heavy schedules for the resumed promotion wait (src/runtime/resume-wait.ts): a random
 * case (up to two of its faults kept, promoteAfter at its default so that a restart may resume)
 * plus one to three losses of the primary region eu (crashed or cut off, for 20–400 s or for
 * good) and two to six restarts of the standbys' controllers around them, gaps of 1–120 s. Half
 * the cases carry instead the schedule the rule's "the gap never counts" is for: eu is lost (mostly
 * cut off) for 20–55 s, under fenceAfter; a standby's controller goes down while it suspects eu,
 * for 150–285 s; eu serves again meanwhile and is lost again 0–60 s before the standby returns, so
 * eu fences only a fenceAfter after that; resolvers then keep no memory of the restarted region as down (infraCacheMs 0), since
 * a self-quorum failure in the first fresh round would drop any resumed wait and hide the rule.
 */
export function restartHeavyArb(o: GenOptions): fc.Arbitrary<ScheduleCase> {
  return scheduleArb(o).chain((c) => {
    const standbys = REGIONS3.slice(1, c.regions) as string[];
    const lastStart = Math.max(60_000, o.durationMs - o.settleMs - 900_000);
    return fc.integer({ min: 60_000, max: lastStart }).chain((t0) => {
      const loss = fc
        .record({
          crash: fc.boolean(),
          at: fc.integer({ min: t0, max: t0 + 400_000 }),
          for: fc.oneof(fc.integer({ min: 20_000, max: 400_000 }), fc.constant(FOR_GOOD)),
        })
        .map((x) => euLost(x.crash, x.at, x.for));
      const restart: fc.Arbitrary<Fault> = fc.record({
        kind: fc.constant("restart" as const),
        region: fc.constantFrom(...standbys),
        at: fc.integer({ min: t0, max: t0 + 500_000 }),
        for: fc.integer({ min: 1_000, max: 120_000 }),
      });
      const backInGap = fc
        .record({
          // Mostly a cut: eu keeps its CNPG and serves again as soon as it is reachable.
          crash: fc.constantFrom(false, false, false, true),
          // Under fenceAfter: eu never fences, and its fence timer starts again at the second loss.
          first: fc.integer({ min: 20_000, max: 55_000 }),
          region: fc.constantFrom(...standbys),
          // The standby goes down while it still suspects eu (before eu is back)...
          into: fc.double({ min: 0.3, max: 0.95, noNaN: true }),
          // ...for less than promoteAfter: a longer outage of a primary's controller is the
          // documented limit (its gate stays open while no controller runs), not this rule.
          gap: fc.integer({ min: 150_000, max: 285_000 }),
          relostBefore: fc.integer({ min: 0, max: 60_000 }),
        })
        .map((x): Fault[] => {
          const down = t0 + Math.round(x.first * x.into);
          return [
            euLost(x.crash, t0, x.first),
            { kind: "restart", region: x.region, at: down, for: x.gap },
            euLost(x.crash, down + x.gap - x.relostBefore, FOR_GOOD),
          ];
        });
      return fc
        .tuple(
          fc.array(loss, { minLength: 1, maxLength: 3 }),
          fc.array(restart, { minLength: 2, maxLength: 6 }),
          fc.option(backInGap, { freq: 2 }),
        )
        .map(([losses, restarts, gap]) => ({
          ...c,
          promoteAfter: "default" as const,
          infraCacheMs: gap ? 0 : c.infraCacheMs,
          // No planned switchover: the restarts target the standbys of the initial primary.
          faults: [
            ...c.faults.filter((f) => f.kind !== "switchover").slice(0, 2),
            ...(gap ?? losses),
            ...restarts,
          ],
        }));
    });
  });
}
