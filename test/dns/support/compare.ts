// Normalise a DNS response for comparison between two servers.
import * as dnsPacket from "dns-packet";
import { RCODE } from "../../../src/dns/constants.ts";

export interface Normalised {
  readonly rcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly question: string;
  readonly answer: string[];
  readonly authority: string[];
  readonly additional: string[];
  readonly opt: string;
}

const RCODES: Record<string, number> = RCODE;

function rdata(a: dnsPacket.Answer): string {
  const d = (a as { data?: unknown }).data;
  switch (a.type) {
    case "SOA": {
      const s = d as dnsPacket.SoaData;
      return `${s.mname.toLowerCase()} ${s.rname.toLowerCase()} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    case "NS":
      return String(d).toLowerCase();
    case "TXT":
      return (d as Buffer[]).map((b) => JSON.stringify(b.toString())).join(" ");
    default:
      return Buffer.isBuffer(d) ? d.toString("hex") : String(d);
  }
}

/** `dynamicUnder`: names below it are signed heartbeats whose TXT content differs by design. */
export function normalise(buf: Buffer, dynamicUnder: string): Normalised {
  const p = dnsPacket.decode(buf);
  const rr = (a: dnsPacket.Answer) => {
    const name = a.name.toLowerCase();
    const dyn = a.type === "TXT" && name.endsWith(`.${dynamicUnder}`);
    const ttl = dyn ? "-" : String((a as { ttl?: number }).ttl);
    return `${name} ${a.type} ${(a as { class?: string }).class} ${ttl} ${dyn ? "<heartbeat>" : rdata(a)}`;
  };
  const opt = (p.additionals ?? []).find((a) => a.type === "OPT") as dnsPacket.OptAnswer | undefined;
  const ext = opt ? (opt.extendedRcode ?? 0) : 0;
  const qlen = buf.length >= 12 ? questionLength(buf) : 0;
  return {
    rcode: (ext << 4) | (RCODES[(p as { rcode?: string }).rcode ?? "NOERROR"] ?? -1),
    aa: Boolean(p.flag_aa),
    tc: Boolean(p.flag_tc),
    question: buf.subarray(12, 12 + qlen).toString("hex"),
    answer: (p.answers ?? []).map(rr).sort(),
    authority: (p.authorities ?? []).map(rr).sort(),
    additional: (p.additionals ?? [])
      .filter((a) => a.type !== "OPT")
      .map(rr)
      .sort(),
    opt: opt ? `OPT v${opt.ednsVersion} do=${Boolean(opt.flag_do)}` : "none",
  };
}

function questionLength(buf: Buffer): number {
  if (buf.readUInt16BE(4) === 0) return 0;
  let p = 12;
  while (p < buf.length && buf[p] !== 0) p += buf[p]! + 1;
  return p + 1 + 4 - 12;
}
