// Kubernetes as the region runtime's world (src/runtime/actuators.ts): the list of services and the
// overrides from the controller's informers; every round (observe) one fresh read each of the
// FailoverService (its status carries the override executor's switchover step, which holds the
// machine, and what a new machine starts from: an informer copy may lag the executor's write), the
// CNPG Cluster and the target source; intents carried out by the existing actuators
// (intent-executor.ts: gate, CNPG, Events; each CNPG intent re-reads the Cluster), status written
// from a fresh read with 409 retries. Only the leader's runtime calls observe/execute/writeStatus.
import type { Intent } from "../../machines/intents.ts";
import type { Clock } from "../core/clock.ts";
import type { SafetyMode } from "../core/decision.ts";
import type { CnpgStatus, Override, PublishedRole } from "../core/evidence.ts";
import type {
  LeaseAttempt,
  LocalObservation,
  PublishedState,
  RegionWorld,
  ServiceDef,
} from "../runtime/actuators.ts";
import { restoredFrom, type ServiceStatusDoc } from "../runtime/service-status.ts";
import { viewCluster } from "./cnpg-actuator.ts";
import { updateFromFreshRead } from "./conflict-retry.ts";
import type { Controller } from "./controller.ts";
import { executeIntent } from "./intent-executor.ts";
import { KubeApiError, type KubeClient, type KubeObject } from "./kube-client.ts";
import { type TargetsSpec, targetsOf, targetsPath } from "./local-targets.ts";
import { isFrozen, isPending } from "./service-reconciler.ts";

interface FsSpec {
  host: string;
  strategy?: "failover" | "roundRobin";
  safety?: SafetyMode;
  /** cnpgCluster is absent in every region of a stateless roundRobin service (CRD rule). */
  regions: { name: string; cnpgCluster?: string }[];
  gate?: { selector: { matchLabels: Record<string, string> } };
  targets: TargetsSpec;
}

const CNPG_HEALTHY = "Cluster in healthy state";
const base = (ns: string) => `/apis/splitguard.io/v1alpha1/namespaces/${ns}`;

export interface KubeWorldOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly region: string;
  readonly identity: string;
  readonly clock: Clock;
  readonly controller: Controller;
}

export class KubeWorld implements RegionWorld {
  /** The FailoverService as last read by observe(): Events are recorded on it. */
  private readonly objects = new Map<string, KubeObject>();

  constructor(private readonly o: KubeWorldOptions) {}

