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
});
