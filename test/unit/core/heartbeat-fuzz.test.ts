// Fuzzing the heartbeat TXT parser (issue 10): whatever strings a resolver or an attacker hands
// back, verifyHeartbeat never throws, and accepts only what was signed with the key, for the zone,
// echoing the nonce the asker sent. Any change to a signed heartbeat is rejected.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Heartbeat, signHeartbeat, verifyHeartbeat } from "../../../src/core/heartbeat-record.ts";

const KEY = Buffer.alloc(32, 5);
const ZONE = "gslb.example.com";
const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,14}$/);

const heartbeat: fc.Arbitrary<Heartbeat> = fc.oneof(
  fc.record({
    kind: fc.constant("region" as const),
    region: label,
    nonce: label,
    incarnation: fc.integer({ min: 0, max: 2 ** 47 }),
    servicesDigest: fc
      .uint8Array({ minLength: 16, maxLength: 16 })
      .map((b) => Buffer.from(b).toString("base64url")),
    serviceCount: fc.nat(5000),
  }),
  fc.record({
    kind: fc.constant("service" as const),
    region: label,
    service: label,
    nonce: label,
    incarnation: fc.integer({ min: 0, max: 2 ** 47 }),
    role: fc.constantFrom(
      "primary",
      "standby",
      "fenced",
      "promoting",
      "demoting",
      "frozen",
      "initializing" as const,
    ),
    epoch: fc.nat(1_000_000),
    gateOpen: fc.boolean(),
    localTargets: fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { maxLength: 30 }),
    demotionToken: fc.option(fc.base64String({ maxLength: 900 }), { nil: undefined }),
    handoverTo: fc.option(label, { nil: undefined }),
    leaseMajority: fc.option(fc.boolean(), { nil: undefined }),
  }),
);

describe("heartbeat TXT parser fuzz", () => {
  it("never throws on arbitrary strings, and never accepts them", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 300 }), { maxLength: 8 }), label, (strings, nonce) => {
        const v = verifyHeartbeat(strings, [KEY], ZONE, nonce);
        expect(v.ok).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it("accepts every signed heartbeat and gives back exactly what was signed", () => {
    fc.assert(
      fc.property(heartbeat, (hb) => {
        const v = verifyHeartbeat(signHeartbeat(hb, KEY, ZONE), [KEY], ZONE, hb.nonce);
        expect(v.ok).toBe(true);
        if (v.ok) expect(v.heartbeat).toMatchObject({ kind: hb.kind, region: hb.region, nonce: hb.nonce });
        // Signed under a key id (heartbeatKeys): verified by that key, rejected by another id.
        const withId = signHeartbeat(hb, { id: "k1", secret: KEY }, ZONE);
        expect(verifyHeartbeat(withId, [{ id: "k1", secret: KEY }], ZONE, hb.nonce)).toEqual(v);
        expect(verifyHeartbeat(withId, [{ id: "k2", secret: KEY }], ZONE, hb.nonce).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it("rejects any one-character change, a dropped or reordered string, another key, zone or nonce", () => {
    fc.assert(
      fc.property(
        heartbeat,
        fc.nat(),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        (hb, si, ci, ch) => {
          const strings = signHeartbeat(hb, KEY, ZONE);
          const i = si % strings.length;
          const s = strings[i]!;
          const j = ci % s.length;
          if (s[j] !== ch) {
            const changed = [...strings];
            changed[i] = s.slice(0, j) + ch + s.slice(j + 1);
            expect(verifyHeartbeat(changed, [KEY], ZONE, hb.nonce).ok).toBe(false);
          }
          if (strings.length > 2) {
            const swapped = [strings[1]!, strings[0]!, ...strings.slice(2)];
            expect(verifyHeartbeat(swapped, [KEY], ZONE, hb.nonce).ok).toBe(false);
          }
          expect(verifyHeartbeat(strings.slice(1), [KEY], ZONE, hb.nonce).ok).toBe(false);
          expect(verifyHeartbeat(strings, [Buffer.alloc(32, 6)], ZONE, hb.nonce).ok).toBe(false);
          expect(verifyHeartbeat(strings, [KEY], "other.example", hb.nonce).ok).toBe(false);
          expect(verifyHeartbeat(strings, [KEY], ZONE, `${hb.nonce}x`).ok).toBe(false);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("regression (fuzz seed 3077224): a MAC spelled in standard base64 instead of base64url is rejected", () => {
    for (let n = 0; n < 200; n++) {
      const hb: Heartbeat = {
        kind: "region",
        region: "eu",
        nonce: `n${n}`,
        incarnation: n,
        servicesDigest: "NJ15A7x-__xILwQGEyrQXQ",
        serviceCount: 0,
      };
      const strings = signHeartbeat(hb, KEY, ZONE);
      const mac = strings.at(-1)!;
      if (!/[_-]/.test(mac)) continue;
      const standard = mac.replace(/_/g, "/").replace(/-/g, "+");
      expect(verifyHeartbeat([...strings.slice(0, -1), standard], [KEY], ZONE, hb.nonce)).toEqual({
        ok: false,
        reason: "malformed mac",
      });
      return;
    }
    throw new Error("no MAC with '_' or '-' in 200 tries");
  });
});
