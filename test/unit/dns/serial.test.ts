import { describe, expect, it } from "vitest";
import { nextSerial } from "../../../src/dns/dns-service.ts";

describe("SOA serial", () => {
  it("starts at epoch seconds and increases on every change, even within one second", () => {
    const t = 1_795_000_000_000;
    const s0 = nextSerial(undefined, t);
    expect(s0).toBe(1_795_000_000);
    const s1 = nextSerial(s0, t);
    const s2 = nextSerial(s1, t + 10);
    expect(s1).toBe(s0 + 1);
    expect(s2).toBe(s0 + 2);
    expect(nextSerial(s2, t + 60_000)).toBe(1_795_000_060);
  });
  it("never goes backwards when the clock does", () => {
    expect(nextSerial(2_000_000_000, 1_000_000_000_000)).toBe(2_000_000_001);
  });
});
