// The promotion-time figures of `simulate -o json` set against the bound invariant 5 checks: which
// bound it is, at which drift, how close the slowest run came to it, and how many runs would have
// broken the drift-free bound `promoteAfter + 2*probeInterval + actuation` (docs/safety.md derives
// why the drift term belongs in it).
import { PROMOTION_BOUND, promotionBoundMs } from "./invariants.ts";
import type { World } from "./world.ts";

export interface BoundRun {
  /** The case seed (scheduleArb's `seed`) of the run. */
  readonly seed: number;
  readonly promotionMs: number;
  readonly boundMs: number;
  /** The same bound at d = 0. */
  readonly zeroDriftBoundMs: number;
  /** boundMs - promotionMs: negative would be a violation of invariant 5. */
  readonly slackMs: number;
  /** Clock rate of the region that promoted (below 1: its clock ran slow). */
  readonly standbyClockRate: number;
}

export interface BoundFigures {
  readonly checks: string;
  readonly maxClockDrift: number | null;
  /** Runs with a promotion time after the primary's loss. */
  readonly runs: number;
  /** Runs slower than the drift-free bound (every one of them still within the checked bound). */
  readonly overZeroDriftBound: number;
  /** The run with the least slack to the checked bound. */
  readonly tightest: BoundRun | null;
  /** The run furthest over the drift-free bound (null when none was over). */
  readonly mostOverZeroDrift: (BoundRun & { readonly overMs: number }) | null;
}

export function noBoundFigures(): BoundFigures {
  return {
    checks: PROMOTION_BOUND,
    maxClockDrift: null,
    runs: 0,
    overZeroDriftBound: 0,
    tightest: null,
    mostOverZeroDrift: null,
  };
}

/** Add one run that measured a promotion time. */
export function addBoundRun(f: BoundFigures, w: World, seed: number, promotionMs: number): BoundFigures {
  const boundMs = promotionBoundMs(w);
  const zeroDriftBoundMs = promotionBoundMs(w, 0);
  const promoted = w.promotions[0]?.region;
  const run: BoundRun = {
    seed,
    promotionMs,
    boundMs,
    zeroDriftBoundMs,
    slackMs: boundMs - promotionMs,
    standbyClockRate: promoted ? (w.cfg.clockRate[promoted] ?? 1) : 1,
  };
  return mergeBoundFigures(f, {
    checks: PROMOTION_BOUND,
    maxClockDrift: w.cfg.lease.maxClockDrift,
    runs: 1,
    overZeroDriftBound: promotionMs > zeroDriftBoundMs ? 1 : 0,
    tightest: run,
    mostOverZeroDrift:
      promotionMs > zeroDriftBoundMs ? { ...run, overMs: promotionMs - zeroDriftBoundMs } : null,
  });
}

export function mergeBoundFigures(a: BoundFigures, b: BoundFigures): BoundFigures {
  const tightest =
    a.tightest && (!b.tightest || a.tightest.slackMs <= b.tightest.slackMs) ? a.tightest : b.tightest;
  const most =
    a.mostOverZeroDrift && (!b.mostOverZeroDrift || a.mostOverZeroDrift.overMs >= b.mostOverZeroDrift.overMs)
      ? a.mostOverZeroDrift
      : b.mostOverZeroDrift;
  return {
    checks: PROMOTION_BOUND,
    maxClockDrift: a.maxClockDrift ?? b.maxClockDrift,
    runs: a.runs + b.runs,
    overZeroDriftBound: a.overZeroDriftBound + b.overZeroDriftBound,
    tightest,
    mostOverZeroDrift: most,
  };
}
