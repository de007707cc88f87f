// One region's world for the region runtime (src/runtime/actuators.ts) without Kubernetes: the
// service list is fixed, CNPG and the gate are the in-memory cluster (memory-cluster.ts), status is
// kept in memory (and survives a "restart" of the region's runtime, as a FailoverService status
// survives a controller restart), overrides come from the demo's controls. One replica, always the
// leader.
import type { Intent } from "../../machines/intents.ts";
import type { Override } from "../core/evidence.ts";
import type { LocalObservation, PublishedState, RegionWorld, ServiceDef } from "../runtime/actuators.ts";
import { restoredFrom, type ServiceStatusDoc } from "../runtime/service-status.ts";
import type { MemoryCluster } from "./memory-cluster.ts";

export interface MemoryWorldOptions {
  readonly service: ServiceDef;
  readonly cluster: MemoryCluster;
  /** This region's own targets for the service (what a Gateway would report). */
  readonly targets: readonly string[];
  /** The overrides in force for this region now (freeze, switchover), read every round. */
  readonly overrides: () => readonly Override[];
  /** Every event the machine asks to record (Kubernetes Events in a cluster). */
  readonly onEvent?: (reason: string, message: string) => void;
}

export class MemoryWorld implements RegionWorld {
  private status: ServiceStatusDoc | undefined;

  constructor(private readonly o: MemoryWorldOptions) {}

  /** The status last written (the terminal view reads it). */
  get lastStatus(): ServiceStatusDoc | undefined {
    return this.status;
  }

  services(): readonly ServiceDef[] {
    return [this.o.service];
  }

  isLeader(): boolean {
    return true;
  }

  async observe(_svc: ServiceDef): Promise<LocalObservation> {
    const c = this.o.cluster;
    return {
      cnpg: c.status(),
      replicaHealthy: c.alive,
      targets: this.o.targets,
      targetProblems: [],
      restored: restoredFrom(this.status as unknown as Record<string, unknown> | undefined),
      overrides: this.o.overrides(),
      hold: undefined,
    };
  }

  async execute(_svc: ServiceDef, intent: Intent): Promise<void> {
    if (intent.type === "emitEvent") {
      this.o.onEvent?.(intent.reason, intent.message);
      return;
    }
    // publish is the runtime's own business (the zone); leaseGoal needs lease witnesses the demo
    // does not run (witness safety only).
    if (intent.type === "publish" || intent.type === "leaseGoal") return;
    this.o.cluster.apply(intent);
  }

  async writeStatus(_svc: ServiceDef, status: ServiceStatusDoc): Promise<void> {
    this.status = status;
  }

  publishedFromStatus(svc: ServiceDef): PublishedState | undefined {
    const p = this.status?.published;
    if (!p) return undefined;
    return {
      host: svc.host,
      role: p.role as PublishedState["role"],
      epoch: p.epoch,
      gate: p.gate === "open" ? "open" : "closed",
      localTargets: p.localTargets,
      ...(p.handoverTo ? { handoverTo: p.handoverTo } : {}),
      ...(p.demotionToken ? { demotionToken: p.demotionToken } : {}),
    };
  }
}
