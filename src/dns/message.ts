// A general DNS message codec for the client side: queries, responses and UPDATE messages
// (RFC 1035 §4.1, RFC 2136 §2), OPT (RFC 6891 §6.1) and TSIG (RFC 8945 §4.2) records. It is the
// codec of the lease-witness client and of the witness prober; the authoritative responder's
// fast path has its own codec beside it.
//
// Encoding compresses owner names and the names inside the RDATA of the RFC 1035 types (RFC 1035
// §4.1.4; RFC 3597 §4 forbids it for any other type). Decoding is guarded: every read is bounds
// checked and every malformed message is a DnsFormatError naming the rule it broke, never an
// exception from a Buffer accessor and never an endless loop.

import { ByteWriter } from "./byte-writer.ts";
import { RCODE, RCODE_NAME, TYPE } from "./constants.ts";

// One table of DNS numbers for the whole project (constants.ts); the codec's names for them.
export const RRType = TYPE;

export const RRClass = { IN: 1, NONE: 254, ANY: 255 } as const;

export const Opcode = { QUERY: 0, NOTIFY: 4, UPDATE: 5 } as const;

export const Rcode = RCODE;

export function rcodeName(code: number): string {
  return RCODE_NAME[code] ?? `RCODE${code}`;
}

/** TSIG error field names (RFC 8945 §3: 16 is BADSIG there, BADVERS in OPT). */
export function tsigErrorName(code: number): string {
  return code === 16 ? "BADSIG" : rcodeName(code);
}

export class DnsFormatError extends Error {
  override name = "DnsFormatError";
}

export interface Question {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export type RData =
  | { readonly kind: "empty" }
  | { readonly kind: "raw"; readonly bytes: Uint8Array }
  | { readonly kind: "a"; readonly address: string }
  | { readonly kind: "aaaa"; readonly address: string }
  /** NS, CNAME, PTR: one domain name. */
  | { readonly kind: "name"; readonly target: string }
  | { readonly kind: "mx"; readonly preference: number; readonly exchange: string }
  | {
      readonly kind: "soa";
      readonly mname: string;
      readonly rname: string;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    }
  /** TXT: one or more <character-string>s, each up to 255 octets (RFC 1035 §3.3.14). */
  | { readonly kind: "txt"; readonly strings: readonly Uint8Array[] }
  | { readonly kind: "opt"; readonly options: readonly { code: number; data: Uint8Array }[] }
  | {
      readonly kind: "tsig";
      readonly algorithm: string;
      /** Seconds since the epoch, 48 bits (RFC 8945 §4.2). */
      readonly timeSigned: number;
      readonly fudge: number;
      readonly mac: Uint8Array;
      readonly originalId: number;
      readonly error: number;
      readonly other: Uint8Array;
    };

export interface ResourceRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly rdata: RData;
}

/** Header flags (RFC 1035 §4.1.1); `rcode` here is the 4-bit header part only. */
export interface Flags {
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  readonly rcode: number;
}

/**
 * A message. For UPDATE (RFC 2136 §2) the four sections are Zone, Prerequisite, Update and
 * Additional; they sit where Question, Answer, Authority and Additional sit in a query.
 */
export interface Message {
  readonly id: number;
  readonly flags: Flags;
  readonly questions: readonly Question[];
  readonly answers: readonly ResourceRecord[];
  readonly authorities: readonly ResourceRecord[];
  readonly additionals: readonly ResourceRecord[];
}

export const NO_FLAGS: Flags = {
  qr: false,
  opcode: 0,
  aa: false,
  tc: false,
  rd: false,
  ra: false,
  ad: false,
  cd: false,
  rcode: 0,
};

// ---------------------------------------------------------------------------------------------
// Names in presentation form: labels joined by ".", no trailing dot, "" for the root; "." and "\"
// inside a label and bytes outside 0x21-0x7e are escaped as \. \\ \DDD (RFC 1035 §5.1).

