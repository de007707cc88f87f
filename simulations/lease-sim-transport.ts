// The lease-witness transport over the simulated network: the request reaches the witness after the
// link latency (or is lost), is applied there with RFC 2136 semantics (LeaseWitnessStore), and the
// answer travels back (or is lost). A lost request or answer is an error at the asker's timeout; a
// request that arrives after the asker gave up is still applied, as on a real network.
import type { Clock, TimerHandle } from "../src/core/clock.ts";
import type { LeaseWitnessStore } from "../src/core/lease-memory-transport.ts";
import type {
  LeaseCasResult,
  LeaseReadResult,
  LeaseValue,
  LeaseWitnessTransport,
} from "../src/core/lease-transport.ts";
import type { EventQueue } from "./event-queue.ts";
import type { Network } from "./network.ts";

/**
 * The requests in flight of one lease driver (one controller incarnation), shared by its
 * transports. The driver sends a batch to every witness at once and awaits them all
 * (Promise.all) before it sends the next, so its code can only go on when the last request of a
 * batch settles: the simulator is told then, and drains the promise continuations at that virtual
 * instant. Settling an earlier one of the batch only records an answer inside Promise.all, which
 * has no effect until the batch completes.
 */
export class InFlight {
  private n = 0;

  constructor(
    /** Called when the last request in flight settled. */
    private readonly batchSettled: () => void,
  ) {}

  started(): void {
    this.n += 1;
  }

  settled(): void {
    this.n -= 1;
    if (this.n === 0) this.batchSettled();
  }
}

export class SimLeaseTransport implements LeaseWitnessTransport {
  constructor(
    readonly name: string,
    private readonly from: string,
    private readonly store: LeaseWitnessStore,
    private readonly net: Network,
    private readonly q: EventQueue,
    private readonly clock: Clock,
    /** The driver's requests in flight, shared with its other transports. */
    private readonly flight: InFlight,
  ) {}

  private op<T>(apply: () => T, timeoutMs: number, lostAs: T): Promise<T> {
    return new Promise<T>((resolve) => {
      this.flight.started();
      const call = new PendingCall<T>(resolve, this.clock, this.flight);
      call.timer = this.clock.setTimeout(() => call.finish(lostAs), timeoutMs);
      const there = this.net.packet(this.from, this.name);
      if (there === undefined) return;
      this.q.schedule(this.q.now + there, () => {
        if (!this.net.nodeUp(this.name)) return;
        const result = apply();
        const back = this.net.packet(this.name, this.from);
        if (back === undefined) return;
        this.q.schedule(this.q.now + back, () => call.finish(result));
      });
    });
  }

  read(service: string, timeoutMs: number): Promise<LeaseReadResult> {
    return this.op<LeaseReadResult>(
      () => {
        const v = this.store.read(service);
        return v === null ? { kind: "absent" } : { kind: "value", value: { ...v } };
      },
      timeoutMs,
      { kind: "error", reason: "timeout" },
    );
  }

  compareAndSwap(
    service: string,
    expected: LeaseValue | null,
    next: LeaseValue,
    timeoutMs: number,
  ): Promise<LeaseCasResult> {
    return this.op<LeaseCasResult>(
      () => (this.store.apply(service, expected, next) === "ok" ? { kind: "ok" } : { kind: "conflict" }),
      timeoutMs,
      { kind: "error", reason: "timeout" },
    );
  }
}

/**
 * One request in flight: settled once, by the answer or by the asker's timeout, whichever comes
 * first. (A class rather than a closure per request: this runs for every lease read and write.)
 */
class PendingCall<T> {
  timer: TimerHandle = undefined;
  private done = false;

  constructor(
    private readonly resolve: (v: T) => void,
    private readonly clock: Clock,
    private readonly flight: InFlight,
  ) {}

  finish(v: T): void {
    if (this.done) return;
    this.done = true;
    this.clock.clearTimeout(this.timer);
    this.resolve(v);
    this.flight.settled();
  }
}
