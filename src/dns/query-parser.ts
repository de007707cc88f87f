// The per-query parse of the fast path (DESIGN §6): header, question, and the OPT record, nothing
// else. Every read is bounds-checked; a malformed query yields a typed failure, never a throw.
import { TYPE } from "./constants.ts";
import { COOKIE_OPTION, cookieLengthOk } from "./cookies.ts";

export interface ParsedQuery {
  readonly id: number;
  /** The flags word of the query. */
  readonly flags: number;
  readonly opcode: number;
  /** Wire length of the question name (its bytes are at 12 .. 12+qnameLen). */
  readonly qnameLen: number;
  readonly qtype: number;
  readonly qclass: number;
  /** Number of labels in the question name, and their start offsets (relative to 12) in `labelStarts`. */
  readonly labels: number;
  /** Present when the query carried an OPT record (RFC 6891). */
  readonly edns?: {
    readonly udpSize: number;
    readonly version: number;
    readonly doBit: boolean;
    /** Offset and length of the COOKIE option's data in the query (RFC 7873), when present. */
    readonly cookieAt: number;
    readonly cookieLen: number;
  };
}

export type ParseOutcome =
  /** Not worth an answer: shorter than a header, or a response (QR=1) — answering could loop. */
  | { readonly kind: "drop" }
  /** Header readable but the rest is malformed: FORMERR (RFC 1035 §4.1.1); no question is echoed. */
  | { readonly kind: "formerr"; readonly opcode: number; readonly qnameLen: number }
  | { readonly kind: "ok"; readonly q: ParsedQuery };

/** Scratch for the lower-cased question name and its label starts, reused across queries (single-threaded). */
export const scratchName = Buffer.alloc(256);
export const labelStarts = new Int32Array(128);

/** Skip a possibly-compressed name in a non-question section; returns the offset after it or -1. */
function skipName(b: Buffer, off: number): number {
  let p = off;
  for (let guard = 0; guard < 128; guard++) {
    if (p >= b.length) return -1;
    const l = b[p]!;
    if (l === 0) return p + 1;
    if ((l & 0xc0) === 0xc0) {
      if (p + 1 >= b.length) return -1;
      // RFC 1035 §4.1.4: a pointer ends the name; it must point backwards (no loops, no forward refs).
      const target = ((l & 0x3f) << 8) | b[p + 1]!;
      if (target >= p) return -1;
      return p + 2;
    }
    if ((l & 0xc0) !== 0) return -1; // 0x40/0x80: reserved label types (RFC 6891 §5)
    p += l + 1;
  }
  return -1;
}

export function parseQuery(b: Buffer): ParseOutcome {
  if (b.length < 12) return { kind: "drop" };
  const flags = b.readUInt16BE(2);
  if ((flags & 0x8000) !== 0) return { kind: "drop" };
  const opcode = (flags >> 11) & 0xf;
  const qd = b.readUInt16BE(4);
  const an = b.readUInt16BE(6);
  const ns = b.readUInt16BE(8);
  const ar = b.readUInt16BE(10);
  if (qd !== 1) return { kind: "formerr", opcode, qnameLen: 0 };
  // Question name: no compression (nothing precedes it to point at), labels ≤ 63, total ≤ 255.
  let p = 12;
  let n = 0;
  for (;;) {
    if (p >= b.length) return { kind: "formerr", opcode, qnameLen: 0 };
    const l = b[p]!;
    if (l === 0) break;
    if (l > 63 || n >= 127) return { kind: "formerr", opcode, qnameLen: 0 };
    if (p + 1 + l > b.length || p + 1 + l - 12 > 254) return { kind: "formerr", opcode, qnameLen: 0 };
    labelStarts[n++] = p - 12;
    scratchName[p - 12] = l;
    for (let i = p + 1; i <= p + l; i++) {
      const c = b[i]!;
      scratchName[i - 12] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
    p += l + 1;
  }
  scratchName[p - 12] = 0;
  const qnameLen = p - 12 + 1;
  p += 1;
  if (p + 4 > b.length) return { kind: "formerr", opcode, qnameLen: 0 };
  const qtype = b.readUInt16BE(p);
  const qclass = b.readUInt16BE(p + 2);
  p += 4;
  // Answer and authority sections of a query are skipped, but must be well-formed.
  for (let i = 0; i < an + ns; i++) {
    p = skipName(b, p);
    if (p < 0 || p + 10 > b.length) return { kind: "formerr", opcode, qnameLen };
    const rdlen = b.readUInt16BE(p + 8);
    p += 10 + rdlen;
    if (p > b.length) return { kind: "formerr", opcode, qnameLen };
  }
  let edns: ParsedQuery["edns"];
  for (let i = 0; i < ar; i++) {
    const nameStart = p;
    p = skipName(b, p);
    if (p < 0 || p + 10 > b.length) return { kind: "formerr", opcode, qnameLen };
    const type = b.readUInt16BE(p);
    const rdlen = b.readUInt16BE(p + 8);
    if (p + 10 + rdlen > b.length) return { kind: "formerr", opcode, qnameLen };
    if (type === TYPE.OPT) {
      // RFC 6891 §6.1.1: more than one OPT, or an OPT whose owner is not the root, is FORMERR.
      if (edns !== undefined || p !== nameStart + 1 || b[nameStart] !== 0)
        return { kind: "formerr", opcode, qnameLen };
      const ttl = b.readUInt32BE(p + 4);
      // Options must be well-formed; only COOKIE is read (RFC 6891 §6.1.2: unknown options are ignored).
      let o = p + 10;
      const end = o + rdlen;
      let cookieAt = -1;
      let cookieLen = 0;
      while (o < end) {
        if (o + 4 > end) return { kind: "formerr", opcode, qnameLen };
        const code = b.readUInt16BE(o);
        const olen = b.readUInt16BE(o + 2);
        if (o + 4 + olen > end) return { kind: "formerr", opcode, qnameLen };
        if (code === COOKIE_OPTION) {
          // RFC 7873 §5.2.2: a malformed COOKIE option is FORMERR.
          if (cookieAt >= 0 || !cookieLengthOk(olen)) return { kind: "formerr", opcode, qnameLen };
          cookieAt = o + 4;
          cookieLen = olen;
        }
        o += 4 + olen;
      }
      edns = {
        udpSize: b.readUInt16BE(p + 2),
        version: (ttl >>> 16) & 0xff,
        doBit: (ttl & 0x8000) !== 0,
        cookieAt,
        cookieLen,
      };
    }
    p += 10 + rdlen;
  }
  return {
    kind: "ok",
    q: {
      id: b.readUInt16BE(0),
      flags,
      opcode,
      qnameLen,
      qtype,
      qclass,
      labels: n,
      ...(edns ? { edns } : {}),
    },
  };
}
