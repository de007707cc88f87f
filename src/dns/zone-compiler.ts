// Compiles a ZoneModel into wire-format answers (DESIGN §6 "fast path"): every response the zone
// can give is encoded once, when the zone changes, and the query path only copies bytes and
// patches the header, the question (to keep the asker's 0x20 case) and the OPT record.
import { CLASS, FLAG, RCODE, TYPE } from "./constants.ts";
import { nameWireLength, type RR, RR_TYPE_NUMBER, WireWriter } from "./wire-writer.ts";
import type { PublishedService, ZoneModel } from "./zone-model.ts";

/**
 * A response for one known question name: a complete message (ID 0, question in lower case) whose
 * header flags and question bytes the responder overwrites from the query.
 */
export interface StaticAnswer {
  readonly pkt: Buffer;
  /** Header flags word without the query-dependent bits (RD, CD, opcode). */
  readonly flags: number;
  /** Offset where the additional section starts and its count: dropped first when UDP space runs out. */
  readonly addStart: number;
  readonly arcount: number;
}

/**
 * A response body for a question name not known in advance (NXDOMAIN, referrals below a cut):
 * answer/authority/additional encoded with offsets relative to the body's start; `ptrs` lists the
 * positions of compression pointers that must be moved by the body's final offset.
 */
export interface Template {
  readonly body: Buffer;
  readonly ptrs: Uint16Array;
  readonly flags: number;
  readonly an: number;
  readonly ns: number;
  readonly ar: number;
  /** Start of the additional section within `body`. */
  readonly addStart: number;
}

export interface NodeAnswers {
  readonly byType: ReadonlyMap<number, StaticAnswer>;
  /** NODATA (or the referral, at a cut) for every other type. */
  readonly other: StaticAnswer;
  /** RFC 8482 minimal ANY: one RRset, or NODATA. */
  readonly any: StaticAnswer;
}

export interface CompiledZone {
  readonly serial: number;
  readonly zone: string;
  /** Zone apex in lower-case wire form (latin1 string) and its label count. */
  readonly zoneKey: string;
  readonly zoneLabels: number;
  /** Known names (lower-case wire form as latin1 strings) → their answers. */
  readonly names: ReadonlyMap<string, NodeAnswers>;
  /** Other regions' heartbeat cuts `<r>.hb.Z` → referral template for names below them. */
  readonly cuts: ReadonlyMap<string, Template>;
  /** `<region>.hb.Z` key (our own heartbeat subzone). */
  readonly selfHbKey: string;
  /** Service subtrees `<svc>.<region>.hb.Z` → the service. */
  readonly services: ReadonlyMap<string, PublishedService>;
  readonly nxdomain: Template;
  readonly hbNodata: Template;
  readonly region: string;
  readonly stats: { readonly names: number; readonly bytes: number };
}

export function nameKey(name: string): string {
  const w = new WireWriter(nameWireLength(name) + 1);
  w.rawName(name);
  return w.finish().toString("latin1");
}

const AA = FLAG.QR | FLAG.AA;

interface Sections {
  readonly answer: readonly RR[];
  readonly authority: readonly RR[];
  readonly additional: readonly RR[];
  readonly flags: number;
  readonly rcode: number;
}

function encodeStatic(qname: string, s: Sections): StaticAnswer {
  const w = new WireWriter(512);
  w.u16(0)
    .u16(s.flags | s.rcode)
    .u16(1)
    .u16(s.answer.length)
    .u16(s.authority.length)
    .u16(s.additional.length);
  w.knowName(qname, 12);
  w.rawName(qname).u16(0).u16(CLASS.IN);
  for (const r of s.answer) w.rr(r);
  for (const r of s.authority) w.rr(r);
  const addStart = w.length;
  for (const r of s.additional) w.rr(r);
  return { pkt: w.finish(), flags: s.flags | s.rcode, addStart, arcount: s.additional.length };
}

