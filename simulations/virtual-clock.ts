// A region's clock in virtual time: its own rate (drift within the configured bound) and offset,
// timers on the simulator's event queue. It throws on anything a real clock would silently accept
// but that means a broken timer path here (NaN, negative or infinite delays, use after its owner
// stopped), so a stray timer fails the run loudly instead of skewing it.
import type { Clock, TimerHandle } from "../src/core/clock.ts";
import type { EventQueue, SimEvent } from "./event-queue.ts";

export class VirtualClock implements Clock {
  private alive = true;
  private readonly pending = new Set<SimEvent>();

  constructor(
    private readonly q: EventQueue,
    /** Local ms per virtual ms (1 ± drift). */
    readonly rate: number,
    readonly offset: number,
    readonly owner: string,
  ) {}

  now(): number {
    return this.offset + this.q.now * this.rate;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (!this.alive) throw new Error(`simulator: ${this.owner} set a timer after it was stopped`);
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0)
      throw new Error(`simulator: ${this.owner} set a timer of ${String(ms)} ms`);
    const e = this.q.schedule(this.q.now + ms / this.rate, () => {
      this.pending.delete(e);
      fn();
    });
    this.pending.add(e);
    return e;
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle === undefined) return;
    const e = handle as SimEvent;
    if (!e || typeof e !== "object" || !("seq" in e))
      throw new Error(`simulator: ${this.owner} cleared a foreign timer`);
    this.q.cancel(e);
    this.pending.delete(e);
  }

  /** The owner stopped: cancel its timers; any later setTimeout throws. */
  stop(): void {
    this.alive = false;
    for (const e of this.pending) this.q.cancel(e);
    this.pending.clear();
  }

  /** A new incarnation on the same physical clock (a controller restart keeps the region's clock). */
  fork(owner: string): VirtualClock {
    return new VirtualClock(this.q, this.rate, this.offset, owner);
  }
}
