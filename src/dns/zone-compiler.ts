// Compiles a ZoneModel into wire-format answers (DESIGN §6 "fast path"): every response the zone
// can give is encoded once, when the zone changes, and the query path only copies bytes and
// patches the header, the question (to keep the asker's 0x20 case) and the OPT record.
//
// The result is flat: one Buffer (`slab`) holding every answer, template and name record, and a
// hash index (`index`) over the names. Two ArrayBuffers and no per-name JS objects, so a zone of
// 10,000 hosts is a few MB, lookups allocate nothing, and a zone compiled in a child process
// reaches the server as two buffers (zone-build.ts).
import { CLASS, FLAG, RCODE, TYPE } from "./constants.ts";
import { nameWireLength, type RR, RR_TYPE_NUMBER, WireWriter } from "./wire-writer.ts";
import type { PublishedService, ZoneModel } from "./zone-model.ts";

/** Name record kinds. */
export const KIND = { NODE: 0, CUT: 1, HB_APEX: 2, SERVICE: 3 } as const;

/*
 * Slab layouts (big-endian):
 *   answer   @A: u16 pktLen, u16 flags, u16 addStart, u16 arcount, pkt[pktLen]
 *                 (a whole message, ID 0, question in lower case)
 *   template @T: u16 bodyLen, u16 flags, u16 an, u16 ns, u16 ar, u16 addStart, u16 nptrs,
 *                 u16 ptr[nptrs], body[bodyLen]  (sections for a question not known in advance;
 *                 `ptr` are compression pointers to move by the body's final offset)
 *   name     @N: u8 keyLen, key[keyLen] (lower-case wire name), u8 kind, u32 other, u32 any,
 *                 u32 extra (CUT: referral template; SERVICE: index into `services`),
 *                 u16 ntypes, ntypes × (u16 qtype, u32 answer)
 */
export const ANSWER_HEADER = 8;
export const TEMPLATE_HEADER = 14;

export interface CompiledZone {
  readonly serial: number;
  readonly zone: string;
  readonly region: string;
  readonly slab: Buffer;
  /** Open-addressing hash table: bucket → name record offset + 1 (0 = empty). Length is a power of 2. */
  readonly index: Uint32Array;
  /** Zone apex in lower-case wire form, and its label count. */
  readonly zoneKey: Buffer;
  readonly zoneLabels: number;
  /** Template offsets. */
  readonly nxdomain: number;
  readonly hbNodata: number;
  /** Published per-service state, by the index SERVICE records carry. */
  readonly services: readonly PublishedService[];
  readonly stats: { readonly names: number; readonly bytes: number };
}

/** FNV-1a over bytes [start, end). */
export function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Offset of the name record for key bytes [start, end) of `key`, or -1. Allocates nothing. */
export function findName(z: CompiledZone, key: Uint8Array, start: number, end: number): number {
  const mask = z.index.length - 1;
  const len = end - start;
  const slab = z.slab;
  for (let i = hashBytes(key, start, end) & mask; ; i = (i + 1) & mask) {
    const v = z.index[i]!;
    if (v === 0) return -1;
    const rec = v - 1;
    if (slab[rec] !== len) continue;
    let same = true;
    for (let j = 0; j < len; j++) {
      if (slab[rec + 1 + j] !== key[start + j]) {
        same = false;
        break;
      }
    }
    if (same) return rec;
  }
}

export function nameKey(name: string): Buffer {
  const w = new WireWriter(nameWireLength(name) + 1);
  w.rawName(name);
  return w.finish();
}

const AA = FLAG.QR | FLAG.AA;

interface Sections {
  readonly answer: readonly RR[];
  readonly authority: readonly RR[];
  readonly additional: readonly RR[];
  readonly flags: number;
  readonly rcode: number;
}

const negative = (soa: RR, negativeTtl: number): RR => ({
  ...soa,
  // RFC 2308 §3: the SOA in a negative answer carries min(SOA TTL, SOA MINIMUM).
  ttl: Math.min(soa.ttl, negativeTtl),
});

function typesOf(rrs: readonly RR[]): Map<number, RR[]> {
  const m = new Map<number, RR[]>();
  for (const r of rrs) {
    const t = RR_TYPE_NUMBER[r.data.type];
    const list = m.get(t) ?? [];
    list.push(r);
    m.set(t, list);
  }
  return m;
}