function encodeTemplate(s: Sections): Template {
  const w = new WireWriter(256);
  for (const r of s.answer) w.rr(r);
  for (const r of s.authority) w.rr(r);
  const addStart = w.length;
  for (const r of s.additional) w.rr(r);
  return {
    body: w.finish(),
    ptrs: Uint16Array.from(w.pointerAt),
    flags: s.flags | s.rcode,
    an: s.answer.length,
    ns: s.authority.length,
    ar: s.additional.length,
    addStart,
  };
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
const ANY_PREFERENCE = [TYPE.SOA, TYPE.A, TYPE.AAAA, TYPE.NS, TYPE.TXT];

export function compileZone(m: ZoneModel): CompiledZone {
  const z = m.zone;
  const soaZ = m.records.get(z)!.find((r) => r.data.type === "SOA")!;
  const negZ = negative(soaZ, m.negativeTtl);
  const negHb = negative(m.selfHb.soa, m.negativeTtl);
  const names = new Map<string, NodeAnswers>();
  let bytes = 0;

  const glueFor = (hosts: readonly string[]): RR[] =>
    hosts.flatMap((h) =>
      (m.records.get(h) ?? []).filter((r) => r.data.type === "A" || r.data.type === "AAAA"),
    );

  /** `glue`: whether NS targets' addresses go in the additional section (only when they are in the same zone). */
  const nodeAnswers = (qname: string, rrs: readonly RR[], neg: RR, glue = true): NodeAnswers => {
    const byType = new Map<number, StaticAnswer>();
    const nodata = encodeStatic(qname, { answer: [], authority: [neg], additional: [], flags: AA, rcode: 0 });
    for (const [t, set] of typesOf(rrs)) {
      // Additional-section processing (RFC 1035 §3.3.11 / §6.3): NS targets' addresses.
      const additional =
        t === TYPE.NS && glue ? glueFor(set.map((r) => (r.data as { host: string }).host)) : [];
      byType.set(t, encodeStatic(qname, { answer: set, authority: [], additional, flags: AA, rcode: 0 }));
    }
    const anyType = ANY_PREFERENCE.find((t) => byType.has(t));
    return { byType, other: nodata, any: anyType !== undefined ? byType.get(anyType)! : nodata };
  };

  for (const [owner, rrs] of m.records) names.set(nameKey(owner), nodeAnswers(owner, rrs, negZ));

  const cuts = new Map<string, Template>();
  for (const [cut, d] of m.cuts) {
    if (cut === m.selfHb.apex) continue;
    // RFC 1034 §4.3.2 step 3b: a referral — NS in authority, glue in additional, AA clear.
    const referral: Sections = { answer: [], authority: d.ns, additional: d.glue, flags: FLAG.QR, rcode: 0 };
    const atCut = encodeStatic(cut, referral);
    // RFC 4035 §3.1.4.1 / RFC 3658: DS lives on the parent side of a cut: the parent answers it.
    const ds = encodeStatic(cut, { answer: [], authority: [negZ], additional: [], flags: AA, rcode: 0 });
    names.set(nameKey(cut), { byType: new Map([[TYPE.DS, ds]]), other: atCut, any: atCut });
    cuts.set(nameKey(cut), encodeTemplate(referral));
  }

  // Our own heartbeat subzone, served authoritatively as its own zone.
  const hb = m.selfHb;
  // ns-<region>.Z is outside the subzone: no additional data for its NS set (NSD does the same).
  const apexAnswers = nodeAnswers(hb.apex, [hb.soa, ...hb.ns], negHb, false);
  const dsAtApex = encodeStatic(hb.apex, {
    answer: [],
    authority: [negZ],
    additional: [],
    flags: AA,
    rcode: 0,
  });
  names.set(nameKey(hb.apex), {
    ...apexAnswers,
    byType: new Map([...apexAnswers.byType, [TYPE.DS, dsAtApex]]),
  });
  const services = new Map<string, PublishedService>();
  for (const s of hb.services) {
    const owner = `${s.name}.${hb.apex}`;
    services.set(nameKey(owner), s);
    // `<svc>.<region>.hb.Z` itself is an empty non-terminal above the per-service heartbeats.
    names.set(nameKey(owner), nodeAnswers(owner, [], negHb));
  }

  for (const n of names.values())
    for (const a of [n.other, n.any, ...n.byType.values()]) bytes += a.pkt.length;

  const neg = (soa: RR, rcode: number): Template =>
    encodeTemplate({ answer: [], authority: [soa], additional: [], flags: AA, rcode });
  const zoneKey = nameKey(z);
  return {
    serial: m.serial,
    zone: z,
    zoneKey,
    zoneLabels: z.split(".").length,
    names,
    cuts,
    selfHbKey: nameKey(hb.apex),
    services,
    nxdomain: neg(negZ, RCODE.NXDOMAIN),
    hbNodata: neg(negHb, RCODE.NOERROR),
    region: m.region,
    stats: { names: names.size, bytes },
  };
}
