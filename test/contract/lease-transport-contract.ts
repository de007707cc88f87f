// The contract every LeaseWitnessTransport meets: the RFC 2136 client against real BIND and Knot
// (test/lease/lease-transport-contract.test.ts) and the simulator's in-memory transport run these
// very tests. To run them against another transport:
//
//   leaseTransportContract("in-memory", async () => {
//     const witness = new InMemoryWitness();                  // one shared store
//     return { connect: () => witness.transport("w1"), stop: async () => {} };
//   });
//
// Every test uses service names of its own, so a witness can be shared by all of them.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type LeaseValue,
  type LeaseWitnessTransport,
  sameLeaseValue,
} from "../../src/core/lease-transport.ts";

export interface ContractWitness {
  /** A new client of the same witness (the same stored records) on every call. */
  connect(): LeaseWitnessTransport;
  stop?(): Promise<void>;
}

const T = 2000;

const v = (holder: string, epoch: number, seq: number): LeaseValue => ({ holder, epoch, seq });

export function leaseTransportContract(name: string, setup: () => Promise<ContractWitness>): void {
  describe(`lease transport contract: ${name}`, () => {
    let witness: ContractWitness;
    let t: LeaseWitnessTransport;
    const fresh = () => `c${randomBytes(4).toString("hex")}`;

    beforeAll(async () => {
      witness = await setup();
      t = witness.connect();
    });
    afterAll(async () => {
      await witness?.stop?.();
    });

    it("names the witness", () => {
      expect(t.name.length).toBeGreaterThan(0);
    });

    it("reads absent before anything was written", async () => {
      expect(await t.read(fresh(), T)).toEqual({ kind: "absent" });
    });

    it("creates with expected=null (RRset does not exist), then reads the value back", async () => {
      const s = fresh();
      expect(await t.compareAndSwap(s, null, v("eu", 1, 0), T)).toEqual({ kind: "ok" });
      expect(await t.read(s, T)).toEqual({ kind: "value", value: v("eu", 1, 0) });
    });

    it("refuses a second create as a conflict and keeps the first value", async () => {
      const s = fresh();
      await t.compareAndSwap(s, null, v("eu", 1, 0), T);
      expect(await t.compareAndSwap(s, null, v("us", 1, 0), T)).toEqual({ kind: "conflict" });
      expect(await t.read(s, T)).toEqual({ kind: "value", value: v("eu", 1, 0) });
    });

    it("swaps when the expected value is exactly the stored one", async () => {
      const s = fresh();
      await t.compareAndSwap(s, null, v("eu", 1, 0), T);
      expect(await t.compareAndSwap(s, v("eu", 1, 0), v("eu", 1, 1), T)).toEqual({ kind: "ok" });
      expect(await t.compareAndSwap(s, v("eu", 1, 1), v("us", 2, 0), T)).toEqual({ kind: "ok" });
      expect(await t.read(s, T)).toEqual({ kind: "value", value: v("us", 2, 0) });
    });

    it("rejects a stale or different expected value (holder, epoch or seq) and changes nothing", async () => {
      const s = fresh();
      await t.compareAndSwap(s, null, v("eu", 3, 0), T);
      await t.compareAndSwap(s, v("eu", 3, 0), v("eu", 3, 1), T);
      for (const stale of [v("eu", 3, 0), v("us", 3, 1), v("eu", 2, 1), v("eu", 3, 2)])
        expect(await t.compareAndSwap(s, stale, v("us", 4, 0), T)).toEqual({ kind: "conflict" });
      expect(await t.read(s, T)).toEqual({ kind: "value", value: v("eu", 3, 1) });
    });

    it("rejects a swap on an absent record as a conflict and creates nothing", async () => {
      const s = fresh();
      expect(await t.compareAndSwap(s, v("eu", 1, 0), v("eu", 1, 1), T)).toEqual({ kind: "conflict" });
      expect(await t.read(s, T)).toEqual({ kind: "absent" });
    });

    it("keeps services apart", async () => {
      const a = fresh();
      const b = fresh();
      await t.compareAndSwap(a, null, v("eu", 1, 0), T);
      expect(await t.read(b, T)).toEqual({ kind: "absent" });
      expect(await t.compareAndSwap(b, null, v("us", 5, 0), T)).toEqual({ kind: "ok" });
      expect(await t.read(a, T)).toEqual({ kind: "value", value: v("eu", 1, 0) });
    });

    it("lets exactly one of several concurrent clients win a swap from the same expected value", async () => {
      const s = fresh();
      await t.compareAndSwap(s, null, v("eu", 1, 0), T);
      const clients = ["us", "ap", "sa", "af", "me"].map((r) => ({ r, c: witness.connect() }));
      const results = await Promise.all(
        clients.map(({ r, c }) => c.compareAndSwap(s, v("eu", 1, 0), v(r, 2, 0), T)),
      );
      const winners = results.flatMap((x, i) => (x.kind === "ok" ? [clients[i]!.r] : []));
      expect(winners).toHaveLength(1);
      expect(results.filter((x) => x.kind === "conflict")).toHaveLength(clients.length - 1);
      const after = await t.read(s, T);
      expect(after.kind === "value" && sameLeaseValue(after.value, v(winners[0]!, 2, 0))).toBe(true);
    });

    it("lets exactly one of several concurrent creators win", async () => {
      const s = fresh();
      const clients = ["eu", "us", "ap", "sa"].map((r) => ({ r, c: witness.connect() }));
      const results = await Promise.all(clients.map(({ r, c }) => c.compareAndSwap(s, null, v(r, 1, 0), T)));
      expect(results.filter((x) => x.kind === "ok")).toHaveLength(1);
      expect(results.filter((x) => x.kind === "conflict")).toHaveLength(clients.length - 1);
    });
  });
}
