import { describe, expect, it } from "vitest";
import type { Clock } from "../../../src/core/clock.ts";
import { ProbeLoop } from "../../../src/core/probe-loop.ts";
import type { ProbeRound } from "../../../src/core/prober.ts";

/** A manual clock: timers fire only when the test advances time. */
class ManualClock implements Clock {
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

function source(clock: ManualClock, durationMs: () => number) {
  const starts: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    starts,
    maxInFlight: () => maxInFlight,
    probe: () => {
      starts.push(clock.now());
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<ProbeRound>((resolve) => {
        clock.setTimeout(() => {
          inFlight -= 1;
          resolve({} as ProbeRound);
        }, durationMs());
      });
    },
  };
}

describe("probe loop", () => {
  it("starts rounds every interval from the first, whatever each round took", async () => {
    const clock = new ManualClock();
    const src = source(clock, () => 1200);
    let rounds = 0;
    const loop = new ProbeLoop(
      src,
      clock,
      5000,
      () => rounds++,
      () => {},
    );
    loop.start();
    await clock.advanceTo(20_500);
    expect(src.starts).toEqual([0, 5000, 10_000, 15_000, 20_000]);
    expect(rounds).toBe(4);
    loop.stop();
    await clock.advanceTo(60_000);
    expect(src.starts).toHaveLength(5);
    expect(clock.pending).toBe(0);
  });

  it("never overlaps rounds: a slow round is followed at once by the next", async () => {
    const clock = new ManualClock();
    const durations = [7000, 1000, 1000];
    const src = source(clock, () => durations.shift() ?? 1000);
    const loop = new ProbeLoop(
      src,
      clock,
      5000,
      () => {},
      () => {},
    );
    loop.start();
    await clock.advanceTo(16_000);
    expect(src.starts).toEqual([0, 7000, 12_000]);
    expect(src.maxInFlight()).toBe(1);
    loop.stop();
  });
});
