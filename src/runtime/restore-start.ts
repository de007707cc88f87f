// What a (re)started service machine is given: the stored status (restoredFrom) and the local CNPG
// cluster in, the RestoredStatus the machine starts from out. Pure. The region runtime
// (region-runtime.ts) and the simulator (simulations/world.ts) both start machines through it, so
// the random simulations audit the restore path the live controller runs.
import type { RestoredStatus } from "../../machines/service-machine.ts";
import type { ServiceTiming } from "../core/decision.ts";
import type { CnpgStatus } from "../core/evidence.ts";
import { resumeWait, type StoredStatus } from "./resume-wait.ts";

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
  // it changed; a lease acquired between two rounds promotes at once, and promoteCnpg records the
  // new epoch on the CNPG cluster (splitguard.io/epoch) before any status says so. A controller
  // killed in that window restored the older epoch from status: its machine published the fenced
  // primary under the superseded epoch and the simulator saw the epoch go down (lease mode, seed 3
  // regression-stale-restore-after-freeze, once the simulator restored from written status). The
  // cluster's own record of the epoch it was promoted at is the later fact; a replica's is stale.
  if (r && cnpg.role === "primary" && cnpg.epoch !== undefined && cnpg.epoch > r.epoch)
    return { ...r, epoch: cnpg.epoch };
  return r;
}
