import { describe, expect, it } from "vitest";
import {
  attempted,
  decide,
  holds,
  initialLeaseState,
  type LeaseParams,
  type LeaseState,
  leaseView,
  majorityValue,
  observe,
  readRound,
  written,
} from "../../../src/core/lease-core.ts";
import { LeaseWitnessStore, MemoryLeaseTransport } from "../../../src/core/lease-memory-transport.ts";
import type { LeaseValue } from "../../../src/core/lease-transport.ts";

const P: LeaseParams = { self: "us", ttlMs: 30_000, marginMs: 5_000, witnesses: 3 };
const eu = (epoch: number, seq: number): LeaseValue => ({ holder: "eu", epoch, seq });

function seeAll(s: LeaseState, v: LeaseValue | null, now: number): LeaseState {
  let x = s;
  for (let i = 0; i < 3; i++) x = observe(x, i, v, now);
  return x;
}

describe("lease core", () => {
  it("bootstraps from an absent record only for a region that wants to hold", () => {
    const s = seeAll(initialLeaseState(P), null, 0);
    const a = decide(P, s, "hold", 0);
    expect(a).toMatchObject({ kind: "write", why: "bootstrap", next: { holder: "us", epoch: 1, seq: 0 } });
    expect(decide(P, s, "observe", 0).kind).toBe("wait");
  });

  it("a contender waits ttl + margin after first seeing the value on a majority", () => {
    let s = seeAll(initialLeaseState(P), eu(3, 7), 1_000);
    expect(decide(P, s, "acquire", 1_000 + 34_999)).toMatchObject({ kind: "wait" });
    s = seeAll(s, eu(3, 7), 20_000); // unchanged: the window keeps its start
    const a = decide(P, s, "acquire", 36_000);
    expect(a).toMatchObject({ kind: "write", why: "acquire", next: { holder: "us", epoch: 4, seq: 0 } });
    if (a.kind === "write") expect(a.expected).toEqual([eu(3, 7), eu(3, 7), eu(3, 7)]);
  });

  it("after a round without a majority, the wait restarts when a majority answers again (lease failsafe)", () => {
    let s = seeAll(initialLeaseState(P), eu(3, 7), 1_000);
    s = readRound(P, s, 3, 1_000);
    expect(leaseView(P, s, 1_000, "").reachesMajority).toBe(true);
    s = readRound(P, s, 1, 50_000); // two witnesses unreachable: nothing can be acquired
    expect(leaseView(P, s, 50_000, "").reachesMajority).toBe(false);
    expect(decide(P, s, "acquire", 50_000)).toMatchObject({ kind: "wait" });
    s = readRound(P, seeAll(s, eu(3, 7), 60_000), 3, 60_000); // back, the value unchanged
    // Watched since 1 s, but the majority came back only at 60 s: ttl + margin from there.
    expect(decide(P, s, "acquire", 60_000 + 34_999)).toMatchObject({ kind: "wait" });
    expect(decide(P, s, "acquire", 60_000 + 35_000)).toMatchObject({ kind: "write", why: "acquire" });
    // A round with a minority of errors keeps the run of majority rounds going.
    expect(readRound(P, s, 2, 70_000).reach).toEqual({ majority: true, since: 60_000 });
  });

  it("a renewal seen anywhere restarts the window", () => {
    let s = seeAll(initialLeaseState(P), eu(3, 7), 0);
    s = observe(s, 0, eu(3, 8), 30_000);
    s = observe(s, 1, eu(3, 8), 30_000);
    expect(majorityValue(P, s)).toMatchObject({ value: eu(3, 8), since: 30_000 });
    expect(decide(P, s, "acquire", 40_000).kind).toBe("wait");
  });

  it("a read error keeps the previous observation (the window is never restarted later than the write)", () => {
    let s = seeAll(initialLeaseState(P), eu(1, 1), 0);
    s = observe(s, 2, "error", 10_000);
    expect(majorityValue(P, s)).toMatchObject({ since: 0, on: 3 });
  });

  it("the holder believes only until the start of its last majority write + ttl", () => {
    let s = seeAll(initialLeaseState(P), null, 0);
    const next = { holder: "us", epoch: 1, seq: 0 };
    s = attempted(s, next);
    s = written(P, s, next, 100, [true, true, false]);
    expect(holds(s, 30_099)).toBe(true);
    expect(holds(s, 30_100)).toBe(false);
    const minority = written(P, s, { ...next, seq: 1 }, 10_100, [true, false, false]);
    expect(minority.holding?.holdUntil).toBe(30_100);
  });

  it("never writes a value twice: seq and epoch come after the persisted last attempt", () => {
    let s = seeAll(initialLeaseState(P, { epoch: 5, seq: 9 }), eu(5, 2), 0);
    s = seeAll(s, { holder: "us", epoch: 5, seq: 2 }, 0);
    const a = decide(P, s, "hold", 0);
    expect(a).toMatchObject({ kind: "write", why: "reclaim", next: { holder: "us", epoch: 5, seq: 10 } });
    const b = decide(P, seeAll(initialLeaseState(P, { epoch: 9, seq: 0 }), eu(3, 1), 0), "acquire", 99_000);
    expect(b).toMatchObject({ next: { epoch: 10, seq: 0 } });
  });

  it("renews every ttl/3, from what each witness showed (repairing one that missed the bootstrap)", () => {
    let s = seeAll(initialLeaseState(P), null, 0);
    const v0 = { holder: "us", epoch: 1, seq: 0 };
    s = written(P, attempted(s, v0), v0, 0, [true, true, false]);
    expect(decide(P, s, "hold", 5_000).kind).toBe("wait");
    const a = decide(P, s, "hold", 10_000);
    expect(a).toMatchObject({ kind: "write", why: "renew", next: { seq: 1 } });
    if (a.kind === "write") expect(a.expected).toEqual([v0, v0, null]);
  });

  it("when the witnesses disagree, acquires only on those unchanged for ttl + margin", () => {
    let s = initialLeaseState(P);
    s = observe(s, 0, eu(2, 5), 0);
    s = observe(s, 1, eu(2, 6), 0);
    s = observe(s, 2, eu(2, 7), 20_000);
    expect(decide(P, s, "acquire", 35_000)).toMatchObject({ kind: "write", why: "acquire" });
    const a = decide(P, s, "acquire", 35_000);
    // Witness 2 changed 15 s ago: it must not be touched, whatever it holds.
    if (a.kind === "write") expect(a.expected).toEqual([eu(2, 5), eu(2, 6), undefined]);
    s = observe(s, 1, eu(2, 8), 30_000);
    expect(decide(P, s, "acquire", 40_000).kind).toBe("wait");
  });

  it("never overwrites another holder's record of the same or a newer epoch while renewing", () => {
    let s = seeAll(initialLeaseState(P), null, 0);
    const v0 = { holder: "us", epoch: 3, seq: 0 };
    s = written(P, attempted(s, v0), v0, 0, [true, true, true]);
    s = observe(s, 2, eu(4, 0), 5_000);
    const a = decide(P, s, "hold", 10_000);
    if (a.kind === "write") expect(a.expected).toEqual([v0, v0, undefined]);
  });
});

describe("in-memory RFC 2136 witness", () => {
  it("applies prerequisites as RFC 2136 §2.4.2/§2.4.3", async () => {
    const store = new LeaseWitnessStore();
    const t = new MemoryLeaseTransport("m1", store);
    expect(await t.read("db")).toEqual({ kind: "absent" });
    expect(await t.compareAndSwap("db", eu(1, 0), eu(1, 1))).toEqual({ kind: "conflict" });
    expect(store.apply("db", null, eu(1, 0))).toBe("ok");
    expect(store.apply("db", null, eu(1, 0))).toBe("YXRRSET");
    expect(store.apply("db", eu(1, 5), eu(1, 6))).toBe("NXRRSET");
    expect(await t.compareAndSwap("db", eu(1, 0), eu(1, 1))).toEqual({ kind: "ok" });
    expect(await t.read("db")).toEqual({ kind: "value", value: eu(1, 1) });
    expect(await t.read("other")).toEqual({ kind: "absent" });
  });
});