/** RFC 8482 §4.2: answer ANY with one RRset; we pick by this preference. */
const ANY_PREFERENCE: readonly number[] = [TYPE.SOA, TYPE.A, TYPE.AAAA, TYPE.NS, TYPE.TXT];

class SlabBuilder {
  private readonly parts: Buffer[] = [];
  private size = 0;
  private readonly w = new WireWriter(1024);
  /** Template bodies move by up to 12 + 255 + 4 octets at query time. */
  private readonly tw = new WireWriter(1024, 0x3fff - (12 + 255 + 4));
  private readonly hdr = Buffer.alloc(16);

  get length(): number {
    return this.size;
  }

  private push(b: Buffer): void {
    this.parts.push(Buffer.from(b));
    this.size += b.length;
  }

  answer(qname: string, s: Sections): number {
    const at = this.size;
    const w = this.w.reset();
    w.u16(0)
      .u16(s.flags | s.rcode)
      .u16(1)
      .u16(s.answer.length)
      .u16(s.authority.length)
      .u16(s.additional.length);
    w.rawName(qname).u16(0).u16(CLASS.IN);
    for (const r of s.answer) w.rr(r);
    for (const r of s.authority) w.rr(r);
    const addStart = w.length;
    for (const r of s.additional) w.rr(r);
    this.hdr.writeUInt16BE(w.length, 0);
    this.hdr.writeUInt16BE(s.flags | s.rcode, 2);
    this.hdr.writeUInt16BE(addStart, 4);
    this.hdr.writeUInt16BE(s.additional.length, 6);
    this.push(this.hdr.subarray(0, ANSWER_HEADER));
    this.push(w.view());
    return at;
  }

  template(s: Sections): number {
    const at = this.size;
    const w = this.tw.reset();
    for (const r of s.answer) w.rr(r);
    for (const r of s.authority) w.rr(r);
    const addStart = w.length;
    for (const r of s.additional) w.rr(r);
    const h = Buffer.alloc(TEMPLATE_HEADER + 2 * w.pointerAt.length);
    [w.length, s.flags | s.rcode, s.answer.length, s.authority.length, s.additional.length, addStart].forEach(
      (v, i) => {
        h.writeUInt16BE(v, 2 * i);
      },
    );
    h.writeUInt16BE(w.pointerAt.length, 12);
    w.pointerAt.forEach((p, i) => {
      h.writeUInt16BE(p, TEMPLATE_HEADER + 2 * i);
    });
    this.push(h);
    this.push(w.view());
    return at;
  }

  name(
    key: Buffer,
    kind: number,
    other: number,
    any: number,
    extra: number,
    byType: ReadonlyMap<number, number>,
  ): number {
    const at = this.size;
    const b = Buffer.alloc(1 + key.length + 1 + 12 + 2 + 6 * byType.size);
    let p = 0;
    b[p++] = key.length;
    key.copy(b, p);
    p += key.length;
    b[p++] = kind;
    b.writeUInt32BE(other, p);
    b.writeUInt32BE(any, p + 4);
    b.writeUInt32BE(extra, p + 8);
    b.writeUInt16BE(byType.size, p + 12);
    p += 14;
    for (const [t, off] of byType) {
      b.writeUInt16BE(t, p);
      b.writeUInt32BE(off, p + 2);
      p += 6;
    }
    this.push(b);
    return at;
  }

  /** One exactly-sized buffer of its own (transferable). */
  finish(): Buffer {
    const out = Buffer.from(new ArrayBuffer(this.size));
    let p = 0;
    for (const b of this.parts) {
      b.copy(out, p);
      p += b.length;
    }
    return out;
  }
}

