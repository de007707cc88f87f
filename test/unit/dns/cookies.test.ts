import { describe, expect, it } from "vitest";
import { answerCookie, cookieLengthOk } from "../../../src/dns/cookies.ts";
import { parseQuery } from "../../../src/dns/query-parser.ts";
import { buildQuery } from "../../support/dns-client.ts";

const secret = Buffer.alloc(16, 9);
const client = Buffer.from("0102030405060708", "hex");
const T = 1_800_000_000;

describe("DNS cookies (RFC 7873, RFC 9018 layout)", () => {
  it("answers a client cookie with client + a version-1 server cookie carrying the time", () => {
    const r = answerCookie(secret, client, "192.0.2.1", T);
    expect(r.valid).toBe(false);
    expect(r.payload.length).toBe(24);
    expect(r.payload.subarray(0, 8)).toEqual(client);
    expect(r.payload[8]).toBe(1);
    expect(r.payload.readUInt32BE(12)).toBe(T);
  });

  it("accepts its own cookie back from the same address, and reuses it while fresh", () => {
    const first = answerCookie(secret, client, "192.0.2.1", T).payload;
    const again = answerCookie(secret, first, "192.0.2.1", T + 60);
    expect(again.valid).toBe(true);
    expect(again.payload).toEqual(first);
    const later = answerCookie(secret, first, "192.0.2.1", T + 2000); // past half an hour: renewed
    expect(later.valid).toBe(true);
    expect(later.payload.readUInt32BE(12)).toBe(T + 2000);
  });

  it("rejects another address, another secret, a tampered hash, and cookies older than an hour", () => {
    const c = answerCookie(secret, client, "192.0.2.1", T).payload;
    expect(answerCookie(secret, c, "192.0.2.2", T).valid).toBe(false);
    expect(answerCookie(Buffer.alloc(16, 1), c, "192.0.2.1", T).valid).toBe(false);
    const bad = Buffer.from(c);
    bad[23]! ^= 1;
    expect(answerCookie(secret, bad, "192.0.2.1", T).valid).toBe(false);
    expect(answerCookie(secret, c, "192.0.2.1", T + 3601).valid).toBe(false);
    expect(answerCookie(secret, c, "192.0.2.1", T - 301).valid).toBe(false); // from too far in the future
  });

  it("treats a malformed COOKIE option as FORMERR (RFC 7873 §5.2.2)", () => {
    expect(cookieLengthOk(8)).toBe(true);
    expect(cookieLengthOk(24)).toBe(true);
    for (const n of [0, 7, 9, 15, 41])
      expect(
        parseQuery(
          buildQuery({
            name: "a.example",
            type: 1,
            edns: { udpSize: 1232, options: [{ code: 10, data: Buffer.alloc(n) }] },
          }),
        ).kind,
      ).toBe("formerr");
  });
});
