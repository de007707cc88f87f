// The resumed promotion wait (src/runtime/resume-wait.ts, docs/state-machine.md "resume") in the
// simulator: the standby's controller restarts in the middle of its wait for a dead primary and
// resumes it from the status it last wrote. Checks, from the ground truth, what the rule promises.

import { freshMinimumMs } from "../src/runtime/resume-wait.ts";
import type { ScheduleCase } from "./generate.ts";
import { promotionBoundMs } from "./invariants.ts";
import { caseScenario } from "./runner.ts";
import type { Scenario } from "./scenarios.ts";
import type { Fault } from "./schedule.ts";
import { baseConfig, REGIONS3 } from "./sim-config.ts";
import type { World } from "./world.ts";

const MIN = 60_000;
const H = 3_600_000;
const LOSS = 10 * MIN;
/** Half-way into the wait: the credit (about 145 s) is below the cap (promoteAfter - fresh minimum, 209 s). */
const RESTART = LOSS + 150_000;
const GAP = 2_000;

/**
 * What a resumed wait must show against the primary's loss at `lossAt`, for the first automatic
 * promotion after it: made by the incarnation that resumed (so the restart did not start the wait
 * again); no sooner than the fresh minimum after the restart (the timing rule's fencing argument,
 * made on fresh rounds alone) nor than promoteAfter after the loss (the restart shortened nothing);
 * sooner than a whole promoteAfter after the restart (the credit counted); writable within the
 * promotion bound plus the time no round was written for (the restart's gap and the status's lag).
 */
export function resumedWaitProblems(w: World, region: string, lossAt: number): string[] {
  const t = w.cfg.timing;
  const d = w.cfg.lease.maxClockDrift;
  const r = w.resumes.find((x) => x.region === region && x.at >= lossAt);
  if (!r) return [`${region} restarted but did not resume its promotion wait from status`];
  const p = w.promotions.find((x) => x.region === region && x.automatic && x.at >= lossAt);
  if (!p) return [`${region} resumed its wait (credit ${r.creditMs} ms) but never promoted`];
  const out: string[] = [];
  if (p.incarnation !== r.incarnation)
    out.push(
      `${region} promoted from incarnation ${p.incarnation}, not the one that resumed (${r.incarnation})`,
    );
  const fresh = freshMinimumMs(t, t.marginMs);
  if (r.creditMs <= 0 || r.creditMs > t.promoteAfterMs - fresh)
    out.push(
      `credit ${r.creditMs} ms outside (0, promoteAfter - fresh minimum = ${t.promoteAfterMs - fresh}]`,
    );
  if (p.at - r.at < fresh / (1 + d))
    out.push(`promoted ${Math.round(p.at - r.at)} ms after the restart, under the fresh minimum ${fresh} ms`);
  if (p.at - lossAt < t.promoteAfterMs / (1 + d))
    out.push(
      `promoted ${Math.round(p.at - lossAt)} ms after the loss, under promoteAfter ${t.promoteAfterMs} ms`,
    );
  if (p.at - r.at >= t.promoteAfterMs / (1 - d))
    out.push(`promoted ${Math.round(p.at - r.at)} ms after the restart: no sooner than a whole new wait`);
  const writable = w.writable.find((x) => x.region === region && x.from >= p.at);
  const bound = promotionBoundMs(w) + r.unevidencedMs / (1 - d);
  if (!writable || writable.from - lossAt > bound)
    out.push(
      `${region} writable ${writable ? `${Math.round(writable.from - lossAt)} ms` : "never"} after the loss, over ${Math.round(bound)} ms (bound + ${Math.round(r.unevidencedMs)} ms unwritten)`,
    );
  return out;
}

/** us is writable at the end: the resumed (or restarted) wait ended in a promotion. */
function usPromoted(w: World): string[] {
  if (w.cfg.safety === "manual")
    return w.promotions.length === 0 ? [] : [`manual mode promoted ${w.promotions.length} times`];
  return w.final.get("us")?.writable ? [] : [`us is ${w.final.get("us")?.state}, not writable, at the end`];
}

/**
 * A case found by the 1000-run sets (seed 6006; three regions, uniform witnesses, no drift,
 * promoteAfter 300 s, infra cache 30 s), kept as a regression with every invariant checked in
 * every mode (docs/simulator-restarts.md, "What the restore path found").
 */
function foundCase(
  name: string,
  summary: string,
  c: Pick<ScheduleCase, "seed" | "faults"> & { readonly regions?: 2 | 3 },
): Scenario {
  const regions = c.regions ?? 3;
  return caseScenario(name, summary, {
    ...c,
    regions,
    witnessClass: "uniform",
    clockRate: Object.fromEntries(REGIONS3.slice(0, regions).map((r) => [r, 1])),
    promoteAfter: "default",
    infraCacheMs: 30_000,
  });
}

