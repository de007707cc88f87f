// DNS numbers used by the responder (RFC 1035 §3.2, §4.1.1; RFC 6891; RFC 6895).
export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  DS: 43,
  RRSIG: 46,
  DNSKEY: 48,
  TKEY: 249,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
} as const;

export const CLASS = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

/** RCODEs of RFC 1035 §4.1.1, RFC 2136 §2.2, RFC 6891 §9 and the TSIG errors of RFC 8945 §3. */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  /** Extended RCODE 16 (RFC 6891 §6.1.3), carried as 1 in the OPT's upper bits and 0 in the header; BADSIG in a TSIG error field (RFC 8945 §3). */
  BADVERS: 16,
  BADKEY: 17,
  BADTIME: 18,
  BADTRUNC: 22,
} as const;

export const RCODE_NAME: Record<number, string> = Object.fromEntries(
  Object.entries(RCODE).map(([k, v]) => [v, k]),
);

export const OPCODE_QUERY = 0;
export const OPCODE_NOTIFY = 4;

/** Header flag bits in the 16-bit flags word. */
export const FLAG = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;

/** The EDNS(0) UDP payload size splitguard advertises and caps answers at (DNS Flag Day 2020). */
export const EDNS_UDP_SIZE = 1232;
/** RFC 1035 §4.2.1: without EDNS, UDP messages are at most 512 octets. */
export const CLASSIC_UDP_SIZE = 512;

export function typeName(t: number): string {
  for (const [k, v] of Object.entries(TYPE)) if (v === t) return k;
  return `TYPE${t}`;
}
