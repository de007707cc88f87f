import dnsPacket from "dns-packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalNameWire,
  DnsFormatError,
  decodeMessage,
  encodeMessage,
  type Message,
  NO_FLAGS,
  Opcode,
  optRecord,
  RRClass,
  RRType,
  txtRData,
  txtString,
} from "../../../src/dns/message.ts";

const RESPONSE: Message = {
  id: 0xbeef,
  flags: { ...NO_FLAGS, qr: true, aa: true, rcode: 0 },
  questions: [{ name: "db.Lease.Example.com", type: RRType.TXT, class: RRClass.IN }],
  answers: [
    {
      name: "db.lease.example.com",
      type: RRType.TXT,
      class: RRClass.IN,
      ttl: 0,
      rdata: txtRData("sg1 holder=eu epoch=3 seq=7"),
    },
    {
      name: "www.lease.example.com",
      type: RRType.AAAA,
      class: RRClass.IN,
      ttl: 60,
      rdata: { kind: "aaaa", address: "2001:db8::1" },
    },
    {
      name: "www.lease.example.com",
      type: RRType.A,
      class: RRClass.IN,
      ttl: 60,
      rdata: { kind: "a", address: "192.0.2.7" },
    },
  ],
  authorities: [
    {
      name: "lease.example.com",
      type: RRType.SOA,
      class: RRClass.IN,
      ttl: 60,
      rdata: {
        kind: "soa",
        mname: "ns1.lease.example.com",
        rname: "hostmaster.lease.example.com",
        serial: 4_000_000_000,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: 5,
      },
    },
  ],
  additionals: [optRecord(1232)],
};

