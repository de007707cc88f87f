// Running simulations: one case, or many random cases through fast-check (seeded, replayable by
// seed and path), with the figures `splitguard simulate -o json` prints.
import fc from "fast-check";
import { caseConfig, type GenOptions, primaryLossArb, type ScheduleCase, scheduleArb } from "./generate.ts";
import {
  checkInvariants,
  type Expectations,
  type InvariantId,
  settleMs,
  type Violation,
} from "./invariants.ts";
import { faultEnd } from "./schedule.ts";
import type { Safety } from "./sim-config.ts";
import { type SimConfig, World } from "./world.ts";

export interface RunOutcome {
  readonly world: World;
  readonly violations: Violation[];
  readonly promotionMs: number | null;
  readonly transitions: number;
  readonly wallMs: number;
}

export async function runConfig(
  cfg: SimConfig,
  x: Expectations,
  sampleEveryMs?: number,
): Promise<RunOutcome> {
  const t0 = performance.now();
  const world = new World(cfg);
  await world.run(sampleEveryMs ? { sampleEveryMs } : {});
  const facts = checkInvariants(world, x);
  return { world, ...facts, wallMs: performance.now() - t0 };
}

/** What a random case entitles the checks to expect. */
export function expectationsFor(c: ScheduleCase, kind: "random" | "primaryLoss"): Expectations {
  if (kind === "primaryLoss") return { primaryLossAt: c.faults[0]!.at };
  const healedBy = c.faults.reduce((m, f) => Math.max(m, faultEnd(f)), 0);
  return { healedBy, allHealthy: c.faults.length === 0 ? true : undefined };
}