  services(): ServiceDef[] {
    const out: ServiceDef[] = [];
    for (const fs of this.o.controller.services.store.values()) {
      const s = fs.spec as FsSpec;
      if (!s.regions?.some((r) => r.name === this.o.region)) continue;
      out.push({
        name: fs.metadata.name,
        host: s.host,
        strategy: s.strategy ?? "failover",
        safety: s.safety ?? "witness",
        regions: s.regions.map((r) => r.name),
        ...(s.regions.every((r) => !r.cnpgCluster) ? { stateless: true } : {}),
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  isLeader(): boolean {
    return this.o.controller.elector.isLeader();
  }

  async observe(def: ServiceDef): Promise<LocalObservation> {
    const { client, namespace, region, clock } = this.o;
    const fs = await client.get(`${base(namespace)}/failoverservices/${def.name}`);
    this.objects.set(def.name, fs);
    const spec = fs.spec as FsSpec;
    const local = spec.regions.find((r) => r.name === region)!;
    const regionOf = (cluster: string | undefined) =>
      spec.regions.find((r) => r.cnpgCluster === cluster)?.name ?? cluster;
    let cnpg: CnpgStatus = { role: "unknown", fenced: false };
    let replicaHealthy = false;
    if (local.cnpgCluster)
      try {
        const c = await client.get(
          `/apis/postgresql.cnpg.io/v1/namespaces/${namespace}/clusters/${local.cnpgCluster}`,
        );
        const v = viewCluster(c);
        cnpg = {
          role: v.primary === undefined ? "unknown" : v.primary === v.self ? "primary" : "replica",
          fenced: v.fenced,
          fencedByUs: v.fenced && v.fencedByUs,
          primary: regionOf(v.primary),
          demotionToken: v.demotionToken,
          ...(v.epoch !== undefined && Number.isFinite(v.epoch) ? { epoch: v.epoch } : {}),
        };
        // CNPG keeps replication lag in its metrics only (DESIGN §7); status says whether instances are
        // ready. Without either the replica counts as unhealthy: it must not be promoted blind.
        const st = (c.status ?? {}) as { readyInstances?: number; phase?: string };
        replicaHealthy = (st.readyInstances ?? 0) >= 1 || st.phase === CNPG_HEALTHY;
      } catch (e) {
        if (!(e instanceof KubeApiError && e.isNotFound)) throw e;
      }
    const problems: string[] = [];
    let targetObj: KubeObject | undefined;
    const tpath = targetsPath(namespace, spec.targets);
    if (tpath)
      try {
        targetObj = await client.get(tpath);
      } catch (e) {
        if (!(e instanceof KubeApiError && e.isNotFound)) throw e;
        problems.push(`${tpath} not found`);
      }
    const targets = targetsOf(spec.targets, targetObj);
    problems.push(...targets.skipped);
    const now = clock.now();
    const overrides = [...this.o.controller.overrides.store.values()]
      .filter((o) => (o.spec as { service: string }).service === def.name)
      .sort((a, b) =>
        String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)),
      );
    const forMachine: Override[] = isFrozen(overrides, now)
      ? [{ action: "freeze", reason: "FailoverOverride freeze", id: "freeze" }]
      : [];
    return {
      cnpg,
      replicaHealthy,
      targets: targets.addresses,
      targetProblems: problems,
      restored: restoredFrom(fs.status as Record<string, unknown> | undefined),
      overrides: forMachine,
      hold: overrideInProgress(overrides, fs.status as Record<string, unknown> | undefined, now),
      leaseAttempt: storedAttempt(fs.status),
    };
  }

  async execute(def: ServiceDef, intent: Intent): Promise<void> {
    // Leadership can be lost between a round and its intents: a replica that no longer holds the
    // Lease must not act next to the new leader.
    if (!this.isLeader()) return;
    // The intents were decided on the spec this round's observe() read (not the informer's copy,
    // which may be another generation); deleted since (gone from the informer): nothing to act on.
    const fs = this.objects.get(def.name);
    if (!fs || !this.o.controller.services.store.has(def.name)) return;
    const spec = fs.spec as FsSpec;
    const local = spec.regions.find((r) => r.name === this.o.region)!;
    // A stateless service runs no machine, so it has no intents; a selector-less gate must never
    // reach setGate (an empty selector would match every pod in the namespace).
    if (!local.cnpgCluster || !spec.gate) return;
    await executeIntent(
      {
        client: this.o.client,
        namespace: this.o.namespace,
        service: fs,
        cnpgCluster: local.cnpgCluster,
        clusterOf: (r) => spec.regions.find((x) => x.name === r)?.cnpgCluster,
        gateLabels: spec.gate.selector.matchLabels,
        clock: this.o.clock,
        identity: this.o.identity,
      },
      intent,
    );
  }

  async writeStatus(def: ServiceDef, doc: ServiceStatusDoc): Promise<void> {
    if (!this.isLeader()) return;
    await this.updateStatus(def, (cur) => {
      // The recorded lease attempt only ever grows: a status built before a concurrent
      // persistLeaseAttempt must not write an older one back.
      const lastAttempt = newerAttempt(storedAttempt(cur), doc.lease?.lastAttempt ?? undefined);
      return {
        ...cur,
        ...doc,
        ...(doc.lease ? { lease: { ...doc.lease, lastAttempt: lastAttempt ?? null } } : {}),
      };
    });
  }

  async persistLeaseAttempt(def: ServiceDef, a: LeaseAttempt): Promise<void> {
    // Throwing makes the lease driver skip the write (lease-driver.ts).
    if (!this.isLeader()) throw new Error("not the leader");
    await this.updateStatus(def, (cur) => {
      const lease = (cur.lease ?? {}) as Record<string, unknown>;
      return { ...cur, lease: { ...lease, lastAttempt: newerAttempt(storedAttempt(cur), a) } };
    });
  }

  private async updateStatus(
    def: ServiceDef,
    change: (status: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<void> {
    const path = `${base(this.o.namespace)}/failoverservices/${def.name}`;
    await updateFromFreshRead(
      this.o.client,
      path,
      (cur) => ({
        ...cur,
        status: {
          ...change((cur.status as Record<string, unknown>) ?? {}),
          observedGeneration: cur.metadata.generation,
        },
      }),
      5,
      `${path}/status`,
    );
  }

  publishedFromStatus(def: ServiceDef): PublishedState | undefined {
    const st = this.o.controller.services.store.get(def.name)?.status as
      | {
          published?: {
            role: PublishedRole;
            epoch: number;
            gate: "open" | "closed";
            localTargets?: string[];
            handoverTo?: string;
            demotionToken?: string;
          };
        }
      | undefined;
    const p = st?.published;
    if (!p) return undefined;
    return {
      host: def.host,
      role: p.role,
      epoch: p.epoch,
      gate: p.gate,
      localTargets: p.localTargets ?? [],
      ...(p.handoverTo ? { handoverTo: p.handoverTo } : {}),
      ...(p.demotionToken ? { demotionToken: p.demotionToken } : {}),
    };
  }
}

/**
 * An override the override executor (service-reconciler.ts) is carrying out or is about to: a
 * promote, demote or switchover not yet Applied/Rejected/Expired, or a switchover step in status.
 * The machine is held meanwhile so the two never act on the same Cluster at once.
 */
export function overrideInProgress(
  overrides: readonly KubeObject[],
  status: Record<string, unknown> | undefined,
  now: number,
): string | undefined {
  for (const o of overrides) {
    const spec = o.spec as { action: string; expiresAt?: string };
    if (spec.action === "freeze" || spec.action === "release" || !isPending(o)) continue;
    if (spec.expiresAt && Date.parse(spec.expiresAt) <= now) continue;
    return `override ${o.metadata.name} (${spec.action}) in progress`;
  }
  const step = (status?.switchover as { step?: string } | undefined)?.step;
  return step ? `switchover step ${step} in progress` : undefined;
}

function storedAttempt(status: unknown): LeaseAttempt | undefined {
  const a = (status as { lease?: { lastAttempt?: LeaseAttempt | null } } | undefined)?.lease?.lastAttempt;
  return a && typeof a.epoch === "number" && typeof a.seq === "number" ? a : undefined;
}

function newerAttempt(a: LeaseAttempt | undefined, b: LeaseAttempt | undefined): LeaseAttempt | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.epoch > a.epoch || (b.epoch === a.epoch && b.seq > a.seq) ? b : a;
}
