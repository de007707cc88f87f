// The seam between the region runtime (region-runtime.ts) and the world it acts on. The runtime
// decides (prober evidence → one service machine per service → intents, published state, status);
// an implementation of RegionWorld observes and acts. Kubernetes is one implementation
// (src/kube/kube-world.ts); a demo or a test can run the same runtime against in-memory clusters.
import type { Intent } from "../../machines/intents.ts";
import type { SafetyMode } from "../core/decision.ts";
import type { CnpgStatus, Override, PeerServiceReport } from "../core/evidence.ts";
import type { LeaseGoal, LeaseView } from "../core/lease-core.ts";
import type { StoredStatus } from "./resume-wait.ts";
import type { ServiceStatusDoc } from "./service-status.ts";

/** One failover service as the runtime needs it (from a FailoverService, or a demo's list). */
export interface ServiceDef {
  /** The object's name (FailoverService metadata.name): status and Events go there. */
  readonly name: string;
  /** The host under the zone; also the service's name in the per-service heartbeat. */
  readonly host: string;
  readonly strategy: "failover" | "roundRobin";
  readonly safety: SafetyMode;
  /** Every region of the service, highest priority first. */
  readonly regions: readonly string[];
  /**
   * A stateless roundRobin service (no CNPG cluster in any region): no machine, no promotion, no
   * gate; every region with targets serves them (stateless-service.ts).
   */
  readonly stateless?: boolean;
}

/** What the world shows about one service in this region, read once per round by the leader. */
export interface LocalObservation {
  readonly cnpg: CnpgStatus;
  readonly replicaHealthy: boolean;
  /** This region's own targets (Gateway status.addresses, LoadBalancer ingress, static). */
  readonly targets: readonly string[];
  /** Why some target could not be used (hostnames, a missing Gateway), for status. */
  readonly targetProblems: readonly string[];
  /** The timers and role kept in status, for a machine (re)started now (with a running promotion wait). */
  readonly restored: StoredStatus | undefined;
  /** Overrides the machine must see (freeze). */
  readonly overrides: readonly Override[];
  /**
   * Set while an operator's override is being carried out by the override executor: the machine is
   * held (frozen) meanwhile and started again from status and CNPG once it is done.
   */
  readonly hold: string | undefined;
  /** Lease mode: the highest lease value this region ever attempted to write (from status). */
  readonly leaseAttempt?: LeaseAttempt | undefined;
}

export interface LeaseAttempt {
  readonly epoch: number;
  readonly seq: number;
}

export interface RegionWorld {
  /** The services this region takes part in, now. */
  services(): readonly ServiceDef[];
  /** Only the leader actuates and writes status; every replica serves DNS. */
  isLeader(): boolean;
  observe(svc: ServiceDef): Promise<LocalObservation>;
  /** Carry out one intent of the service's machine. Intents of one service arrive in order. */
  execute(svc: ServiceDef, intent: Intent): Promise<void>;
  /** Write the service's status (the leader only). */
  writeStatus(svc: ServiceDef, status: ServiceStatusDoc): Promise<void>;
  /**
   * What the service publishes according to its stored status (a replica that is not the leader
   * serves what the leader wrote).
   */
  publishedFromStatus(svc: ServiceDef): PublishedState | undefined;
  /** Lease mode: record an attempt before it is written to any lease witness (status). */
  persistLeaseAttempt?(svc: ServiceDef, a: LeaseAttempt): Promise<void>;
}

/** One service's lease driver (src/core/lease-driver.ts), as the runtime drives it. */
export interface LeaseHandle {
  setGoal(goal: LeaseGoal): void;
  start(): void;
  stop(): void;
}

/**
 * Makes a lease driver for a lease-mode service: `onView` after every lease round, `persist`
 * awaited before every write, `lastAttempt` restored from status.
 */
export type LeaseFactory = (
  svc: ServiceDef,
  o: {
    readonly lastAttempt: LeaseAttempt | undefined;
    readonly persist: (a: LeaseAttempt) => Promise<void>;
    readonly onView: (v: LeaseView) => void;
  },
) => LeaseHandle;

/** One service's published state: the per-service heartbeat and `localtargets-<host>`. */
export interface PublishedState extends PeerServiceReport {
  readonly host: string;
}