export interface Summary {
  safety: Safety;
  kind: "random" | "primaryLoss";
  witnessClass: string;
  runs: number;
  seed: number;
  simulatedMs: number;
  wallMs: number;
  simulatedToWall: number;
  violations: Partial<
    Record<InvariantId, { count: number; examples: { seed: number; at: number; detail: string }[] }>
  >;
  promotionMs: { count: number; p50: number | null; p99: number | null; max: number | null };
  transitionsPerRun: { mean: number; max: number };
  /** fast-check's replay handle for the first failing case (seed and path), when one failed. */
  failure: { seed: number; path: string; case: ScheduleCase; violations: Violation[] } | null;
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export interface RandomOptions {
  readonly safety: Safety;
  readonly runs: number;
  readonly seed: number;
  readonly durationMs: number;
  readonly kind: "random" | "primaryLoss";
  readonly witnessClass: GenOptions["witnessClass"];
  readonly regions?: 2 | 3 | undefined;
  /** Replay one case: fast-check's path from a failure report. */
  readonly path?: string | undefined;
  readonly onRun?: ((n: number) => void) | undefined;
  /** Shrink a failure to a smaller schedule (slower; on by default). */
  readonly shrink?: boolean | undefined;
}

export async function runRandom(o: RandomOptions): Promise<Summary> {
  const settle = settleMs(new World(caseConfig(o.safety, emptyCase(), o.durationMs)));
  const arb =
    o.kind === "primaryLoss"
      ? primaryLossArb({ durationMs: o.durationMs, regions: o.regions })
      : scheduleArb({
          durationMs: o.durationMs,
          witnessClass: o.witnessClass,
          regions: o.regions,
          settleMs: settle,
        });
  const promo: number[] = [];
  const transitions: number[] = [];
  const violations: Summary["violations"] = {};
  let recorded = 0;
  let simulated = 0;
  const t0 = performance.now();
  const result = await fc.check(
    fc.asyncProperty(arb, async (c) => {
      const out = await runConfig(caseConfig(o.safety, c, o.durationMs), expectationsFor(c, o.kind));
      if (recorded < o.runs) {
        recorded += 1;
        simulated += o.durationMs;
        transitions.push(out.transitions);
        if (out.promotionMs !== null) promo.push(out.promotionMs);
        for (const v of out.violations) {
          const slot = slotFor(violations, v.invariant);
          slot.count += 1;
          if (slot.examples.length < 5) slot.examples.push({ seed: c.seed, at: v.at, detail: v.detail });
        }
        o.onRun?.(recorded);
      }
      return out.violations.length === 0;
    }),
    {
      numRuns: o.runs,
      seed: o.seed,
      ...(o.path ? { path: o.path, endOnFailure: true } : {}),
      ...(o.shrink === false ? { endOnFailure: true } : {}),
    },
  );
  const wallMs = performance.now() - t0;
  promo.sort((a, b) => a - b);
  let failure: Summary["failure"] = null;
  if (result.failed && result.counterexample) {
    const c = result.counterexample[0] as ScheduleCase;
    const out = await runConfig(caseConfig(o.safety, c, o.durationMs), expectationsFor(c, o.kind));
    failure = {
      seed: result.seed,
      path: result.counterexamplePath ?? "",
      case: c,
      violations: out.violations,
    };
  }
  return {
    safety: o.safety,
    kind: o.kind,
    witnessClass: o.witnessClass,
    runs: recorded,
    seed: o.seed,
    simulatedMs: simulated,
    wallMs,
    simulatedToWall: wallMs > 0 ? simulated / wallMs : 0,
    violations,
    promotionMs: {
      count: promo.length,
      p50: quantile(promo, 0.5),
      p99: quantile(promo, 0.99),
      max: promo.at(-1) ?? null,
    },
    transitionsPerRun: {
      mean: transitions.length ? transitions.reduce((a, b) => a + b, 0) / transitions.length : 0,
      max: transitions.length ? Math.max(...transitions) : 0,
    },
    failure,
  };
}

function slotFor(m: Summary["violations"], k: InvariantId) {
  let slot = m[k];
  if (!slot) {
    slot = { count: 0, examples: [] };
    m[k] = slot;
  }
  return slot;
}

function emptyCase(): ScheduleCase {
  return {
    seed: 1,
    regions: 2,
    witnessClass: "uniform",
    clockRate: {},
    promoteAfter: "default",
    infraCacheMs: 0,
    faults: [],
  };
}

/** Merge summaries of the same kind (parallel workers). */
export function mergeSummaries(parts: Summary[]): Summary {
  const first = parts[0]!;
  const out: Summary = {
    ...first,
    runs: 0,
    simulatedMs: 0,
    wallMs: Math.max(...parts.map((p) => p.wallMs)),
    violations: {},
    failure: parts.find((p) => p.failure)?.failure ?? null,
  };
  const promoAll: { p50: number | null; p99: number | null; max: number | null; count: number }[] = [];
  let tSum = 0;
  let tMax = 0;
  for (const p of parts) {
    out.runs += p.runs;
    out.simulatedMs += p.simulatedMs;
    tSum += p.transitionsPerRun.mean * p.runs;
    tMax = Math.max(tMax, p.transitionsPerRun.max);
    promoAll.push(p.promotionMs);
    for (const [k, v] of Object.entries(p.violations)) {
      const slot = slotFor(out.violations, k as InvariantId);
      slot.count += v.count;
      slot.examples.push(...v.examples.slice(0, 5 - slot.examples.length));
    }
  }
  out.simulatedToWall = out.wallMs > 0 ? out.simulatedMs / out.wallMs : 0;
  out.transitionsPerRun = { mean: out.runs ? tSum / out.runs : 0, max: tMax };
  // Quantiles across workers: exact max; p50/p99 as the worst worker's (conservative).
  const nn = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  out.promotionMs = {
    count: promoAll.reduce((a, p) => a + p.count, 0),
    p50: nn(promoAll.map((p) => p.p50)).length ? Math.max(...nn(promoAll.map((p) => p.p50))) : null,
    p99: nn(promoAll.map((p) => p.p99)).length ? Math.max(...nn(promoAll.map((p) => p.p99))) : null,
    max: nn(promoAll.map((p) => p.max)).length ? Math.max(...nn(promoAll.map((p) => p.max))) : null,
  };
  return out;
}
