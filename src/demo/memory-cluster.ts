// The demo's stand-in for one region's Kubernetes cluster: its CNPG Cluster (which region it
// designates primary, whether it runs the primary, fencing, the demotion token), the service's pods
// with their readiness gate, and whether the region is alive at all. It plays CNPG in the small:
// a promotion completes `promoteMs` after it is asked for; a demotion of the primary stops writes at
// once and produces a demotion token `demoteMs` later (what a planned switchover hands over).
//
// Writable means what a client could write to: alive, running the primary, not fenced, and at
// least one pod with the gate open (the Service routes to gated pods only). Every change of that is
// recorded in the ledger: it is the ground truth the verdict checks.
import { randomBytes } from "node:crypto";
import type { Intent } from "../../machines/intents.ts";
import type { Clock, TimerHandle } from "../core/clock.ts";
import type { CnpgStatus } from "../core/evidence.ts";
import type { Ledger } from "./ledger.ts";

export interface ClusterTiming {
  /** From `spec.replica.primary: self` to CNPG reporting the local cluster primary. */
  readonly promoteMs: number;
  /** From demoting a primary to its `status.demotionToken`. */
  readonly demoteMs: number;
}

export interface Pod {
  readonly name: string;
  gate: boolean;
}

export class MemoryCluster {
  /** `spec.replica.primary`: the region this cluster believes is primary. */
  designated: string;
  /** The local cluster runs the primary (CNPG status). */
  runsPrimary: boolean;
  fenced = false;
  demotionToken: string | undefined;
  alive = true;
  pods: Pod[];
  /** The epoch of the last promotion asked of this cluster. */
  epoch = 0;
  private wasWritable = false;
  private pending: TimerHandle | undefined;

  constructor(
    readonly region: string,
    primary: string,
    private readonly clock: Clock,
    private readonly ledger: Ledger,
    private readonly timing: ClusterTiming,
    podCount = 2,
  ) {
    this.designated = primary;
    this.runsPrimary = primary === region;
    // A running system: the primary's pods carry the gate when the demo starts.
    this.pods = Array.from({ length: podCount }, (_, i) => ({
      name: `db-${region}-${i + 1}`,
      gate: this.runsPrimary,
    }));
    this.settle();
  }

  get writable(): boolean {
    return this.alive && this.runsPrimary && !this.fenced && this.pods.some((p) => p.gate);
  }

  get gateOpen(): boolean {
    return this.pods.some((p) => p.gate);
  }

  /** What the runtime reads (as KubeWorld reads the CNPG Cluster). */
  status(): CnpgStatus {
    if (!this.alive) return { role: "unknown", fenced: false };
    return {
      role: this.runsPrimary ? "primary" : "replica",
      fenced: this.fenced,
      primary: this.designated,
      demotionToken: this.demotionToken,
    };
  }

  /** Carry out one intent of the region's machine (the gate, CNPG; the rest is not the cluster's). */
  apply(intent: Intent): void {
    if (!this.alive) throw new Error(`region ${this.region} is down: ${intent.type} cannot be carried out`);
    switch (intent.type) {
      case "openGate":
      case "closeGate":
        for (const p of this.pods) p.gate = intent.type === "openGate";
        break;
      case "fenceCnpg":
        this.fenced = true;
        break;
      case "unfenceCnpg":
        this.fenced = false;
        break;
      case "promoteCnpg":
        this.promote(intent.epoch);
        break;
      case "demoteCnpg":
        this.demote(intent.primary);
        break;
      default:
        return;
    }
    this.settle();
  }

  /** The region is lost: database, pods and controller go; nothing is writable there. */
  crash(): void {
    this.alive = false;
    this.clock.clearTimeout(this.pending);
    this.pending = undefined;
    this.settle();
  }

  /** The region comes back: CNPG in its last role, new pods without the gate (closed). */
  restart(): void {
    this.alive = true;
    this.pods = this.pods.map((p) => ({ name: p.name, gate: false }));
    this.settle();
  }

  private promote(epoch: number): void {
    this.ledger.promote(this.region, epoch);
    this.epoch = epoch;
    this.designated = this.region;
    if (this.runsPrimary) return;
    this.clock.clearTimeout(this.pending);
    this.pending = this.clock.setTimeout(() => {
      this.pending = undefined;
      if (!this.alive || this.designated !== this.region) return;
      this.runsPrimary = true;
      this.demotionToken = undefined;
      this.settle();
    }, this.timing.promoteMs);
  }

  private demote(primary: string): void {
    this.designated = primary;
    if (!this.runsPrimary) return;
    // The primary shuts down and restarts as a replica: no write after this point. Its token tells
    // the new primary where the old timeline ended (CNPG's demotion token).
    this.runsPrimary = false;
    this.clock.clearTimeout(this.pending);
    this.pending = this.clock.setTimeout(() => {
      this.pending = undefined;
      if (!this.alive) return;
      this.demotionToken = randomBytes(8).toString("hex");
      this.settle();
    }, this.timing.demoteMs);
  }

  private settle(): void {
    const w = this.writable;
    if (w === this.wasWritable) return;
    this.wasWritable = w;
    this.ledger.writable(this.region, w);
  }
}
