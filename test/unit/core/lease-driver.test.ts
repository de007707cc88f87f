// The lease driver's sequencing (the decisions are lease-core.ts's, tested in lease-core.test.ts).
import { describe, expect, it } from "vitest";
import { LeaseDriver } from "../../../src/core/lease-driver.ts";
import { LeaseWitnessStore, MemoryLeaseTransport } from "../../../src/core/lease-memory-transport.ts";
import type { LeaseValue } from "../../../src/core/lease-transport.ts";
import { ManualClock } from "../../support/manual-clock.ts";

const params = { self: "us", ttlMs: 30_000, marginMs: 5_000, witnesses: 3 };
const eu: LeaseValue = { holder: "eu", epoch: 1, seq: 7 };

function world() {
  const clock = new ManualClock();
  const stores = [0, 1, 2].map(() => new LeaseWitnessStore());
  for (const s of stores) s.apply("db", null, eu);
  const writes: { at: number; value: LeaseValue }[] = [];
  const transports = stores.map((s, i) => {
    const t = new MemoryLeaseTransport(`lw${i}`, s);
    const cas = t.compareAndSwap.bind(t);
    t.compareAndSwap = async (service, expected, next) => {
      if (i === 0) writes.push({ at: clock.now(), value: next });
      return cas(service, expected, next);
    };
    return t;
  });
  const driver = (onView: () => void, persistAttempt: () => void | Promise<void> = () => {}) =>
    new LeaseDriver({
      params,
      service: "db",
      transports,
      clock,
      opTimeoutMs: 2_000,
      persistAttempt,
      onView,
    });
  return { clock, driver, writes };
}

describe("LeaseDriver", () => {
  it("a goal change made while a round reports its view starts the next round at once", async () => {
    // Regression (promotion bound exceeded by up to one renewal period): the machine sets the goal
    // from inside onView; the round's own ttl/3 reschedule used to replace the immediate one.
    const w = world();
    const { clock, writes } = w;
    let asked: number | undefined;
    const driver: LeaseDriver = w.driver(() => {
      // The standby becomes cleared to contend once the old value has been still long enough.
      if (asked === undefined && clock.now() >= 40_000) {
        asked = clock.now();
        driver.setGoal("acquire");
      }
    });
    driver.start();
    await clock.advanceTo(60_000);
    driver.stop();
    expect(asked).toBe(40_000);
    expect(writes).toEqual([{ at: 40_000, value: { holder: "us", epoch: 2, seq: 0 } }]);
  });

  it("a goal change between rounds starts a round at once; observe never writes", async () => {
    const { clock, writes, ...w } = world();
    const driver = w.driver(() => {});
    driver.start();
    await clock.advanceTo(45_000);
    expect(writes).toEqual([]);
    driver.setGoal("acquire");
    await clock.advanceTo(45_000);
    driver.stop();
    expect(writes).toEqual([{ at: 45_000, value: { holder: "us", epoch: 2, seq: 0 } }]);
  });

  it("an attempt that cannot be recorded is not written, and a goal change meanwhile still starts a round at once", async () => {
    // Regression: the failed-persist path ended the round on its own and rescheduled ttl/3,
    // dropping a goal change (kickPending) made while the persist was pending.
    const w = world();
    const { clock, writes } = w;
    let fail: (e: Error) => void = () => {};
    const views: { at: number; reason: string }[] = [];
    const driver: LeaseDriver = w.driver(
      () => views.push({ at: clock.now(), reason: driver.view().reason }),
      () =>
        new Promise<void>((_, reject) => {
          fail = reject;
        }),
    );
    driver.start();
    driver.setGoal("acquire");
    await clock.advanceTo(40_000);
    // The round at 40 s decided to write and waits for the persist; the machine changes its goal.
    driver.setGoal("reclaim");
    fail(new Error("status patch refused"));
    await clock.advanceTo(40_000);
    driver.stop();
    expect(writes).toEqual([]);
    expect(views.slice(-2)).toEqual([
      { at: 40_000, reason: "not written: the attempt could not be recorded (status patch refused)" },
      // The next round ran at once (not a renewal period later) with the new goal.
      { at: 40_000, reason: "fenced: our own record is not on a majority; not taking another's" },
    ]);
  });
});
