// Scenarios of a partition during a freeze (FailoverOverride freeze in both regions): the regions
// cut apart, the primary isolated, or the primary region dead while frozen. While frozen nothing may
// change by itself (no transition but into `frozen`, no intent, nobody becomes or stops being
// writable except by the fault itself); after the release the normal rules apply again: no
// promotion while the primary keeps its quorum, and a promotion within the bound counted from the
// release when the primary is really gone (every peer wait restarts at the release).

import type { Scenario } from "./scenarios.ts";
import { type Fault, faultEnd } from "./schedule.ts";
import { baseConfig, type Safety } from "./sim-config.ts";
import type { World } from "./world.ts";

const MIN = 60_000;
const H = 3_600_000;
const FREEZE_AT = 10 * MIN;
const RELEASE_AT = 30 * MIN;
/** The fault starts inside the freeze, once every region has entered `frozen`. */
const FAULT_AT = 15 * MIN;

/** By when every region is frozen: the first round after the freeze began (clock slow by d), evaluated. */
function frozenBy(w: World): number {
  const t = w.cfg.timing;
  return FREEZE_AT + t.probeIntervalMs / (1 - w.cfg.lease.maxClockDrift) + t.probeTimeoutMs;
}

/**
 * Nothing changed by itself while frozen: from the first round after the freeze began until the
 * release, no transition except into `frozen`, no promotion, and no writable interval that starts
 * or ends, except one that ends at `crashAt` (the region died: the fault, not a decision).
 */
function unchangedWhileFrozen(w: World, crashAt?: number): string[] {
  const from = frozenBy(w);
  const inside = (at: number) => at > from && at < RELEASE_AT;
  const out: string[] = [];
  for (const x of w.transitions)
    if (inside(x.at) && x.to !== "frozen")
      out.push(`${x.region} changed ${x.from} -> ${x.to} at ${x.at} while frozen`);
  for (const p of w.promotions)
    if (inside(p.at)) out.push(`${p.region} told to promote at ${p.at} while frozen`);
  for (const iv of w.writable) {
    if (inside(iv.from)) out.push(`${iv.region} became writable at ${iv.from} while frozen`);
    if (iv.to !== null && inside(iv.to) && iv.to !== crashAt)
      out.push(`${iv.region} stopped being writable at ${iv.to} while frozen`);
  }
  return out;
}

/** Every region entered `frozen` within one round of the freeze and stayed there until the release. */
function allFrozen(w: World): string[] {
  const by = frozenBy(w);
  return w.cfg.regions.flatMap((r) => {
    const entered = w.transitions.find((x) => x.region === r && x.to === "frozen");
    return entered && entered.at >= FREEZE_AT && entered.at <= by
      ? []
      : [`${r} did not enter frozen between ${FREEZE_AT} and ${Math.round(by)}`];
  });
}

function noPromotion(w: World): string[] {
  return w.promotions.length === 0 ? [] : [`expected no promotion, saw ${w.promotions.length}`];
}

/** Witness and lease mode: exactly one promotion, of us, after the release; manual: none. */
function promotedAfterRelease(w: World): string[] {
  if (w.cfg.safety === "manual") return noPromotion(w);
  const p = w.promotions;
  if (p.length !== 1 || p[0]!.region !== "us" || p[0]!.at < RELEASE_AT)
    return [
      `expected one promotion of us after the release at ${RELEASE_AT}, saw ${p.map((x) => `${x.region}@${Math.round(x.at)}`).join(", ") || "none"}`,
    ];
  // The wait restarts at the release (restartPeerWaits): loss time counted while frozen is not
  // credited, so the old primary, whose own fence deadline kept running, fences first.
  const waited = p[0]!.at - RELEASE_AT;
  const least = w.cfg.timing.promoteAfterMs / (1 + w.cfg.lease.maxClockDrift);
  if (waited < least) return [`us promoted ${Math.round(waited)} ms after the release, before promoteAfter`];
  return w.final.get("us")!.writable ? [] : ["us is not writable at the end"];
}

function freezeScenario(
  name: string,
  summary: string,
  fault: Fault,
  after: (w: World) => string[],
  /** The primary is gone for good: the promotion bound is counted from the release. */
  gone: boolean,
): Scenario {
  return {
    name,
    summary,
    build(safety: Safety, durationMs = H) {
      const faults: Fault[] = [{ kind: "freeze", at: FREEZE_AT, for: RELEASE_AT - FREEZE_AT }, fault];
      const config = baseConfig({ seed: 7, safety, durationMs, faults });
      return {
        config,
        expect: gone ? { primaryLossAt: RELEASE_AT } : { healedBy: faultEnd(fault) },
      };
    },
    check: (w) => [
      ...allFrozen(w),
      ...unchangedWhileFrozen(w, fault.kind === "crash" ? fault.at : undefined),
      ...after(w),
    ],
  };
}

export const FREEZE_SCENARIOS: readonly Scenario[] = [
  freezeScenario(
    "freeze-partition",
    "both regions frozen 10-30 min, eu-us cut 15-45 min: nothing changes while frozen; after the release eu keeps its quorum, nothing is promoted",
    { kind: "cut", a: "eu", b: "us", at: FAULT_AT, for: 30 * MIN },
    (w) => [...noPromotion(w), ...(w.final.get("eu")!.writable ? [] : ["eu is not writable at the end"])],
    false,
  ),
  freezeScenario(
    "freeze-primary-isolated",
    "both regions frozen 10-30 min, eu cut from everything at 15 min for good: eu stays writable while frozen; after the release it fences and us promotes within the bound counted from the release",
    { kind: "isolate", region: "eu", at: FAULT_AT, for: 10 * H },
    promotedAfterRelease,
    true,
  ),
  freezeScenario(
    "freeze-primary-region-down",
    "both regions frozen 10-30 min, eu dies at 15 min for good: no promotion while frozen; us promotes within the bound counted from the release",
    { kind: "crash", region: "eu", at: FAULT_AT, for: 10 * H },
    promotedAfterRelease,
    true,
  ),
];
