// The authoritative responder's logic: bytes in, bytes out (or nothing). No sockets here (STYLE 5):
// server.ts feeds it from UDP and TCP. The compiled zone is swapped by reference, so a query is
// always answered from one whole zone, old or new, never from a half-built one.
import {
  type Heartbeat,
  type HeartbeatKeyInput,
  isNonceLabel,
  type ServiceState,
  servicesDigest,
  signHeartbeat,
} from "../core/heartbeat-record.ts";
import {
  CLASS,
  CLASSIC_UDP_SIZE,
  EDNS_UDP_SIZE,
  FLAG,
  OPCODE_NOTIFY,
  OPCODE_QUERY,
  RCODE,
  TYPE,
} from "./constants.ts";
import { answerCookie, COOKIE_OPTION } from "./cookies.ts";
import { labelStarts, type ParsedQuery, parseQuery, scratchName } from "./query-parser.ts";
import { ANSWER_HEADER, type CompiledZone, findName, KIND, TEMPLATE_HEADER } from "./zone-compiler.ts";
import type { PublishedService } from "./zone-model.ts";

export type Transport = "udp" | "tcp";

/** What the per-service heartbeat of `s` carries (and the region heartbeat's digest covers). */
export function serviceState(s: PublishedService): ServiceState {
  return {
    service: s.name,
    role: s.role,
    epoch: s.epoch,
    gateOpen: s.gateOpen,
    demotionToken: s.demotionToken,
    handoverTo: s.handoverTo,
    localTargets: s.localTargets ?? [],
    ...(s.leaseMajority === undefined ? {} : { leaseMajority: s.leaseMajority }),
    ...(s.cnpgFenced ? { cnpgFenced: true } : {}),
  };
}

export interface HeartbeatSource {
  /** Random id of this process's lifetime (an integer below 2^48). */
  readonly incarnation: number;
  /** The key this region signs with (heartbeatKeys.signWith). Never logged. */
  key: HeartbeatKeyInput;
}

/** Counted per answer; the server turns these into metrics. */
export interface AnswerObserver {
  answered(rcode: number, qtype: number, transport: Transport, truncated: boolean): void;
}

const OPT_LEN = 11;
/** COOKIE option: code, length, 8-octet client cookie, 16-octet server cookie. */
const COOKIE_OPT_LEN = 4 + 24;

export class Responder {
  private zone: CompiledZone;
  /** The COOKIE option payload for the current query's answer, if it carried one (RFC 7873). */
  private cookie: Buffer | undefined;
  /** The current query returned a valid server cookie: its source address is proven. */
  validCookie = false;
  /** Digest of the zone's published services, carried by every region heartbeat (docs/heartbeats.md). */
  private svcDigest: string;
  /** Clears AA for QCLASS * answers; set per query. */
  private aaMask = 0xffff;

  constructor(
    zone: CompiledZone,
    private hb: HeartbeatSource,
    private readonly observer?: AnswerObserver,
    /** Secret for server cookies; without it COOKIE options are ignored (and not echoed). */
    private readonly cookieSecret?: Buffer,
    private readonly now: () => number = () => 0,
  ) {
    this.zone = zone;
    this.svcDigest = servicesDigest(zone.services.map(serviceState));
  }

  private optLen(q: ParsedQuery): number {
    return q.edns ? OPT_LEN + (this.cookie ? COOKIE_OPT_LEN : 0) : 0;
  }

  /** Atomically replace the zone: the next query sees the new one, in-flight ones finished on the old. */
  swap(zone: CompiledZone): void {
    this.svcDigest = servicesDigest(zone.services.map(serviceState));
    this.zone = zone;
  }

  get serial(): number {
    return this.zone.serial;
  }

  /** Sign heartbeats with a new key from the next query on. */
  rekey(key: HeartbeatKeyInput): void {
    this.hb = { ...this.hb, key };
  }

