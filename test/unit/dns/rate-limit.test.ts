import { describe, expect, it } from "vitest";
import { answerKind, ResponseRateLimiter, truncatedForm } from "../../../src/dns/rate-limit.ts";
import { buildQuery } from "../../support/dns-client.ts";

const cfg = {
  responsesPerSecond: 5,
  nxdomainsPerSecond: 2,
  errorsPerSecond: 1,
  slip: 2,
  ipv4PrefixLength: 24,
  ipv6PrefixLength: 56,
  tableSize: 1024,
};

function burst(
  rrl: ResponseRateLimiter,
  address: string,
  n: number,
  t: number,
  kind: "answer" | "nxdomain" | "error" = "answer",
) {
  const out = { send: 0, slip: 0, drop: 0 };
  for (let i = 0; i < n; i++) out[rrl.decide(address, kind, t)]++;
  return out;
}

describe("response rate limiting", () => {
  it("lets a one-second burst through, then slips every second limited answer and drops the rest", () => {
    const rrl = new ResponseRateLimiter(cfg);
    expect(burst(rrl, "192.0.2.7", 25, 1000)).toEqual({ send: 5, slip: 10, drop: 10 });
  });

  it("refills at the configured rate", () => {
    const rrl = new ResponseRateLimiter(cfg);
    burst(rrl, "192.0.2.7", 5, 0);
    expect(rrl.decide("192.0.2.7", "answer", 0)).not.toBe("send");
    expect(burst(rrl, "192.0.2.7", 10, 400).send).toBe(2); // 0.4 s × 5/s
    expect(burst(rrl, "192.0.2.7", 10, 10_000).send).toBe(5); // capped at one second's worth
  });

  it("counts a /24 together and other prefixes apart", () => {
    const rrl = new ResponseRateLimiter(cfg);
    expect(burst(rrl, "192.0.2.1", 5, 0).send).toBe(5);
    expect(burst(rrl, "192.0.2.250", 5, 0).send).toBe(0); // same /24: already spent
    expect(burst(rrl, "192.0.3.1", 5, 0).send).toBe(5); // next /24: its own bucket
  });

  it("counts an IPv6 /56 together", () => {
    const rrl = new ResponseRateLimiter(cfg);
    expect(burst(rrl, "2001:db8:0:1::1", 5, 0).send).toBe(5);
    expect(burst(rrl, "2001:db8:0:ff::9", 5, 0).send).toBe(0); // 2001:db8:0:00xx::/56
    expect(burst(rrl, "2001:db8:0:100::1", 5, 0).send).toBe(5);
  });

  it("keeps separate, lower limits for NXDOMAIN and errors", () => {
    const rrl = new ResponseRateLimiter(cfg);
    expect(burst(rrl, "192.0.2.1", 10, 0, "nxdomain").send).toBe(2);
    expect(burst(rrl, "192.0.2.1", 10, 0, "error").send).toBe(1);
    expect(burst(rrl, "192.0.2.1", 10, 0, "answer").send).toBe(5);
  });

  it("slip 0 drops every limited answer, slip 1 truncates every one", () => {
    expect(burst(new ResponseRateLimiter({ ...cfg, slip: 0 }), "192.0.2.1", 15, 0)).toEqual({
      send: 5,
      slip: 0,
      drop: 10,
    });
    expect(burst(new ResponseRateLimiter({ ...cfg, slip: 1 }), "192.0.2.1", 15, 0)).toEqual({
      send: 5,
      slip: 10,
      drop: 0,
    });
  });

  it("classifies answers and builds a minimal truncated form with the question", () => {
    const q = buildQuery({ name: "app.gslb.example.com", type: 1, edns: { udpSize: 1232 } });
    const resp = Buffer.from(q);
    resp[2] = 0x84;
    resp[3] = 0x03;
    expect(answerKind(resp)).toBe("nxdomain");
    const t = truncatedForm(resp);
    expect(t[2]! & 0x02).toBe(2);
    expect(t.readUInt16BE(4)).toBe(1);
    expect(t.readUInt16BE(10)).toBe(0);
    expect(t.length).toBe(12 + 22 + 4);
  });

  it("regression (review): two prefixes sharing a slot cannot refill it by taking turns", () => {
    // A 16-bucket table: among 17 prefixes two must share a slot. Find a pair, then alternate.
    const small = { ...cfg, tableSize: 16, slip: 0 };
    const probe = new ResponseRateLimiter(small, 42);
    const slotOf = (a: string) => {
      const r = new ResponseRateLimiter(small, 42);
      burst(r, a, 5, 0);
      // A prefix shares `a`'s slot iff it finds the slot already drained.
      return (b: string) => r.decide(b, "answer", 0) !== "send";
    };
    let pair: [string, string] | undefined;
    for (let i = 0; i < 40 && !pair; i++) {
      const shares = slotOf(`198.51.${i}.1`);
      for (let j = i + 1; j < 40 && !pair; j++)
        if (shares(`203.0.${j}.1`)) pair = [`198.51.${i}.1`, `203.0.${j}.1`];
    }
    expect(pair).toBeDefined();
    let sent = 0;
    for (let n = 0; n < 1000; n++) if (probe.decide(pair![n % 2]!, "answer", 0) === "send") sent++;
    expect(sent).toBeLessThanOrEqual(5);
  });

  it("regression (review): an IPv4 client seen on a dual-stack socket (::ffff:a.b.c.d) is counted by its /24", () => {
    const rrl = new ResponseRateLimiter(cfg);
    expect(burst(rrl, "::ffff:198.51.100.7", 5, 0).send).toBe(5);
    expect(burst(rrl, "198.51.100.9", 5, 0).send).toBe(0); // same /24, however it is spelled
    expect(burst(rrl, "::ffff:203.0.113.9", 5, 0).send).toBe(5); // another /24 is not affected
  });

  it("regression (review): a rate below one per second still sends", () => {
    const rrl = new ResponseRateLimiter({ ...cfg, responsesPerSecond: 0.5 });
    let sent = 0;
    for (let t = 0; t < 20_000; t += 100) if (rrl.decide("192.0.2.1", "answer", t) === "send") sent++;
    expect(sent).toBeGreaterThanOrEqual(10);
    expect(sent).toBeLessThanOrEqual(11);
  });
});
