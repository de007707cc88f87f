// What a (re)started service machine is given: the stored status (restoredFrom) and the local CNPG
// cluster in, the RestoredStatus the machine starts from out. Pure. The region runtime
// (region-runtime.ts) and the simulator (simulations/world.ts) both start machines through it, so
// the random simulations audit the restore path the live controller runs.
import type { RestoredStatus } from "../../machines/service-machine.ts";
import type { ServiceTiming } from "../core/decision.ts";
import type { CnpgStatus } from "../core/evidence.ts";
import { resumeWait, type StoredStatus } from "./resume-wait.ts";

/** No status: what a first start has, but for the epoch (the machine's defaults for the rest). */
const NOTHING: RestoredStatus = {
  role: null,
  epoch: 1,
  primary: null,
  lastHealthyAt: null,
  leaseHoldUntil: null,
  lastRoleChangeAt: null,
};

export function restoreAtStart(
  stored: StoredStatus | undefined,
  cnpg: CnpgStatus,
  t: ServiceTiming,
  marginMs: number,
  now: number,
): RestoredStatus | undefined {
  // A standby's promotion wait resumes only on evidence (resume-wait.ts has the argument).
  const r = resumeWait(stored, t, marginMs, now);
  // Safety point (epochs only increase). Status is written at the end of a round, and only when
  // it changed; a lease acquired, or a newer claim followed, between two rounds acts on CNPG at
  // once, and that patch records the epoch on the cluster (splitguard.io/epoch: every promotion,
  // and every demotion or re-point to a newer epoch) before any status says so. A controller killed
  // in that window restored the older epoch from status and the simulator saw the epoch go down
  // (lease mode: seed 3 regression-stale-restore-after-freeze, a promotion; seed 6006 path 916
  // regression-stale-epoch-after-lease-view, a stale primary following a lease view). The newest
  // of the two is the fact, whatever the role: the annotation only ever goes up (epochNewer,
  // cnpg-actuator.ts), and a replica's left from an earlier promotion is older than any epoch it
  // followed since, so it never wins over status. Chosen over writing status on every transition:
  // it costs one API write per epoch change, none in a steady state, and it is the same object
  // the action changed (the patch and its record cannot part).
  //
  // The same window ends a planned switchover: the old primary, `demoting`, follows the target's
  // newer claim, and that follow records the target's epoch on the cluster (the handover's own
  // demotion records ours, never a newer one). Status still saying `demoting` under a newer cluster
  // epoch therefore means the handover finished: restore a standby, which follows what CNPG
  // follows. Restored as `demoting` at the newer epoch, the region waited for a claim newer than
  // the target's for ever (seed 2 path 6499, regression-handover-epoch-before-status).
  const e = cnpg.epoch;
  if (e === undefined || !Number.isFinite(e)) return r;
  if (!r) return { ...NOTHING, epoch: e };
  if (e <= r.epoch) return r;
  const finished = r.role === "demoting";
  return {
    ...r,
    epoch: e,
    role: finished ? "standby" : r.role,
    adjusted: `status said ${r.role ?? "no role"} at epoch ${r.epoch}; the cluster records epoch ${e}${finished ? ", so the handover finished" : ""}`,
  };
}
