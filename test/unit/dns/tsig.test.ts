import { describe, expect, it } from "vitest";
import { decodeMessage } from "../../../src/dns/message.ts";
import {
  HMAC_SHA256,
  parseTsigSecret,
  signMessage,
  type TsigKey,
  verifyResponse,
} from "../../../src/dns/tsig.ts";

// Vectors captured once from real tools (BIND 9.18.49 `dig -y` and `named`), key bytes 1..32.
const KEY: TsigKey = {
  name: "vector-key",
  algorithm: HMAC_SHA256,
  secret: Buffer.from("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=", "base64"),
};
/** `dig -y hmac-sha256:vector-key:… +norecurse db.lease.example.com TXT` as sent by dig. */
const DIG_QUERY = Buffer.from(
  "f26000200001000000000002026462056c65617365076578616d706c6503636f6d000010000100002904d000000000000c000a00081425007c73b685650a766563746f722d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b01fd7a012c00207d7e372bd0c32c30575b4ab19fcea6614b5333234154b95ed6de977623516b32f26000000000",
  "hex",
);
/** Our signed SOA query to named, and named's signed response. */
const REQ_MAC = Buffer.from("3b3d65e7ca798dc87ad306b428ea1e136cc678603add1ab039fc5fab232daf3b", "hex");
const BIND_RESPONSE = Buffer.from(
  "123484000001000100010003056c65617365076578616d706c6503636f6d0000060001c00c000600010000003c0027036e7331c00c0a686f73746d6173746572c00c0000000100000e10000002580001518000000005c00c000200010000003c0002c02fc02f000100010000003c00047f00000100002904d00000000000000a766563746f722d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b01fd7a012c002069f3733c4ef4225147bbe6949c92624045c9135b018c5b10121696f89c181917123400000000",
  "hex",
);

describe("TSIG HMAC-SHA256 (RFC 8945)", () => {
  it("computes the same request MAC as BIND's dig", () => {
    const m = decodeMessage(DIG_QUERY);
    const t = m.tsig!;
    expect(t.rdata.algorithm).toBe("hmac-sha256");
    // Strip the TSIG, restore ARCOUNT, sign again at dig's time: the MAC must be dig's.
    const body = Buffer.from(DIG_QUERY.subarray(0, m.tsigOffset));
    body.writeUInt16BE(body.readUInt16BE(10) - 1, 10);
    const ours = signMessage(body, KEY, t.rdata.timeSigned, t.rdata.fudge);
    expect(Buffer.from(ours.mac).toString("hex")).toBe(Buffer.from(t.rdata.mac).toString("hex"));
    expect(ours.wire.equals(DIG_QUERY)).toBe(true);
  });

  it("verifies named's signed response, and only with the right request MAC, key, bytes and time", () => {
    const m = decodeMessage(BIND_RESPONSE);
    const now = m.tsig!.rdata.timeSigned;
    expect(verifyResponse(m, BIND_RESPONSE, KEY, REQ_MAC, now)).toEqual({ kind: "ok" });
    const otherMac = Buffer.from(REQ_MAC);
    otherMac[0]! ^= 1;
    expect(verifyResponse(m, BIND_RESPONSE, KEY, otherMac, now)).toMatchObject({
      reason: expect.stringMatching(/BADSIG/),
    });
    const wrongKey = { ...KEY, secret: Buffer.alloc(32, 9) };
    expect(verifyResponse(m, BIND_RESPONSE, wrongKey, REQ_MAC, now)).toMatchObject({
      reason: expect.stringMatching(/BADSIG/),
    });
    // Flip one bit of the SOA serial: the MAC no longer verifies.
    const tampered = Buffer.from(BIND_RESPONSE);
    tampered[0x3f]! ^= 1;
    expect(verifyResponse(decodeMessage(tampered), tampered, KEY, REQ_MAC, now)).toMatchObject({
      kind: "error",
    });
    expect(verifyResponse(m, BIND_RESPONSE, KEY, REQ_MAC, now + 301)).toMatchObject({
      reason: expect.stringMatching(/BADTIME/),
    });
    expect(verifyResponse(m, BIND_RESPONSE, KEY, REQ_MAC, now - 300)).toEqual({ kind: "ok" });
  });

  it("refuses an unsigned response to a signed request", () => {
    const m = decodeMessage(BIND_RESPONSE);
    const unsigned = Buffer.from(BIND_RESPONSE.subarray(0, m.tsigOffset));
    unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
    expect(verifyResponse(decodeMessage(unsigned), unsigned, KEY, REQ_MAC, 0)).toMatchObject({
      reason: expect.stringMatching(/not TSIG-signed/),
    });
  });

  it("signs and verifies its own messages (round trip through a response MAC chain)", () => {
    const body = Buffer.from(DIG_QUERY.subarray(0, decodeMessage(DIG_QUERY).tsigOffset));
    body.writeUInt16BE(body.readUInt16BE(10) - 1, 10);
    const req = signMessage(body, KEY, 1_800_000_000);
    const respBody = Buffer.from(body);
    respBody.writeUInt16BE(respBody.readUInt16BE(2) | 0x8000, 2);
    const resp = signMessage(respBody, KEY, 1_800_000_001, 300, req.mac);
    expect(verifyResponse(decodeMessage(resp.wire), resp.wire, KEY, req.mac, 1_800_000_002)).toEqual({
      kind: "ok",
    });
  });

  it("parses key files without ever quoting the secret in an error", () => {
    const clause = `key "splitguard-lease" {\n\talgorithm hmac-sha256;\n\tsecret "${KEY.secret.toString("base64")}";\n};\n`;
    const k = parseTsigSecret(clause);
    expect(k).toMatchObject({ name: "splitguard-lease", algorithm: "hmac-sha256" });
    expect((k as { secret: Buffer }).secret.equals(KEY.secret)).toBe(true);
    expect(
      (parseTsigSecret(`${KEY.secret.toString("base64")}\n`) as { secret: Buffer }).secret.equals(KEY.secret),
    ).toBe(true);
    const bad = parseTsigSecret("not-base64 s3cr3t-material!");
    expect(typeof bad).toBe("string");
    expect(bad as string).not.toContain("s3cr3t");
    expect(parseTsigSecret("c2hvcnQ=")).toMatch(/5-octet secret; at least 16/);
  });
});
