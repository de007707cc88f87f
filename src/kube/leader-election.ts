// Leader election with a coordination.k8s.io/v1 Lease (DESIGN §7: every replica serves DNS, only
// the leader actuates and writes status). The decision is pure (leaseDecision); the shell does the
// read and a resourceVersion-guarded write, so two replicas racing for an expired lease cannot both
// win: the API server accepts only the write carrying the version both read, the other gets 409.
//
// Why the follower waits a full leaseDuration on its OWN clock since it last saw the record change
// (and not renewTime + duration by the holder's timestamp): the holder's clock may be ahead or
// behind; observing the record unchanged for a whole duration locally is the only clock-free proof
// that the holder stopped renewing (client-go's leaderelection does the same).
import type { Clock } from "../core/clock.ts";
import type { KubeClient, KubeObject } from "./kube-client.ts";
import { KubeApiError } from "./kube-client.ts";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Observed {
  /** resourceVersion last seen, and when (local clock) it was first seen. */
  readonly resourceVersion: string;
  readonly seenAt: number;
}

export type LeaseAction =
  | { readonly kind: "renew"; readonly spec: LeaseSpec }
  | { readonly kind: "acquire"; readonly spec: LeaseSpec }
  | { readonly kind: "wait"; readonly reason: string };

export function leaseDecision(
  lease: LeaseSpec | undefined,
  observed: Observed | undefined,
  me: string,
  durationS: number,
  now: number,
): LeaseAction {
  const ts = new Date(now).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
  const acquire = (transitions: number): LeaseAction => ({
    kind: "acquire",
    spec: {
      holderIdentity: me,
      leaseDurationSeconds: durationS,
      acquireTime: ts,
      renewTime: ts,
      leaseTransitions: transitions,
    },
  });
  if (lease === undefined || !lease.holderIdentity)
    return acquire((lease?.leaseTransitions ?? 0) + (lease ? 1 : 0));
  if (lease.holderIdentity === me)
    return { kind: "renew", spec: { ...lease, renewTime: ts, leaseDurationSeconds: durationS } };
  const dur = (lease.leaseDurationSeconds ?? durationS) * 1000;
  if (observed === undefined || now - observed.seenAt < dur)
    return {
      kind: "wait",
      reason: `${lease.holderIdentity} holds the lease (unchanged for ${observed ? now - observed.seenAt : 0} ms of ${dur})`,
    };
  return acquire((lease.leaseTransitions ?? 0) + 1);
}

export interface LeaderElectorOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly clock: Clock;
  readonly durationS?: number;
  /** How often to try (default duration/3). */
  readonly retryMs?: number;
  readonly onChange?: (leader: boolean) => void;
}

export class LeaderElector {
  private observed: Observed | undefined;
  private leading = false;
  /**
   * Local time until which this replica may act as leader (last successful write + duration); 0
   * while no write of this elector has landed.
   */
  private leadUntil = 0;
  private timer: unknown;
  /** Fires at leadUntil: a renewal that has not landed by then ends leadership (a lapse). */
  private lapseTimer: unknown;
  private stopped = false;

  constructor(private readonly o: LeaderElectorOptions) {}

  get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases/${this.o.name}`;
  }

  /** True only while the last renewal is younger than the lease duration on the local clock. */
  isLeader(): boolean {
    return this.leading && this.o.clock.now() < this.leadUntil;
  }

  /** One round: read, decide, write. Returns whether this replica leads afterwards. */
  async tryOnce(): Promise<boolean> {
    const d = this.o.durationS ?? 15;
    const now = this.o.clock.now();
    let current: KubeObject | undefined;
    try {
      current = await this.o.client.get(this.path);
    } catch (e) {
      if (!(e instanceof KubeApiError && e.isNotFound)) return this.set(false);
    }
    const rv = current?.metadata.resourceVersion;
    if (rv !== undefined && rv !== this.observed?.resourceVersion)
      this.observed = { resourceVersion: rv, seenAt: now };
    const action = leaseDecision(
      current?.spec as LeaseSpec | undefined,
      this.observed,
      this.o.identity,
      d,
      now,
    );
    if (action.kind === "wait") return this.set(false);
    try {
      if (current === undefined)
        await this.o.client.create(`/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases`, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.o.name },
          spec: action.spec,
        });
      // resourceVersion makes this a compare-and-swap: a competing write in between gives 409.
      else await this.o.client.update(this.path, { ...current, spec: action.spec });
      // Counted from before the read: the holder's claim can only be older than this, never newer.
      this.leadUntil = now + d * 1000;
      // A renewal can land after leadUntil (a slow API server): then it does not make us leader.
      const left = this.leadUntil - this.o.clock.now();
      if (left <= 0) return this.set(false);
      // Leadership lapses by itself at leadUntil unless the next renewal lands before; reported
      // like any loss, so the log and the leader gauge show it (docs/controller.md).
      this.o.clock.clearTimeout(this.lapseTimer);
      this.lapseTimer = this.o.clock.setTimeout(() => {
        if (this.o.clock.now() >= this.leadUntil) this.set(false);
      }, left);
      return this.set(true);
    } catch {
      return this.set(false);
    }
  }

  /** Try now, then keep renewing; resolves once the first try is done (isLeader() answers it). */
  start(): Promise<void> {
    const loop = async () => {
      if (this.stopped) return;
      await this.tryOnce();
      if (!this.stopped)
        this.timer = this.o.clock.setTimeout(loop, this.o.retryMs ?? ((this.o.durationS ?? 15) * 1000) / 3);
    };
    return loop();
  }

  /**
   * Stop renewing; with release, give the lease up so another replica takes over at once. Released
   * whenever the Lease names this replica, not only while it counts itself leader: after a lapse
   * (a renewal that landed late) the Lease still names it, and keeping it would make the successor
   * wait out a whole duration.
   */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    this.o.clock.clearTimeout(this.timer);
    this.o.clock.clearTimeout(this.lapseTimer);
    if (release && this.leadUntil > 0) {
      try {
        const cur = await this.o.client.get(this.path);
        if ((cur.spec as LeaseSpec).holderIdentity === this.o.identity)
          await this.o.client.update(this.path, {
            ...cur,
            spec: { ...(cur.spec as LeaseSpec), holderIdentity: "" },
          });
      } catch {
        // the lease expires by itself
      }
    }
    this.set(false);
  }

  private set(leader: boolean): boolean {
    if (leader !== this.leading) {
      this.leading = leader;
      this.o.onChange?.(leader);
    }
    return leader;
  }
}
