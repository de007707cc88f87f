// The controller shell: informers on FailoverServices and FailoverOverrides, a serial reconcile
// queue per service, and Lease leader election. Every replica runs the informers (and, in the full
// process, serves DNS); only the leader reconciles, i.e. actuates and writes status.
import { Informer } from "./informer.ts";
import { KubeApiError, type KubeObject } from "./kube-client.ts";
import { LeaderElector } from "./leader-election.ts";
import { ReconcileQueue } from "./reconcile-queue.ts";
import { done, type ReconcileResult } from "./reconcile-result.ts";
import { isPending, type ReconcilerDeps, reconcileService } from "./service-reconciler.ts";

/** The reconciler's dependencies (documented there), plus the shell's own settings. */
export interface ControllerOptions extends Omit<ReconcilerDeps, "peerAliveMs"> {
  /** Default 30 s. */
  readonly peerAliveMs?: number;
  readonly resyncMs?: number;
  readonly leaseName?: string;
  readonly leaseDurationS?: number;
  readonly log?: (msg: string) => void;
  /** Called when this replica gains or loses the leader Lease (metrics). */
  readonly onLeader?: (leading: boolean) => void;
  readonly onResult?: (key: string, r: ReconcileResult) => void;
}

const base = (ns: string) => `/apis/splitguard.io/v1alpha1/namespaces/${ns}`;

export class Controller {
  readonly elector: LeaderElector;
  readonly queue: ReconcileQueue;
  readonly services: Informer;
  readonly overrides: Informer;

  constructor(private readonly o: ControllerOptions) {
    const log = o.log ?? (() => {});
    this.queue = new ReconcileQueue(
      o.clock,
      (k) => this.reconcile(k),
      (k, r) => {
        log(`reconcile ${k}: ${r.kind}${r.kind === "requeueAfter" ? `(${r.ms} ms)` : ""} ${r.reason}`);
        o.onResult?.(k, r);
      },
    );
    this.elector = new LeaderElector({
      client: o.client,
      namespace: o.namespace,
      name: o.leaseName ?? "splitguard-controller",
      identity: o.identity,
      clock: o.clock,
      durationS: o.leaseDurationS ?? 15,
      onChange: (leader) => {
        log(`${o.identity} ${leader ? "became leader" : "is not the leader"}`);
        o.onLeader?.(leader);
        if (leader) for (const k of this.services.store.keys()) this.queue.enqueue(k);
      },
    });
    this.services = new Informer({
      client: o.client,
      path: `${base(o.namespace)}/failoverservices`,
      clock: o.clock,
      resyncMs: o.resyncMs ?? 30_000,
      onChange: (obj, deleted) => {
        if (!deleted) this.queue.enqueue(obj.metadata.name);
      },
      log,
    });
    this.overrides = new Informer({
      client: o.client,
      path: `${base(o.namespace)}/failoveroverrides`,
      clock: o.clock,
      resyncMs: o.resyncMs ?? 30_000,
      onChange: (obj) => this.queue.enqueue((obj.spec as { service: string }).service),
      log,
    });
  }

  async start(): Promise<void> {
    await this.elector.start();
    await this.services.start();
    await this.overrides.start();
  }

  async stop(releaseLease = true): Promise<void> {
    this.services.stop();
    this.overrides.stop();
    this.queue.stop();
    await this.queue.whenIdle();
    await this.elector.stop(releaseLease);
  }

  /**
   * Overrides-only mode: nothing for the override executor to do, judged from the informers. The
   * runtime writes status on every change (and every 30 s) and each write comes back here through
   * the watch; without this each would cost four reads (the service, the overrides, the Cluster,
   * the service again) for an empty reconcile. Safe on a stale cache: a new override is in the
   * store before its event enqueues the service, and a phase only ever moves to a terminal one,
   * so a lagging cache shows an override as pending (a fresh read follows), never the reverse.
   */
  private idle(name: string): boolean {
    const fs = this.services.store.get(name);
    if (!fs) return false;
    const observed = (fs.status as { observedGeneration?: number } | undefined)?.observedGeneration;
    if (observed !== fs.metadata.generation) return false;
    for (const o of this.overrides.store.values())
      if ((o.spec as { service?: string }).service === name && isPending(o)) return false;
    return true;
  }

  private async reconcile(name: string): Promise<ReconcileResult> {
    if (!this.elector.isLeader()) return done("not the leader: only the leader actuates and writes status");
    if (this.o.overridesOnly && this.idle(name))
      return done("no override to carry out and status.observedGeneration is current");
    let fs: KubeObject;
    try {
      // Fresh reads, not the informer cache: a restarted or new leader must act on what is stored.
      fs = await this.o.client.get(`${base(this.o.namespace)}/failoverservices/${name}`);
    } catch (e) {
      if (e instanceof KubeApiError && e.isNotFound) return done("deleted");
      throw e;
    }
    const overrides = await this.o.client.get<{ items: KubeObject[] }>(
      `${base(this.o.namespace)}/failoveroverrides`,
    );
    return reconcileService({ ...this.o, peerAliveMs: this.o.peerAliveMs ?? 30_000 }, fs, overrides.items);
  }
}