  /** Answer one DNS message. `undefined` means: send nothing (not a query, or too short to answer). */
  handle(query: Buffer, transport: Transport, client?: string): Buffer | undefined {
    this.cookie = undefined;
    this.validCookie = false;
    const parsed = parseQuery(query);
    if (parsed.kind === "drop") return undefined;
    if (parsed.kind === "formerr") {
      // RFC 1035 §4.1.1: NOTIMP for an opcode we do not implement, even if the rest is odd.
      if (parsed.opcode !== OPCODE_QUERY)
        return this.bare(query, parsed.opcode, 0, RCODE.NOTIMP, undefined, transport);
      // FORMERR carries no question: we could not trust what we parsed of it (NSD does the same).
      return this.bare(query, parsed.opcode, 0, RCODE.FORMERR, undefined, transport);
    }
    const q = parsed.q;
    if (q.edns && q.edns.cookieAt >= 0 && client !== undefined && this.cookieSecret) {
      const c = answerCookie(
        this.cookieSecret,
        query.subarray(q.edns.cookieAt, q.edns.cookieAt + q.edns.cookieLen),
        client,
        Math.floor(this.now() / 1000),
      );
      this.cookie = c.payload;
      this.validCookie = c.valid;
    }
    // RFC 1035 §4.1.1: NOTIMP for opcodes we do not implement (no question echoed, as NSD does);
    // a NOTIFY (RFC 1996) is REFUSED: we are nobody's secondary.
    if (q.opcode !== OPCODE_QUERY)
      return this.bare(
        query,
        q.opcode,
        0,
        q.opcode === OPCODE_NOTIFY ? RCODE.REFUSED : RCODE.NOTIMP,
        q,
        transport,
      );
    // RFC 6891 §6.1.3: we speak EDNS version 0 only.
    if (q.edns && q.edns.version > 0)
      return this.bare(query, q.opcode, q.qnameLen, RCODE.BADVERS, q, transport);
    const z = this.zone;
    // Only class IN holds data; QCLASS * is answered from IN, but not authoritatively (RFC 6895 §3.2).
    // Other classes are REFUSED (question echoed for CHAOS only, as NSD does).
    if (q.qclass !== CLASS.IN && q.qclass !== CLASS.ANY)
      return this.bare(query, q.opcode, q.qclass === CLASS.CH ? q.qnameLen : 0, RCODE.REFUSED, q, transport);
    this.aaMask = q.qclass === CLASS.ANY ? ~FLAG.AA : 0xffff;
    // Question must be inside Z, at a label boundary; anything else is not ours (REFUSED, AA clear).
    const zk = z.zoneKey;
    const zl = zk.length;
    const rel = q.labels - z.zoneLabels;
    if (rel < 0 || (rel > 0 && labelStarts[rel] !== q.qnameLen - zl) || (rel === 0 && q.qnameLen !== zl))
      return this.bare(query, q.opcode, q.qnameLen, RCODE.REFUSED, q, transport);
    if (scratchName.compare(zk, 0, zl, q.qnameLen - zl, q.qnameLen) !== 0)
      return this.bare(query, q.opcode, q.qnameLen, RCODE.REFUSED, q, transport);
    // RFC 5936 §4.2: AXFR only over TCP (NOTIMP over UDP); zone transfers are not offered (REFUSED).
    if (q.qtype === TYPE.AXFR || q.qtype === TYPE.IXFR)
      return this.bare(
        query,
        q.opcode,
        q.qnameLen,
        q.qtype === TYPE.AXFR && transport === "udp" ? RCODE.NOTIMP : RCODE.REFUSED,
        q,
        transport,
      );
    const slab = z.slab;
    const rec = findName(z, scratchName, 0, q.qnameLen);
    if (rec >= 0) return this.fromStatic(query, q, this.answerFor(rec, q.qtype), transport);
    // Below one of the heartbeat subzones? Look at the suffix `<x>.hb.Z` (rel ≥ 3 labels deep).
    if (rel >= 3) {
      const cut = findName(z, scratchName, labelStarts[rel - 2]!, q.qnameLen);
      if (cut >= 0) {
        const kind = slab[cut + 1 + slab[cut]!]!;
        if (kind === KIND.CUT)
          return this.fromTemplate(query, q, slab.readUInt32BE(cut + 2 + slab[cut]! + 8), transport);
        if (kind === KIND.HB_APEX) return this.heartbeat(query, q, rel, transport);
      }
    }
    return this.fromTemplate(query, q, z.nxdomain, transport);
  }

  /** The answer offset for `qtype` at name record `rec` (RFC 8482 minimal ANY included). */
  private answerFor(rec: number, qtype: number): number {
    const slab = this.zone.slab;
    const p = rec + 2 + slab[rec]!;
    if (qtype === TYPE.ANY) return slab.readUInt32BE(p + 4);
    const n = slab.readUInt16BE(p + 12);
    for (let i = 0, t = p + 14; i < n; i++, t += 6)
      if (slab.readUInt16BE(t) === qtype) return slab.readUInt32BE(t + 2);
    return slab.readUInt32BE(p);
  }

