import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type Heartbeat,
  type ServiceState,
  servicesDigest,
  signHeartbeat,
  verifyHeartbeat,
} from "../../../src/core/heartbeat-record.ts";

const Z = "gslb.example.com";
const K = Buffer.alloc(32, 1);
const OTHER = Buffer.alloc(32, 2);
const state: ServiceState = {
  service: "db",
  role: "demoting",
  epoch: 7,
  gateOpen: false,
  handoverTo: "b",
  demotionToken: "x".repeat(700),
  localTargets: Array.from({ length: 40 }, (_, i) => `2001:db8::${i + 1}`),
};

/** Strings made malformed after signing, signed again with K (a well-signed malformed record). */
const resign = (body: string[]) => [
  ...body,
  `mac=${createHmac("sha256", K)
    .update(`sg1\n${Z}\n${body.join("\n")}`)
    .digest("base64url")}`,
];

/** `hb` signed, `extra` appended to its first string, signed again with K: the verdict. */
const withField = (hb: Heartbeat, extra: string) => {
  const body = signHeartbeat(hb, K, Z).slice(0, -1);
  body[0] = `${body[0]} ${extra}`;
  return verifyHeartbeat(resign(body), [K], Z, hb.nonce);
};

describe("heartbeat records", () => {
  it("round-trips a region heartbeat with the services digest", () => {
    const hb = {
      kind: "region",
      region: "a",
      nonce: "n1",
      incarnation: 2 ** 47 + 3,
      servicesDigest: servicesDigest([state]),
      serviceCount: 1,
    } as const;
    const v = verifyHeartbeat(signHeartbeat(hb, K, Z), [OTHER, K], Z, "N1");
    expect(v).toEqual({ ok: true, heartbeat: hb });
  });

  it("splits token and local targets over strings of at most 255 octets and round-trips them", () => {
    const strings = signHeartbeat(
      { kind: "service", region: "a", nonce: "n", incarnation: 1, ...state },
      K,
      Z,
    );
    expect(strings.every((s) => Buffer.byteLength(s) <= 255)).toBe(true);
    expect(strings.filter((s) => s.startsWith("tok=")).length).toBe(3);
    expect(strings.filter((s) => s.startsWith("lt=")).length).toBeGreaterThan(1);
    const v = verifyHeartbeat(strings, [K], Z, "n");
    expect(v.ok && v.heartbeat).toEqual({
      kind: "service",
      region: "a",
      nonce: "n",
      incarnation: 1,
      ...state,
    });
  });

  it("rejects another key, a stale nonce, a tampered string and an unsigned record, with the reason", () => {
    const hb = {
      kind: "region",
      region: "a",
      nonce: "n1",
      incarnation: 1,
      servicesDigest: servicesDigest([]),
      serviceCount: 0,
    } as const;
    const s = signHeartbeat(hb, K, Z);
    expect(verifyHeartbeat(signHeartbeat(hb, OTHER, Z), [K], Z, "n1")).toEqual({
      ok: false,
      reason: "bad signature",
    });
    expect(verifyHeartbeat(s, [K], Z, "n2")).toEqual({
      ok: false,
      reason: "stale nonce (replayed or cached answer)",
    });
    expect(verifyHeartbeat([s[0]!.replace("inc=1", "inc=2"), s[1]!], [K], Z, "n1").ok).toBe(false);
    expect(verifyHeartbeat([s[0]!, "x"], [K], Z, "n1")).toEqual({
      ok: false,
      reason: "unsigned (no mac string)",
    });
    // Signed for another zone: the zone is part of the MAC input.
    expect(verifyHeartbeat(s, [K], "other.example", "n1").ok).toBe(false);
  });

  it("carries cf=yes (CNPG fenced) when fenced; absent otherwise, the record unchanged", () => {
    const base = { kind: "service", region: "a", nonce: "n", incarnation: 1, ...state } as const;
    const fenced = signHeartbeat({ ...base, leaseMajority: true, cnpgFenced: true }, K, Z);
    expect(fenced[0]).toMatch(/ lm=yes cf=yes$/);
    expect(verifyHeartbeat(fenced, [K], Z, "n")).toEqual({
      ok: true,
      heartbeat: { ...base, leaseMajority: true, cnpgFenced: true },
    });
    expect(signHeartbeat({ ...base, cnpgFenced: false }, K, Z)).toEqual(signHeartbeat(base, K, Z));
    const d = (s: ServiceState) => servicesDigest([s]);
    expect(d({ ...state, cnpgFenced: true })).not.toBe(d(state));
    expect(d({ ...state, cnpgFenced: false })).toBe(d(state));
    expect(withField(base, "cf=no")).toEqual({ ok: false, reason: "malformed service heartbeat" });
  });

  it("carries lm=yes|no (lease majority) when said, and leaves the record as it was when not", () => {
    const base = { kind: "service", region: "a", nonce: "n", incarnation: 1, ...state } as const;
    for (const leaseMajority of [true, false]) {
      const strings = signHeartbeat({ ...base, leaseMajority }, K, Z);
      expect(strings[0]).toMatch(leaseMajority ? / lm=yes$/ : / lm=no$/);
      expect(verifyHeartbeat(strings, [K], Z, "n")).toEqual({
        ok: true,
        heartbeat: { ...base, leaseMajority },
      });
    }
    const plain = signHeartbeat(base, K, Z);
    expect(plain[0]).not.toContain("lm=");
    expect(verifyHeartbeat(plain, [K], Z, "n")).toEqual({ ok: true, heartbeat: base });
    // The digest covers it (a peer refetches when it flips) and is unchanged when it is not said.
    const d = (s: ServiceState) => servicesDigest([s]);
    expect(d({ ...state, leaseMajority: true })).not.toBe(d({ ...state, leaseMajority: false }));
    expect(d({ ...state, leaseMajority: undefined })).toBe(d(state));
    // Any other value is malformed, even correctly signed.
    expect(withField(base, "lm=maybe")).toEqual({ ok: false, reason: "malformed service heartbeat" });
  });

  it("ignores a signed field it does not know (a newer peer's), and rejects a duplicated one", () => {
    const svc = { kind: "service", region: "a", nonce: "n", incarnation: 1, ...state } as const;
    expect(withField(svc, "zz=later")).toEqual({ ok: true, heartbeat: svc });
    expect(withField(svc, "epoch=8").ok).toBe(false);
    const region = {
      kind: "region",
      region: "a",
      nonce: "n",
      incarnation: 1,
      servicesDigest: servicesDigest([state]),
      serviceCount: 1,
    } as const;
    expect(withField(region, "zz=later")).toEqual({ ok: true, heartbeat: region });
    expect(withField(region, "ns=2").ok).toBe(false);
    // Unsigned, it is still rejected: ignoring a field trusts nothing the MAC does not cover.
    const body = signHeartbeat(svc, K, Z);
    body[0] = `${body[0]} zz=later`;
    expect(verifyHeartbeat(body, [K], Z, "n")).toEqual({ ok: false, reason: "bad signature" });
  });

  it("digest is order-independent and covers every field", () => {
    const b: ServiceState = { service: "web", role: "standby", epoch: 1, gateOpen: false, localTargets: [] };
    expect(servicesDigest([state, b])).toBe(servicesDigest([b, state]));
    for (const changed of [
      { ...b, epoch: 2 },
      { ...b, role: "primary" as const },
      { ...b, gateOpen: true },
      { ...b, localTargets: ["192.0.2.1"] },
      { ...b, demotionToken: "t" },
      { ...b, handoverTo: "c" },
    ])
      expect(servicesDigest([state, changed])).not.toBe(servicesDigest([state, b]));
  });
});
