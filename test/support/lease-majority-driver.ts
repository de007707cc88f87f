// A TEST HARNESS, not the lease core: the smallest majority driver over N lease-witness transports
// that follows the rules of DESIGN §5, so the `lease` tier can exercise acquire, renew, contend,
// expire/take over and fencing against real servers. The production lease core (issue 3,
// src/core/lease-core.ts on the machine branch) replaces it once merged.
//   - A holder counts itself holder until S + ttl, S = start of its last renewal that succeeded
//     on a majority.
//   - A contender takes over only after seeing one value unchanged on a majority for ttl + margin
//     on its own monotonic clock, and then CASes exactly that value (epoch + 1).
import type { LeaseCasResult, LeaseValue, LeaseWitnessTransport } from "../../src/core/lease-transport.ts";
import { sameLeaseValue } from "../../src/core/lease-transport.ts";

export interface DriverParams {
  readonly ttlMs: number;
  readonly marginMs: number;
  readonly opTimeoutMs: number;
  readonly now: () => number;
}

type Known = LeaseValue | null | undefined; // undefined = unknown (never read, or last op failed)

export type AcquireOutcome =
  | {
      readonly kind: "acquired";
      readonly value: LeaseValue;
      readonly startedAt: number;
      readonly oks: number;
    }
  | { readonly kind: "waiting"; readonly reason: string }
  | { readonly kind: "lost"; readonly reason: string };

export class MajorityLeaseDriver {
  readonly majority: number;
  /** What this region believes each witness holds. */
  private known: Known[];
  private holding: { value: LeaseValue; renewedAt: number } | null = null;
  /** Per witness: the value this region has watched there unchanged, since when. */
  private watch: ({ value: LeaseValue | null; since: number } | undefined)[];
  readonly errors: string[] = [];

  constructor(
    readonly region: string,
    readonly service: string,
    private readonly witnesses: readonly LeaseWitnessTransport[],
    private readonly p: DriverParams,
  ) {
    this.majority = Math.floor(witnesses.length / 2) + 1;
    this.known = witnesses.map(() => undefined);
    this.watch = witnesses.map(() => undefined);
  }

  /** The gate: true only while the last majority renewal started less than ttl ago. */
  holds(at = this.p.now()): boolean {
    return this.holding !== null && at < this.holding.renewedAt + this.p.ttlMs;
  }

  /** When the current belief ends (the fence deadline), or undefined when not holding. */
  holdsUntil(): number | undefined {
    return this.holding ? this.holding.renewedAt + this.p.ttlMs : undefined;
  }

  get value(): LeaseValue | undefined {
    return this.holding?.value;
  }

  /** Read every witness; returns the value seen on a majority (null = absent there), if any. */
  async observe(): Promise<LeaseValue | null | undefined> {
    const reads = await Promise.all(this.witnesses.map((w) => w.read(this.service, this.p.opTimeoutMs)));
    this.known = reads.map((r) => {
      if (r.kind === "value") return r.value;
      if (r.kind === "absent") return null;
      this.errors.push(r.reason);
      return undefined;
    });
    const tally = new Map<string, { v: LeaseValue | null; n: number }>();
    for (const k of this.known) {
      if (k === undefined) continue;
      const key = k === null ? "-" : `${k.holder}/${k.epoch}/${k.seq}`;
      const e = tally.get(key) ?? { v: k, n: 0 };
      e.n += 1;
      tally.set(key, e);
    }
    for (const e of tally.values()) if (e.n >= this.majority) return e.v;
    return undefined;
  }

  /** One write round: CAS `next` on every witness whose current value is known, from that value. */
  private async write(
    next: LeaseValue,
    expectedFor: (k: Known, i: number) => LeaseValue | null | undefined,
  ): Promise<number> {
    const results = await Promise.all(
      this.witnesses.map((w, i): Promise<LeaseCasResult> => {
        const exp = expectedFor(this.known[i], i);
        if (exp === undefined) return Promise.resolve({ kind: "error", reason: "value unknown" });
        return w.compareAndSwap(this.service, exp, next, this.p.opTimeoutMs);
      }),
    );
    let oks = 0;
    results.forEach((r, i) => {
      if (r.kind === "ok") {
        this.known[i] = next;
        oks += 1;
      } else {
        if (r.kind === "error") this.errors.push(r.reason);
        this.known[i] = undefined; // re-read before the next write
      }
    });
    return oks;
  }