export const RESUME_SCENARIOS: readonly Scenario[] = [
  {
    name: "restart-gap-primary-returns",
    summary:
      "eu is cut off for 40 s; us's controller goes down meanwhile for 290 s; eu serves again and is cut off for good 10 s before us returns: us must not count the gap (resuming from the old loss split brain here)",
    build(safety, durationMs = H) {
      const faults: Fault[] = [
        { kind: "isolate", region: "eu", at: LOSS, for: 40_000 },
        { kind: "restart", region: "us", at: LOSS + 20_000, for: 290_000 },
        { kind: "isolate", region: "eu", at: LOSS + 300_000, for: 10 * H },
      ];
      // Resolvers keep no memory of us as down: otherwise its first fresh round lacks self-quorum
      // and drops any resumed wait, which would hide a rule that counted the gap.
      const config = baseConfig({ seed: 7, safety, durationMs, faults, infraCacheMs: 0 });
      return { config, expect: {} };
    },
    check: usPromoted,
  },
  {
    name: "restart-mid-suspecting",
    summary:
      "the primary region dies; the standby's controller restarts half-way into its promotion wait, resumes it from status and promotes sooner than a whole new wait, within the bound",
    build(safety, durationMs = H) {
      const faults: Fault[] = [
        { kind: "crash", region: "eu", at: LOSS, for: 10 * H },
        { kind: "restart", region: "us", at: RESTART, for: GAP },
      ];
      return { config: baseConfig({ seed: 7, safety, durationMs, faults }), expect: {} };
    },
    check: (w) => {
      if (w.cfg.safety === "manual")
        return w.promotions.length === 0 ? [] : [`manual mode promoted ${w.promotions.length} times`];
      return resumedWaitProblems(w, "us", LOSS);
    },
  },
  foundCase(
    "regression-stale-epoch-after-lease-view",
    "lease: eu back from a crash follows us at epoch 2 on its first lease view, between rounds; its controller restarts before any round wrote that: the re-point recorded epoch 2 on the cluster, and the restart restores it (restored epoch 1 before: invariant 8)",
    // splitguard simulate --seed 6006 --path 916 --kind random --safety lease
    {
      seed: 29,
      faults: [
        { kind: "crash", region: "eu", at: 449307, for: 825387 },
        { kind: "oneway", from: "lw-eu", to: "lw-us", at: 1366060, for: 431697 },
        { kind: "replicaUnhealthy", region: "ap", at: 866434, for: 219929 },
        { kind: "flaky", a: "lw-us", b: "eu", loss: 0.3, at: 422061, for: 190437 },
        { kind: "isolate", region: "ap", at: 220625, for: 511756 },
        { kind: "oneway", from: "ap", to: "8.8.8.8@net", at: 1319867, for: 264651 },
        { kind: "restart", region: "eu", at: 1280591, for: 18985 },
      ],
    },
  ),
  foundCase(
    "regression-handover-epoch-before-status",
    "lease: eu hands over to us, follows us at epoch 2 and its region crashes 1 s later, before a status write; back 850 s later it restores a standby at epoch 2 from the cluster's record (restarted the handover at epoch 1 before: invariant 8)",
    // splitguard simulate --seed 2 --path 6499 --kind random --safety lease --witnesses uniform
    {
      seed: 1964044853,
      regions: 2,
      faults: [
        { kind: "crash", region: "eu", at: 1037237, for: 850013 },
        { kind: "crash", region: "eu", at: 250842, for: 205022 },
        { kind: "switchover", to: "us", at: 987207 },
        { kind: "restart", region: "eu", at: 377797, for: 14549 },
        { kind: "geoSplit", left: ["eu"], right: ["us"], at: 54193, for: 642988 },
      ],
    },
  ),
  foundCase(
    "regression-crash-before-first-status",
    "witness: eu crashes 1 s in, before its first status write; back after us was promoted (epoch 2) and fenced, it restores nothing and serves at epoch 1; after the heal it yields to the fenced us's newer epoch and us resumes (never converged before: invariant 6)",
    // splitguard simulate --seed 6006 --path 939 --kind random --safety witness
    {
      seed: 1022707981,
      faults: [
        { kind: "nodeDown", node: "1.1.1.1@net", at: 1475946, for: 161875 },
        { kind: "replicaUnhealthy", region: "eu", at: 1017, for: 455122 },
        { kind: "isolate", region: "us", at: 380747, for: 538501 },
        { kind: "cut", a: "ap", b: "lw-net", at: 694389, for: 493170 },
        { kind: "crash", region: "eu", at: 1019, for: 468707 },
      ],
    },
  ),
];