export function nameToLabels(name: string): Uint8Array[] {
  if (name === "" || name === ".") return [];
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) {
      // An unescaped dot ends a label; only the final one may follow nothing (the root).
      if (cur.length === 0) throw new DnsFormatError(`empty label in "${name}"`);
      labels.push(Uint8Array.from(cur));
      cur = [];
      continue;
    }
    if (c === 0x5c) {
      const d = /^\d{3}/.exec(name.slice(i + 1, i + 4));
      if (d) {
        const v = Number(d[0]);
        if (v > 255) throw new DnsFormatError(`bad escape \\${d[0]} in "${name}"`);
        cur.push(v);
        i += 3;
      } else {
        if (i + 1 >= name.length) throw new DnsFormatError(`dangling escape in "${name}"`);
        cur.push(name.charCodeAt(++i));
      }
    } else {
      if (c > 0x7f) throw new DnsFormatError(`non-ASCII character in "${name}" (use \\DDD escapes)`);
      cur.push(c);
    }
    if (cur.length > 63)
      throw new DnsFormatError(`label longer than 63 octets in "${name}" (RFC 1035 §2.3.4)`);
  }
  if (cur.length > 0) labels.push(Uint8Array.from(cur));
  const wire = labels.reduce((n, l) => n + l.length + 1, 1);
  if (wire > 255) throw new DnsFormatError(`name longer than 255 octets (RFC 1035 §2.3.4)`);
  return labels;
}

export function labelToString(label: Uint8Array): string {
  let s = "";
  for (const b of label) {
    if (b === 0x2e || b === 0x5c) s += `\\${String.fromCharCode(b)}`;
    else if (b < 0x21 || b > 0x7e) s += `\\${String(b).padStart(3, "0")}`;
    else s += String.fromCharCode(b);
  }
  return s;
}

/** Canonical comparison key: ASCII letters lower-cased (RFC 4343 §3), trailing dot dropped. */
export function canonicalName(name: string): string {
  return nameToLabels(name)
    .map((l) => labelToString(l.map((b) => (b >= 0x41 && b <= 0x5a ? b + 32 : b))))
    .join(".");
}

/** Uncompressed, lower-cased wire form (RFC 4034 §6.2), as TSIG's MAC input needs. */
export function canonicalNameWire(name: string): Buffer {
  const parts: number[] = [];
  for (const l of nameToLabels(name)) {
    parts.push(l.length);
    for (const b of l) parts.push(b >= 0x41 && b <= 0x5a ? b + 32 : b);
  }
  parts.push(0);
  return Buffer.from(parts);
}

// ---------------------------------------------------------------------------------------------
// Encoding

class Writer extends ByteWriter {
  /**
   * Suffix → offset of its first occurrence, for compression (RFC 1035 §4.1.4). Case-sensitive on
   * purpose: a pointer copies the spelling it points to, and 0x20-randomised names must come back
   * exactly as sent.
   */
  private readonly suffixes = new Map<string, number>();

  u48(v: number): void {
    this.u16(Math.floor(v / 2 ** 32) & 0xffff);
    this.u32(v % 2 ** 32);
  }
  name(name: string, compress: boolean): void {
    const labels = nameToLabels(name);
    for (let i = 0; i < labels.length; i++) {
      const key = labels
        .slice(i)
        .map((l) => labelToString(l))
        .join(".");
      const at = compress ? this.suffixes.get(key) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (compress && this.pos < 0x4000) this.suffixes.set(key, this.pos);
      this.u8(labels[i]!.length);
      this.bytes(labels[i]!);
    }
    this.u8(0);
  }
}

function encodeFlags(f: Flags): number {
  return (
    (f.qr ? 0x8000 : 0) |
    ((f.opcode & 0xf) << 11) |
    (f.aa ? 0x0400 : 0) |
    (f.tc ? 0x0200 : 0) |
    (f.rd ? 0x0100 : 0) |
    (f.ra ? 0x0080 : 0) |
    (f.ad ? 0x0020 : 0) |
    (f.cd ? 0x0010 : 0) |
    (f.rcode & 0xf)
  );
}

function decodeFlags(v: number): Flags {
  return {
    qr: (v & 0x8000) !== 0,
    opcode: (v >> 11) & 0xf,
    aa: (v & 0x0400) !== 0,
    tc: (v & 0x0200) !== 0,
    rd: (v & 0x0100) !== 0,
    ra: (v & 0x0080) !== 0,
    ad: (v & 0x0020) !== 0,
    cd: (v & 0x0010) !== 0,
    rcode: v & 0xf,
  };
}

