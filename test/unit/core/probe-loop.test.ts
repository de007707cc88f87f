import { describe, expect, it } from "vitest";
import { ProbeLoop } from "../../../src/core/probe-loop.ts";
import type { ProbeRound } from "../../../src/core/prober.ts";
import { ManualClock } from "../../support/manual-clock.ts";

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