  /** Names under our own `<region>.hb.Z`: signed heartbeats for any nonce (wildcard semantics, RFC 4592). */
  private heartbeat(query: Buffer, q: ParsedQuery, rel: number, transport: Transport): Buffer | undefined {
    const z = this.zone;
    // `<nonce>...<svc>.<region>.hb.Z` when the name is below a service subtree, else region heartbeat.
    let hbSvc: PublishedService | undefined;
    if (rel >= 4) {
      const rec = findName(z, scratchName, labelStarts[rel - 3]!, q.qnameLen);
      if (rec >= 0) {
        const kindAt = rec + 1 + z.slab[rec]!;
        if (z.slab[kindAt] === KIND.SERVICE) hbSvc = z.services[z.slab.readUInt32BE(kindAt + 9)];
      }
    }
    const nonceLen = scratchName[0]!;
    const nonce = scratchName.toString("latin1", 1, 1 + nonceLen);
    if (q.qtype !== TYPE.TXT && q.qtype !== TYPE.ANY)
      return this.fromTemplate(query, q, z.hbNodata, transport);
    if (!isNonceLabel(nonce)) return this.fromTemplate(query, q, z.hbNodata, transport);
    const hb: Heartbeat = hbSvc
      ? { kind: "service", region: z.region, nonce, incarnation: this.hb.incarnation, ...serviceState(hbSvc) }
      : {
          kind: "region",
          region: z.region,
          nonce,
          incarnation: this.hb.incarnation,
          servicesDigest: this.svcDigest,
          serviceCount: z.services.length,
        };
    const strings = signHeartbeat(hb, this.hb.key, z.zone).map((s) => Buffer.from(s, "utf8"));
    let rdlen = 0;
    for (const s of strings) rdlen += 1 + s.length;
    // A TXT string is at most 255 octets (RFC 1035 §3.3); the schema's name limits keep every
    // heartbeat string within it. Never send one malformed if that ever fails.
    if (strings.some((s) => s.length > 255) || rdlen > 0xffff - 512)
      return this.fromTemplate(query, q, z.hbNodata, transport);
    const qEnd = 12 + q.qnameLen + 4;
    const len = qEnd + 12 + rdlen;
    const out = Buffer.allocUnsafe(len + this.optLen(q));
    query.copy(out, 0, 0, qEnd);
    out.writeUInt16BE(1, 4);
    out.writeUInt16BE(1, 6);
    out.writeUInt32BE(0, 8);
    let p = qEnd;
    out.writeUInt16BE(0xc00c, p); // owner: the question name (keeps the asker's case)
    out.writeUInt16BE(TYPE.TXT, p + 2);
    out.writeUInt16BE(CLASS.IN, p + 4);
    out.writeUInt32BE(0, p + 6); // TTL 0: a heartbeat must never be served from a cache
    out.writeUInt16BE(rdlen, p + 10);
    p += 12;
    for (const s of strings) {
      out[p++] = s.length;
      s.copy(out, p);
      p += s.length;
    }
    return this.finish(out, len, q, FLAG.QR | FLAG.AA, 0, transport, len);
  }

  private fromStatic(query: Buffer, q: ParsedQuery, at: number, transport: Transport): Buffer | undefined {
    const slab = this.zone.slab;
    const len = slab.readUInt16BE(at);
    const flags = slab.readUInt16BE(at + 2);
    const addStart = slab.readUInt16BE(at + 4);
    const arcount = slab.readUInt16BE(at + 6);
    const out = Buffer.allocUnsafe(len + this.optLen(q));
    slab.copy(out, 0, at + ANSWER_HEADER, at + ANSWER_HEADER + len);
    // The asker's question bytes: ID is patched below; the name keeps its 0x20 case, type/class as asked.
    query.copy(out, 12, 12, 12 + q.qnameLen + 4);
    return this.finish(out, len, q, flags, arcount, transport, addStart);
  }

  private fromTemplate(query: Buffer, q: ParsedQuery, at: number, transport: Transport): Buffer | undefined {
    const slab = this.zone.slab;
    const bodyLen = slab.readUInt16BE(at);
    const nptrs = slab.readUInt16BE(at + 12);
    const bodyAt = at + TEMPLATE_HEADER + 2 * nptrs;
    const base = 12 + q.qnameLen + 4;
    const len = base + bodyLen;
    const out = Buffer.allocUnsafe(len + this.optLen(q));
    query.copy(out, 12, 12, base);
    slab.copy(out, base, bodyAt, bodyAt + bodyLen);
    for (let i = 0; i < nptrs; i++) {
      const p = base + slab.readUInt16BE(at + TEMPLATE_HEADER + 2 * i);
      out.writeUInt16BE(0xc000 | ((out.readUInt16BE(p) & 0x3fff) + base), p);
    }
    out.writeUInt16BE(1, 4);
    out.writeUInt16BE(slab.readUInt16BE(at + 4), 6);
    out.writeUInt16BE(slab.readUInt16BE(at + 6), 8);
    const ar = slab.readUInt16BE(at + 8);
    return this.finish(
      out,
      len,
      q,
      slab.readUInt16BE(at + 2),
      ar,
      transport,
      base + slab.readUInt16BE(at + 10),
    );
  }