function encodeAddress(address: string, family: 4 | 6): Uint8Array {
  if (family === 4) {
    const parts = address.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
      throw new DnsFormatError(`bad IPv4 address "${address}"`);
    return Uint8Array.from(parts);
  }
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array(fill).fill("0"), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g)))
    throw new DnsFormatError(`bad IPv6 address "${address}"`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

function writeRData(w: Writer, rd: RData): void {
  switch (rd.kind) {
    case "empty":
      return;
    case "raw":
      w.bytes(rd.bytes);
      return;
    case "a":
      w.bytes(encodeAddress(rd.address, 4));
      return;
    case "aaaa":
      w.bytes(encodeAddress(rd.address, 6));
      return;
    case "name":
      w.name(rd.target, true);
      return;
    case "mx":
      w.u16(rd.preference);
      w.name(rd.exchange, true);
      return;
    case "soa":
      w.name(rd.mname, true);
      w.name(rd.rname, true);
      for (const v of [rd.serial, rd.refresh, rd.retry, rd.expire, rd.minimum]) w.u32(v);
      return;
    case "txt":
      if (rd.strings.length === 0) throw new DnsFormatError("TXT needs at least one string");
      for (const s of rd.strings) {
        if (s.length > 255) throw new DnsFormatError("TXT string longer than 255 octets (RFC 1035 §3.3)");
        w.u8(s.length);
        w.bytes(s);
      }
      return;
    case "opt":
      for (const o of rd.options) {
        w.u16(o.code);
        w.u16(o.data.length);
        w.bytes(o.data);
      }
      return;
    case "tsig":
      // RFC 8945 §4.2: the algorithm name is not compressed.
      w.name(rd.algorithm, false);
      w.u48(rd.timeSigned);
      w.u16(rd.fudge);
      w.u16(rd.mac.length);
      w.bytes(rd.mac);
      w.u16(rd.originalId);
      w.u16(rd.error);
      w.u16(rd.other.length);
      w.bytes(rd.other);
      return;
  }
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  // RFC 8945 §4.2: the TSIG owner name (the key name) is not compressed either.
  w.name(rr.name, rr.type !== RRType.TSIG);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const at = w.length;
  w.u16(0);
  writeRData(w, rr.rdata);
  const len = w.length - at - 2;
  if (len > 0xffff) throw new DnsFormatError("RDATA longer than 65535 octets");
  w.setU16(at, len);
}

export function encodeMessage(m: Message): Buffer {
  const w = new Writer();
  w.u16(m.id);
  w.u16(encodeFlags(m.flags));
  w.u16(m.questions.length);
  w.u16(m.answers.length);
  w.u16(m.authorities.length);
  w.u16(m.additionals.length);
  for (const q of m.questions) {
    w.name(q.name, true);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const rr of [...m.answers, ...m.authorities, ...m.additionals]) writeRecord(w, rr);
  return w.finish();
}

/** Encode one record alone (used to append a TSIG record to an already encoded message). */
export function encodeRecord(rr: ResourceRecord): Buffer {
  const w = new Writer();
  writeRecord(w, rr);
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// Decoding

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length)
      throw new DnsFormatError(`truncated message: ${what} runs past the end (RFC 1035 §4.1)`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf.readUInt8(this.pos++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u48(what: string): number {
    const hi = this.u16(what);
    return hi * 2 ** 32 + this.u32(what);
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = Uint8Array.prototype.slice.call(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  /** A possibly compressed name starting here; `pos` moves past its in-place part. */
  name(what: string): string {
    const labels: string[] = [];
    let p = this.pos;
    let jumped = false;
    let wire = 1;
    // RFC 1035 §4.1.4: a pointer refers to a *prior* occurrence. Requiring every pointer to go
    // strictly backwards makes loops impossible and bounds the work by the message length.
    let limit = this.pos;
    for (;;) {
      if (p >= this.buf.length) throw new DnsFormatError(`truncated message: ${what} name runs past the end`);
      const len = this.buf[p]!;
      if (len === 0) {
        if (!jumped) this.pos = p + 1;
        break;
      }
      const top = len & 0xc0;
      if (top === 0xc0) {
        if (p + 1 >= this.buf.length) throw new DnsFormatError(`truncated compression pointer in ${what}`);
        const target = ((len & 0x3f) << 8) | this.buf[p + 1]!;
        if (target >= limit)
          throw new DnsFormatError(
            `compression pointer in ${what} does not point backwards (RFC 1035 §4.1.4)`,
          );
        if (!jumped) this.pos = p + 2;
        jumped = true;
        limit = target;
        p = target;
        continue;
      }
      // RFC 6891 §5: label types 0b01 and 0b10 (extended labels) are deprecated and unknown here.
      if (top !== 0) throw new DnsFormatError(`unknown label type 0x${top.toString(16)} in ${what}`);
      if (p + 1 + len > this.buf.length) throw new DnsFormatError(`truncated label in ${what}`);
      wire += len + 1;
      if (wire > 255) throw new DnsFormatError(`name longer than 255 octets in ${what} (RFC 1035 §2.3.4)`);
      labels.push(labelToString(this.buf.subarray(p + 1, p + 1 + len)));
      p += 1 + len;
    }
    return labels.join(".");
  }
}

function decodeAddress(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952 §4.2: compress the longest run (≥ 2) of zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

function readRData(r: Reader, type: number, end: number, owner: string): RData {
  const what = `RDATA of ${owner}`;
  const len = end - r.pos;
  if (len === 0 && type !== RRType.OPT) return { kind: "empty" };
  let rd: RData;
  switch (type) {
    case RRType.A:
    case RRType.AAAA: {
      const want = type === RRType.A ? 4 : 16;
      if (len !== want) throw new DnsFormatError(`${what}: address of ${len} octets, expected ${want}`);
      const b = r.bytes(len, what);
      rd = { kind: type === RRType.A ? "a" : "aaaa", address: decodeAddress(b) };
      break;
    }
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      rd = { kind: "name", target: r.name(what) };
      break;
    case RRType.MX:
      rd = { kind: "mx", preference: r.u16(what), exchange: r.name(what) };
      break;
    case RRType.SOA:
      rd = {
        kind: "soa",
        mname: r.name(what),
        rname: r.name(what),
        serial: r.u32(what),
        refresh: r.u32(what),
        retry: r.u32(what),
        expire: r.u32(what),
        minimum: r.u32(what),
      };
      break;
    case RRType.TXT: {
      const strings: Uint8Array[] = [];
      while (r.pos < end) {
        const n = r.u8(what);
        if (r.pos + n > end) throw new DnsFormatError(`${what}: TXT string runs past RDLENGTH`);
        strings.push(r.bytes(n, what));
      }
      rd = { kind: "txt", strings };
      break;
    }
    case RRType.OPT: {
      // RFC 6891 §6.1.2: {OPTION-CODE, OPTION-LENGTH, OPTION-DATA} repeated.
      const options: { code: number; data: Uint8Array }[] = [];
      while (r.pos < end) {
        const code = r.u16(what);
        const n = r.u16(what);
        if (r.pos + n > end) throw new DnsFormatError(`${what}: EDNS option ${code} runs past RDLENGTH`);
        options.push({ code, data: r.bytes(n, what) });
      }
      rd = { kind: "opt", options };
      break;
    }
    case RRType.TSIG: {
      const algorithm = r.name(what);
      const timeSigned = r.u48(what);
      const fudge = r.u16(what);
      const mac = r.bytes(r.u16(what), what);
      const originalId = r.u16(what);
      const error = r.u16(what);
      const other = r.bytes(r.u16(what), what);
      rd = { kind: "tsig", algorithm, timeSigned, fudge, mac, originalId, error, other };
      break;
    }
    default:
      rd = { kind: "raw", bytes: r.bytes(len, what) };
  }
  if (r.pos !== end) throw new DnsFormatError(`${what}: RDLENGTH ${len} does not match its content`);
  return rd;
}

export interface DecodedMessage extends Message {
  /** The OPT record, when there is one (RFC 6891 §6.1.1: at most one, in Additional). */
  readonly opt?: ResourceRecord;
  /** RCODE with the OPT extension applied (RFC 6891 §6.1.3): 12 bits. */
  readonly rcode: number;
  /** The TSIG record, when the message ends with one (RFC 8945 §4.2: it must be last). */
  readonly tsig?: ResourceRecord & { readonly rdata: Extract<RData, { kind: "tsig" }> };
  /** Offset of the TSIG record in the wire message: what precedes it is the MAC's input. */
  readonly tsigOffset?: number;
}

export function decodeMessage(input: Uint8Array): DecodedMessage {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length < 12) throw new DnsFormatError(`message of ${buf.length} octets is shorter than a header`);
  const r = new Reader(buf);
  const id = r.u16("ID");
  const flags = decodeFlags(r.u16("flags"));
  const counts = [r.u16("QDCOUNT"), r.u16("ANCOUNT"), r.u16("NSCOUNT"), r.u16("ARCOUNT")] as const;
  // Each question takes at least 5 octets and each record at least 11: reject counts that cannot
  // fit before looping over them, so a 12-byte packet cannot ask for 4×65535 iterations.
  if (counts[0] * 5 + (counts[1] + counts[2] + counts[3]) * 11 > buf.length - 12)
    throw new DnsFormatError("section counts exceed the message length (RFC 1035 §4.1.1)");
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const name = r.name("question");
    questions.push({ name, type: r.u16("QTYPE"), class: r.u16("QCLASS") });
  }
  const sections: ResourceRecord[][] = [[], [], []];
  let opt: ResourceRecord | undefined;
  let tsig: DecodedMessage["tsig"];
  let tsigOffset: number | undefined;
  for (let s = 0; s < 3; s++) {
    const n = counts[s + 1]!;
    for (let i = 0; i < n; i++) {
      const start = r.pos;
      const name = r.name("owner");
      const type = r.u16("TYPE");
      const klass = r.u16("CLASS");
      const ttl = r.u32("TTL");
      const rdlength = r.u16("RDLENGTH");
      r.need(rdlength, `RDATA of ${name || "."}`);
      const rdata = readRData(r, type, r.pos + rdlength, name || ".");
      const rr: ResourceRecord = { name, type, class: klass, ttl, rdata };
      if (type === RRType.OPT) {
        // RFC 6891 §6.1.1: one OPT, owner root, only in Additional.
        if (s !== 2 || opt !== undefined || name !== "")
          throw new DnsFormatError(
            "OPT record misplaced, repeated or not owned by the root (RFC 6891 §6.1.1)",
          );
        opt = rr;
      }
      if (type === RRType.TSIG) {
        // RFC 8945 §5.2: a TSIG that is not the last record of Additional is a FORMERR.
        if (s !== 2 || i !== n - 1)
          throw new DnsFormatError("TSIG record is not the last additional record (RFC 8945 §5.2)");
        tsig = rr as NonNullable<DecodedMessage["tsig"]>;
        tsigOffset = start;
      }
      sections[s]!.push(rr);
    }
  }
  if (r.pos !== buf.length)
    throw new DnsFormatError(`${buf.length - r.pos} trailing octets after the last record`);
  // RFC 6891 §6.1.3: the OPT TTL's top octet extends the RCODE by 8 bits.
  const rcode = opt ? ((opt.ttl >>> 24) << 4) | flags.rcode : flags.rcode;
  return {
    id,
    flags,
    questions,
    answers: sections[0]!,
    authorities: sections[1]!,
    additionals: sections[2]!,
    rcode,
    ...(opt ? { opt } : {}),
    ...(tsig ? { tsig, tsigOffset } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers for building records

/** An OPT pseudo-record advertising `udpSize` (RFC 6891 §6.1.2), version 0, no flags. */
export function optRecord(
  udpSize: number,
  options: { code: number; data: Uint8Array }[] = [],
): ResourceRecord {
  return { name: "", type: RRType.OPT, class: udpSize, ttl: 0, rdata: { kind: "opt", options } };
}

export function txtRData(...strings: string[]): RData {
  return { kind: "txt", strings: strings.map((s) => Buffer.from(s, "utf8")) };
}

/** The strings of a TXT RDATA joined, as UTF-8. */
export function txtString(rd: RData): string | undefined {
  if (rd.kind !== "txt") return undefined;
  return rd.strings.map((s) => Buffer.from(s).toString("utf8")).join("");
}
