// What the service machine asks the world to do. The machine never performs I/O: actuators outside
// it (the CNPG actuator, the gate patcher, the DNS publisher, the lease driver, the event recorder)
// execute these, in the order emitted.
import type { PeerServiceReport } from "../src/core/evidence.ts";
import type { LeaseGoal } from "../src/core/lease-core.ts";

export type Intent =
  /** Patch the readiness gate `splitguard.io/primary` to True on the service's selected pods. */
  | { readonly type: "openGate" }
  | { readonly type: "closeGate" }
  /** `cnpg.io/fencedInstances: '["*"]'` on the local cluster. */
  | { readonly type: "fenceCnpg" }
  /** Remove the fencing annotation (a fenced primary that may serve again). */
  | { readonly type: "unfenceCnpg" }
  /** `spec.replica.primary: <self>` (+ `promotionToken` for a planned switchover), epoch recorded. */
  | { readonly type: "promoteCnpg"; readonly epoch: number; readonly token?: string | undefined }
  /**
   * `spec.replica.primary: <primary>`: become (or stay) a replica following `primary`. `epoch` is
   * the epoch of the claim followed, recorded on the cluster (splitguard.io/epoch) when newer than
   * the one there, so that a restart before status says so does not restore an older epoch
   * (src/runtime/restore-start.ts).
   */
  | { readonly type: "demoteCnpg"; readonly primary: string; readonly epoch: number }
  /** The per-service heartbeat this region serves. */
  | { readonly type: "publish"; readonly report: PeerServiceReport }
  /** A Kubernetes Event on the FailoverService. */
  | { readonly type: "emitEvent"; readonly reason: string; readonly message: string }
  /** What the lease driver should do (lease mode only). */
  | { readonly type: "leaseGoal"; readonly goal: LeaseGoal };

export type IntentType = Intent["type"];
