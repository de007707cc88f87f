// A manual clock for tests: timers fire only when the test advances time (STYLE 3).
import type { Clock } from "../../src/core/clock.ts";

export class ManualClock implements Clock {
  t = 0;
  private timers: { at: number; ms: number; fn: () => void; id: number }[] = [];
  private id = 0;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.id;
    this.timers.push({ at: this.t + ms, ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  async advanceTo(t: number) {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const due = this.timers.filter((x) => x.at <= t).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = t;
    await new Promise((r) => setImmediate(r));
  }
  get pending() {
    return this.timers.length;
  }
  /** The delays (ms) of the timers waiting now, in the order they were set. */
  get pendingDelays(): number[] {
    return this.timers.map((x) => x.ms);
  }
}
