import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideFailsafe,
  type FailsafeInput,
  type PeerFailsafeAck,
} from "../../../src/core/lease-failsafe.ts";

const TTL = 30_000;
const ack = (over: Partial<PeerFailsafeAck> = {}): PeerFailsafeAck => ({
  askedAt: 100_000,
  reachesMajority: false,
  primary: "eu",
  epoch: 4,
  ...over,
});
const base = (over: Partial<FailsafeInput> = {}): FailsafeInput => ({
  enabled: true,
  now: 110_000,
  self: "eu",
  peers: ["eu", "us", "ap"],
  leaseHeldUntil: 105_000,
  epoch: 4,
  ttlMs: TTL,
  acks: new Map([
    ["us", ack()],
    ["ap", ack({ askedAt: 101_000 })],
  ]),
  ...over,
});

describe("lease failsafe (DESIGN §5, Patroni failsafe_mode)", () => {
  it("serves on the lease while it is held, whatever the peers say", () => {
    expect(decideFailsafe(base({ now: 104_999, acks: new Map() }))).toMatchObject({
      kind: "serve",
      basis: "lease",
      until: 105_000,
    });
  });

  it("fences at lease expiry when the failsafe is disabled", () => {
    expect(decideFailsafe(base({ enabled: false }))).toMatchObject({
      kind: "fence",
      reason: expect.stringMatching(/disabled/),
    });
  });

  it("keeps serving when every peer acknowledges it cannot reach a majority, until the oldest question + ttl", () => {
    const d = decideFailsafe(base());
    expect(d).toMatchObject({ kind: "serve", basis: "failsafe", until: 100_000 + TTL });
    expect(d.reason).toMatch(/us, ap/);
  });

  it("fences when one peer is silent, reaches a majority, knows a higher epoch, sees another primary, or answered too long ago", () => {
    const cases: [Map<string, PeerFailsafeAck>, RegExp][] = [
      [new Map([["us", ack()]]), /ap has not acknowledged/],
      [
        new Map([
          ["us", ack()],
          ["ap", ack({ reachesMajority: true })],
        ]),
        /ap reaches a majority/,
      ],
      [
        new Map([
          ["us", ack({ epoch: 5 })],
          ["ap", ack()],
        ]),
        /us knows epoch 5 > ours 4/,
      ],
      [
        new Map([
          ["us", ack({ primary: "us" })],
          ["ap", ack()],
        ]),
        /us acknowledges us as primary/,
      ],
      [
        new Map([
          ["us", ack({ primary: "" })],
          ["ap", ack()],
        ]),
        /acknowledges no region/,
      ],
      [
        new Map([
          ["us", ack({ askedAt: 110_000 - TTL })],
          ["ap", ack()],
        ]),
        /us's acknowledgement is 30000 ms old/,
      ],
    ];
    for (const [acks, why] of cases)
      expect(decideFailsafe(base({ acks }))).toMatchObject({
        kind: "fence",
        reason: expect.stringMatching(why),
      });
  });

  it("never creates a primary: a region that never held the lease fences", () => {
    expect(decideFailsafe(base({ leaseHeldUntil: undefined }))).toMatchObject({
      kind: "fence",
      reason: expect.stringMatching(/never held/),
    });
  });

  it("a lone region with no peers keeps serving (as Patroni keeps a lone leader), re-deciding after one ttl", () => {
    expect(decideFailsafe(base({ peers: ["eu"], acks: new Map() }))).toMatchObject({
      kind: "serve",
      basis: "failsafe",
      until: 110_000 + TTL,
    });
  });

  it("property: failsafe serving implies every peer gave a fresh, negative acknowledgement naming us", () => {
    const peerNames = ["us", "ap", "sa"];
    const arbAck = fc.record({
      askedAt: fc.integer({ min: 0, max: 200_000 }),
      reachesMajority: fc.boolean(),
      primary: fc.constantFrom("eu", "us", ""),
      epoch: fc.integer({ min: 0, max: 8 }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.option(arbAck, { nil: undefined }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: undefined }),
        (acks, now, heldUntil) => {
          const m = new Map<string, PeerFailsafeAck>();
          for (const [i, a] of acks.entries()) if (a) m.set(peerNames[i]!, a);
          const d = decideFailsafe(
            base({ peers: ["eu", ...peerNames], acks: m, now, leaseHeldUntil: heldUntil }),
          );
          if (d.kind === "serve" && d.basis === "failsafe") {
            for (const p of peerNames) {
              const a = m.get(p);
              expect(a).toBeDefined();
              expect(a!.reachesMajority).toBe(false);
              expect(a!.primary).toBe("eu");
              expect(a!.epoch).toBeLessThanOrEqual(4);
              expect(now).toBeLessThan(a!.askedAt + TTL);
              expect(d.until).toBeLessThanOrEqual(a!.askedAt + TTL);
            }
          }
          if (d.kind === "serve" && d.basis === "lease") expect(now).toBeLessThan(heldUntil!);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