  /**
   * Try to become holder: create when the record is absent on a majority; otherwise take over once
   * a majority of witnesses have each shown one unchanged value for ttl + margin (the values may
   * differ between witnesses: a holder that renews only a minority leaves them apart), CASing
   * each from the value watched there.
   */
  async tryAcquire(): Promise<AcquireOutcome> {
    const seen = await this.observe();
    const now = this.p.now();
    this.watch = this.known.map((k, i) => {
      const w = this.watch[i];
      if (k === undefined) return undefined; // unknown: the watch on this witness is lost
      return w && sameLeaseValue(w.value, k) ? w : { value: k, since: now };
    });
    let next: LeaseValue;
    let expectedFor: (i: number) => LeaseValue | null | undefined;
    if (seen === null) {
      next = { holder: this.region, epoch: 1, seq: 0 };
      expectedFor = (i) => (this.known[i] === null ? null : undefined);
    } else {
      // Why: the old holder's last majority renewal intersects every majority we watched, so if
      // each of them stayed unchanged for ttl + margin of our clock since we first saw it, that
      // renewal started before our first sight and its belief ended before we write (DESIGN §5).
      const ripe = this.watch.map((w) =>
        w !== undefined && w.value !== null && now - w.since >= this.p.ttlMs + this.p.marginMs
          ? w.value
          : undefined,
      );
      const count = ripe.filter((v) => v !== undefined).length;
      if (count < this.majority) {
        const waited = this.watch.map((w) => (w ? `${Math.round(now - w.since)}` : "?")).join("/");
        return { kind: "waiting", reason: `values unchanged for ${waited} ms; need ${this.majority} ripe` };
      }
      const epoch = Math.max(...ripe.map((v) => v?.epoch ?? 0));
      next = { holder: this.region, epoch: epoch + 1, seq: 0 };
      expectedFor = (i) => ripe[i];
    }
    const startedAt = this.p.now();
    const oks = await this.write(next, (_k, i) => expectedFor(i));
    if (oks >= this.majority) {
      this.holding = { value: next, renewedAt: startedAt };
      this.watch = this.witnesses.map(() => undefined);
      return { kind: "acquired", value: next, startedAt, oks };
    }
    return { kind: "lost", reason: `CAS succeeded on ${oks} of ${this.witnesses.length}` };
  }

  /** One renewal (seq + 1). Returns whether it succeeded on a majority. */
  async renew(): Promise<boolean> {
    const h = this.holding;
    if (!h) return false;
    const mine = (k: Known) =>
      k === null || (k !== undefined && k.holder === this.region && k.epoch === h.value.epoch);
    // Re-read witnesses whose value is unknown (a failed or timed-out write) before writing.
    if (!this.known.every(mine)) await this.observe();
    const next: LeaseValue = { ...h.value, seq: h.value.seq + 1 };
    // Renew a witness only from a value this holder itself wrote in this epoch (or from absent,
    // where its create never landed).
    const startedAt = this.p.now();
    const oks = await this.write(next, (k) => (k !== undefined && mine(k) ? k : undefined));
    if (oks >= this.majority) {
      this.holding = { value: next, renewedAt: startedAt };
      return true;
    }
    // The value still advances on the witnesses that took it, so the next renewal starts there.
    this.holding = { value: next, renewedAt: h.renewedAt };
    return false;
  }
}

/** A transport wrapper that can drop all traffic to its witness (a network partition). */
export class PartitionableTransport implements LeaseWitnessTransport {
  partitioned = false;
  constructor(private readonly inner: LeaseWitnessTransport) {}
  get name(): string {
    return this.inner.name;
  }
  private dropped(timeoutMs: number): Promise<{ kind: "error"; reason: string }> {
    return new Promise((resolve) =>
      setTimeout(() => resolve({ kind: "error", reason: `${this.name}: timeout (partitioned)` }), timeoutMs),
    );
  }
  read(service: string, timeoutMs: number) {
    return this.partitioned ? this.dropped(timeoutMs) : this.inner.read(service, timeoutMs);
  }
  compareAndSwap(service: string, expected: LeaseValue | null, next: LeaseValue, timeoutMs: number) {
    return this.partitioned
      ? this.dropped(timeoutMs)
      : this.inner.compareAndSwap(service, expected, next, timeoutMs);
  }
}