  /**
   * Header, OPT and truncation, shared by every answer. `len` is the message length before OPT;
   * `addStart` where the additional section begins (dropped first when UDP space runs short).
   */
  private finish(
    out: Buffer,
    len: number,
    q: ParsedQuery,
    flags: number,
    arcount: number,
    transport: Transport,
    addStart: number,
  ): Buffer {
    out[0] = q.id >> 8;
    out[1] = q.id & 0xff;
    // RFC 1035 §4.1.1: RD is copied; RFC 4035 §3.1.6: so is CD. RA stays clear (not recursive).
    const f = (flags & this.aaMask) | (q.flags & (FLAG.RD | FLAG.CD));
    out.writeUInt16BE(f, 2);
    let size = len;
    let ar = arcount;
    if (transport === "udp") {
      // RFC 6891 §6.2.5: sizes below 512 are treated as 512; we never exceed our own EDNS size.
      const max = q.edns
        ? Math.min(Math.max(q.edns.udpSize, CLASSIC_UDP_SIZE), EDNS_UDP_SIZE)
        : CLASSIC_UDP_SIZE;
      const opt = this.optLen(q);
      if (len + opt > max) {
        if (addStart + opt <= max) {
          // Only additional data does not fit: drop it (RFC 2181 §9: TC is for required data).
          size = addStart;
          ar = 0;
        } else {
          // RFC 1035 §4.2.1 / RFC 2181 §9: set TC and send no partial RRsets; the client retries over TCP.
          size = 12 + q.qnameLen + 4;
          ar = 0;
          out.writeUInt16BE(f | FLAG.TC, 2);
          out.writeUInt32BE(0, 6);
        }
      }
    }
    if (q.edns) {
      size += writeOpt(out, size, 0, q.edns.doBit, this.cookie);
      ar += 1;
    }
    out.writeUInt16BE(ar, 10);
    this.observer?.answered(flags & 0xf, q.qtype, transport, (out[2]! & 0x02) !== 0);
    return size === out.length ? out : out.subarray(0, size);
  }

  /** Header (+ question when parseable) + OPT: errors, REFUSED, NOTIMP, BADVERS. */
  private bare(
    query: Buffer,
    opcode: number,
    qnameLen: number,
    rcode: number,
    q: ParsedQuery | undefined,
    transport: Transport,
  ): Buffer {
    const qlen = qnameLen > 0 ? qnameLen + 4 : 0;
    const opt = q ? this.optLen(q) : 0;
    const out = Buffer.alloc(12 + qlen + opt);
    query.copy(out, 0, 0, 2);
    // RFC 1035 §4.1.1; RFC 6891 §6.1.3: the extended part of the RCODE travels in the OPT.
    out.writeUInt16BE(
      FLAG.QR | (opcode << 11) | (query.readUInt16BE(2) & (FLAG.RD | FLAG.CD)) | (rcode & 0xf),
      2,
    );
    if (qlen > 0) {
      out.writeUInt16BE(1, 4);
      query.copy(out, 12, 12, 12 + qlen);
    }
    if (q?.edns) {
      writeOpt(out, 12 + qlen, rcode >> 4, q.edns.doBit, this.cookie);
      out.writeUInt16BE(1, 10);
    }
    this.observer?.answered(rcode, q?.qtype ?? -1, transport, false);
    return out;
  }
}

/** Write our OPT record at `at`; returns its length. */
function writeOpt(out: Buffer, at: number, extRcode: number, doBit: boolean, cookie?: Buffer): number {
  out[at] = 0; // root owner
  out.writeUInt16BE(TYPE.OPT, at + 1);
  out.writeUInt16BE(EDNS_UDP_SIZE, at + 3);
  out[at + 5] = extRcode;
  out[at + 6] = 0; // version 0
  // RFC 3225 §3: the DO bit is copied into the response.
  out.writeUInt16BE(doBit ? 0x8000 : 0, at + 7);
  if (!cookie) {
    out.writeUInt16BE(0, at + 9);
    return OPT_LEN;
  }
  // RFC 7873 §5.2.3: the client cookie comes back with our server cookie.
  out.writeUInt16BE(4 + cookie.length, at + 9);
  out.writeUInt16BE(COOKIE_OPTION, at + 11);
  out.writeUInt16BE(cookie.length, at + 13);
  cookie.copy(out, at + 15);
  return OPT_LEN + 4 + cookie.length;
}
