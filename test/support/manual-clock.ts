// A manual clock for unit tests: timers fire only when the test advances time (promise
// continuations run between timers).
import type { Clock } from "../../src/core/clock.ts";

/** A manual clock: timers fire only when the test advances time. */
export class ManualClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private id = 0;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.id;
    this.timers.push({ at: this.t + ms, fn, id });
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
}