describe("DNS message codec", () => {
  it("round-trips every section and compresses repeated names (RFC 1035 §4.1.4)", () => {
    const wire = encodeMessage(RESPONSE);
    const m = decodeMessage(wire);
    expect(m.id).toBe(0xbeef);
    expect(m.flags).toMatchObject({ qr: true, aa: true });
    expect(m.questions[0]!.name).toBe("db.Lease.Example.com"); // 0x20 case kept
    expect(txtString(m.answers[0]!.rdata)).toBe("sg1 holder=eu epoch=3 seq=7");
    expect(m.answers[1]!.rdata).toEqual({ kind: "aaaa", address: "2001:db8::1" });
    expect(m.authorities[0]!.rdata).toMatchObject({
      kind: "soa",
      serial: 4_000_000_000,
      rname: "hostmaster.lease.example.com",
    });
    expect(m.opt?.class).toBe(1232);
    expect(wire.indexOf(Buffer.from("\x05lease\x07example\x03com", "latin1"))).toBe(
      wire.lastIndexOf(Buffer.from("\x05lease\x07example\x03com", "latin1")),
    );
  });

  it("agrees with dns-packet on what it encodes and on what dns-packet encodes", () => {
    const theirs = dnsPacket.decode(encodeMessage(RESPONSE));
    // Compression is case-sensitive: the owner keeps its own spelling, not the question's.
    expect(theirs.answers?.[0]).toMatchObject({ name: "db.lease.example.com", type: "TXT" });
    expect(theirs.answers?.[2]).toMatchObject({ type: "A", data: "192.0.2.7" });
    expect(theirs.authorities?.[0]).toMatchObject({ type: "SOA", data: { serial: 4_000_000_000 } });
    const back = decodeMessage(
      dnsPacket.encode({
        type: "query",
        id: 7,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: "AAAA", name: "x.example.org" }],
        answers: [{ type: "AAAA", name: "x.example.org", ttl: 5, data: "fe80::1:0:0:2" }],
      }),
    );
    expect(back.flags.rd).toBe(true);
    expect(back.answers[0]!.rdata).toEqual({ kind: "aaaa", address: "fe80::1:0:0:2" });
  });

  it("encodes an RFC 2136 UPDATE: empty RDATA for class ANY/NONE, zone section as the question", () => {
    const wire = encodeMessage({
      id: 1,
      flags: { ...NO_FLAGS, opcode: Opcode.UPDATE },
      questions: [{ name: "lease.example.com", type: RRType.SOA, class: RRClass.IN }],
      answers: [
        {
          name: "db.lease.example.com",
          type: RRType.TXT,
          class: RRClass.NONE,
          ttl: 0,
          rdata: { kind: "empty" },
        },
      ],
      authorities: [
        {
          name: "db.lease.example.com",
          type: RRType.TXT,
          class: RRClass.ANY,
          ttl: 0,
          rdata: { kind: "empty" },
        },
        {
          name: "db.lease.example.com",
          type: RRType.TXT,
          class: RRClass.IN,
          ttl: 0,
          rdata: txtRData("sg1 holder=eu epoch=1 seq=0"),
        },
      ],
      additionals: [],
    });
    const m = decodeMessage(wire);
    expect(m.flags.opcode).toBe(Opcode.UPDATE);
    expect(m.answers[0]).toMatchObject({ class: RRClass.NONE, rdata: { kind: "empty" } });
    expect(m.authorities.map((r) => r.class)).toEqual([RRClass.ANY, RRClass.IN]);
  });

  it("applies the OPT extended RCODE (RFC 6891 §6.1.3)", () => {
    const wire = encodeMessage({
      ...RESPONSE,
      flags: { ...RESPONSE.flags, rcode: 0 },
      additionals: [{ ...optRecord(512), ttl: 1 << 24 }],
    });
    expect(decodeMessage(wire).rcode).toBe(16); // BADVERS
  });

  it("writes canonical names lower-cased and uncompressed (RFC 4034 §6.2)", () => {
    expect(canonicalNameWire("Key.Example.").toString("latin1")).toBe("\x03key\x07example\x00");
    expect(canonicalNameWire("").toString("hex")).toBe("00");
  });

  const bad = (hex: string) => () => decodeMessage(Buffer.from(hex.replace(/\s/g, ""), "hex"));
  it("rejects malformed messages with the rule they broke", () => {
    expect(bad("0001")).toThrow(/shorter than a header/);
    // Pointer to itself (a loop) and a forward pointer.
    expect(bad("0000 0000 0001 0000 0000 0000 c00c 0001 0001")).toThrow(/backwards/);
    expect(bad("0000 0000 0001 0000 0000 0000 c00e 0001 0001 00")).toThrow(/backwards/);
    expect(bad("0000 0000 0001 0000 0000 0000 4161 00 0001 0001")).toThrow(/label type/);
    expect(bad("0000 0000 ffff ffff ffff ffff 00 0001 0001")).toThrow(/counts exceed/);
    expect(bad("0000 0000 0001 0000 0000 0000 0361 00 0001 0001")).toThrow(/truncated/);
    expect(bad("0000 0000 0001 0000 0000 0000 00 0001 0001 ff")).toThrow(/trailing/);
    // An A record with RDLENGTH 5.
    expect(bad("0000 8000 0000 0001 0000 0000 00 0001 0001 00000000 0005 0102030405")).toThrow(
      /address of 5 octets/,
    );
    // Two OPT records.
    expect(
      bad("0000 8000 0000 0000 0000 0002 00 0029 0200 00000000 0000 00 0029 0200 00000000 0000"),
    ).toThrow(/OPT/);
  });

  it("rejects names longer than 255 octets built from pointers (RFC 1035 §2.3.4)", () => {
    const parts: number[] = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    // 5 labels of 63 octets: 320 octets of name.
    for (let i = 0; i < 5; i++) parts.push(63, ...Array(63).fill(0x61));
    parts.push(0, 0, 1, 0, 1);
    expect(() => decodeMessage(Buffer.from(parts))).toThrow(/longer than 255/);
  });

  it("never throws anything but DnsFormatError on mutated or random input (fast-check)", () => {
    const base = encodeMessage(RESPONSE);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc
            .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
              minLength: 1,
              maxLength: 8,
            })
            .map((muts) => {
              const b = Buffer.from(base);
              for (const [at, v] of muts) b[at] = v;
              return b;
            }),
          fc.nat(base.length).map((n) => base.subarray(0, n)),
        ),
        (bytes) => {
          try {
            decodeMessage(bytes);
          } catch (e) {
            if (!(e instanceof DnsFormatError)) throw e;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