export function compileZone(m: ZoneModel): CompiledZone {
  const z = m.zone;
  const soaZ = m.records.get(z)!.find((r) => r.data.type === "SOA")!;
  const negZ = negative(soaZ, m.negativeTtl);
  const negHb = negative(m.selfHb.soa, m.negativeTtl);
  const sb = new SlabBuilder();
  const names: { key: Buffer; rec: number }[] = [];

  const glueFor = (hosts: readonly string[]): RR[] =>
    hosts.flatMap((h) =>
      (m.records.get(h) ?? []).filter((r) => r.data.type === "A" || r.data.type === "AAAA"),
    );

  /** `glue`: whether NS targets' addresses go in the additional section (only when they are in the same zone). */
  const node = (
    qname: string,
    rrs: readonly RR[],
    neg: RR,
    kind: number,
    opts: { glue?: boolean; extra?: number; ds?: number } = {},
  ) => {
    const byType = new Map<number, number>();
    const nodata = sb.answer(qname, { answer: [], authority: [neg], additional: [], flags: AA, rcode: 0 });
    for (const [t, set] of typesOf(rrs)) {
      // Additional-section processing (RFC 1035 §3.3.11 / §6.3): NS targets' addresses.
      const additional =
        t === TYPE.NS && opts.glue !== false
          ? glueFor(set.map((r) => (r.data as { host: string }).host))
          : [];
      byType.set(t, sb.answer(qname, { answer: set, authority: [], additional, flags: AA, rcode: 0 }));
    }
    if (opts.ds !== undefined) byType.set(TYPE.DS, opts.ds);
    const anyType = ANY_PREFERENCE.find((t) => byType.has(t));
    const key = nameKey(qname);
    const any = anyType !== undefined ? byType.get(anyType)! : nodata;
    names.push({ key, rec: sb.name(key, kind, nodata, any, opts.extra ?? 0, byType) });
  };

  for (const [owner, rrs] of m.records) node(owner, rrs, negZ, KIND.NODE);

  for (const [cut, d] of m.cuts) {
    if (cut === m.selfHb.apex) continue;
    // RFC 1034 §4.3.2 step 3b: a referral — NS in authority, glue in additional, AA clear.
    const referral: Sections = { answer: [], authority: d.ns, additional: d.glue, flags: FLAG.QR, rcode: 0 };
    const atCut = sb.answer(cut, referral);
    // RFC 4035 §3.1.4.1: DS lives on the parent side of a cut: the parent answers it.
    const ds = sb.answer(cut, { answer: [], authority: [negZ], additional: [], flags: AA, rcode: 0 });
    const below = sb.template(referral);
    const key = nameKey(cut);
    names.push({ key, rec: sb.name(key, KIND.CUT, atCut, atCut, below, new Map([[TYPE.DS, ds]])) });
  }

  // Our own heartbeat subzone, served authoritatively as its own zone. ns-<region>.Z is outside
  // it: no additional data for its NS set (NSD does the same). DS is answered by the parent, Z.
  const hb = m.selfHb;
  const dsAtApex = sb.answer(hb.apex, { answer: [], authority: [negZ], additional: [], flags: AA, rcode: 0 });
  node(hb.apex, [hb.soa, ...hb.ns], negHb, KIND.HB_APEX, { glue: false, ds: dsAtApex });
  // `<svc>.<region>.hb.Z` are empty non-terminals above the per-service heartbeats.
  hb.services.forEach((s, i) => {
    node(`${s.name}.${hb.apex}`, [], negHb, KIND.SERVICE, { extra: i });
  });

  const nxdomain = sb.template({
    answer: [],
    authority: [negZ],
    additional: [],
    flags: AA,
    rcode: RCODE.NXDOMAIN,
  });
  const hbNodata = sb.template({
    answer: [],
    authority: [negHb],
    additional: [],
    flags: AA,
    rcode: RCODE.NOERROR,
  });
  const slab = sb.finish();

  let size = 16;
  while (size < names.length * 2) size *= 2;
  const index = new Uint32Array(new ArrayBuffer(size * 4));
  for (const n of names) {
    for (let i = hashBytes(n.key, 0, n.key.length) & (size - 1); ; i = (i + 1) & (size - 1)) {
      if (index[i] === 0) {
        index[i] = n.rec + 1;
        break;
      }
    }
  }
  const zoneKey = nameKey(z);
  return {
    serial: m.serial,
    zone: z,
    region: m.region,
    slab,
    index,
    zoneKey,
    zoneLabels: z.split(".").length,
    nxdomain,
    hbNodata,
    services: hb.services,
    stats: { names: names.length, bytes: slab.length + index.byteLength },
  };
}
