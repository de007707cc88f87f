// A TSIG-signed DNS client for one authoritative server: direct queries (RD=0, never through a
// cache) and RFC 2136 UPDATE messages. Every request is signed and every response must verify
// (RFC 8945 §5.4) before its RCODE means anything; an unverifiable answer is an error, never a
// result, because a forged "NOERROR" to a compare-and-swap would let two regions believe they
// hold the same lease.
import { randomInt } from "node:crypto";
import type { Clock } from "../core/clock.ts";
import { RCODE } from "./constants.ts";
import { exchange, type ServerAddress } from "./dns-exchange.ts";
import {
  canonicalName,
  type DecodedMessage,
  encodeMessage,
  NO_FLAGS,
  Opcode,
  optRecord,
  type Question,
  Rcode,
  type ResourceRecord,
  RRClass,
  RRType,
  rcodeName,
} from "./message.ts";
import { DEFAULT_FUDGE, signMessage, type TsigKey, verifyResponse } from "./tsig.ts";

export interface DnsServerClientOptions {
  /** Names the server in every error, e.g. "bind-1 127.0.0.21:53". */
  readonly name: string;
  readonly server: ServerAddress;
  readonly key: TsigKey;
  /**
   * Other keys of this witness (a TSIG key rotation, runbooks/rotate-tsig-key.md), tried in order
   * only when the server answers BADKEY: it does not know the signing key (not configured there
   * yet, or already removed). A BADKEY answer is unsigned, so a forger can at most make us use
   * another configured key, whose answer must then verify under that key.
   */
  readonly fallbackKeys?: readonly TsigKey[];
  /** Wall-clock time (TSIG time signed is seconds since the epoch, RFC 8945 §4.2). */
  readonly clock: Clock;
  readonly fudge?: number;
  /** Advertise EDNS(0) with this UDP payload size on queries (RFC 6891 §6.2.3); 0 = no OPT. */
  readonly ednsUdpSize?: number;
  readonly tcpOnly?: boolean;
}

export type SignedResult =
  | { readonly kind: "response"; readonly msg: DecodedMessage; readonly via: "udp" | "tcp" }
  | { readonly kind: "error"; readonly reason: string };

export class DnsServerClient {
  constructor(readonly opts: DnsServerClientOptions) {}

  get name(): string {
    return this.opts.name;
  }

  private async send(
    opcode: number,
    questions: Question[],
    sections: { answers?: ResourceRecord[]; authorities?: ResourceRecord[]; additionals?: ResourceRecord[] },
    timeoutMs: number,
  ): Promise<SignedResult> {
    // Safe to repeat, even for an UPDATE: a request the server answers BADKEY was not applied
    // (RFC 8945 §5.2: the signature is checked before the message is processed).
    let r = await this.sendWith(this.opts.key, opcode, questions, sections, timeoutMs);
    for (const key of this.opts.fallbackKeys ?? []) {
      if (!r.badKey) break;
      r = await this.sendWith(key, opcode, questions, sections, timeoutMs);
    }
    const { badKey: _, ...result } = r;
    return result as SignedResult;
  }

  private async sendWith(
    key: TsigKey,
    opcode: number,
    questions: Question[],
    sections: { answers?: ResourceRecord[]; authorities?: ResourceRecord[]; additionals?: ResourceRecord[] },
    timeoutMs: number,
  ): Promise<SignedResult & { badKey?: boolean }> {
    const id = randomInt(0, 0x10000);
    const wire = encodeMessage({
      id,
      flags: { ...NO_FLAGS, opcode },
      questions,
      answers: sections.answers ?? [],
      authorities: sections.authorities ?? [],
      additionals: sections.additionals ?? [],
    });
    const signed = signMessage(wire, key, this.opts.clock.now() / 1000, this.opts.fudge ?? DEFAULT_FUDGE);
    const r = await exchange(signed.wire, {
      server: this.opts.server,
      timeoutMs,
      clock: this.opts.clock,
      tcpOnly: this.opts.tcpOnly ?? signed.wire.length > 512,
    });
    if (r.kind === "timeout") return { kind: "error", reason: `${this.name}: timeout (${r.detail})` };
    if (r.kind === "error") return { kind: "error", reason: `${this.name}: ${r.reason}` };
    const q = questions[0]!;
    const rq = r.msg.questions[0];
    // The question (or zone) section must be ours (RFC 2136 §3.8 echoes the zone section).
    if (
      r.msg.questions.length > 0 &&
      (rq === undefined || canonicalName(rq.name) !== canonicalName(q.name) || rq.type !== q.type)
    )
      return { kind: "error", reason: `${this.name}: response is for another question` };
    const v = verifyResponse(r.msg, r.wire, key, signed.mac, this.opts.clock.now() / 1000);
    if (v.kind === "error")
      return {
        kind: "error",
        // With several keys (a rotation), say which one the server answered about.
        reason: `${this.name}: ${v.reason}${this.opts.fallbackKeys?.length ? ` (key ${key.name})` : ""}`,
        ...(v.tsigError === RCODE.BADKEY ? { badKey: true } : {}),
      };
    return { kind: "response", msg: r.msg, via: r.via };
  }

  /** A direct, signed, non-recursive query (RD=0): the server must answer from its own zone. */
  async query(name: string, type: number, timeoutMs: number): Promise<SignedResult> {
    const size = this.opts.ednsUdpSize ?? 1232;
    const r = await this.send(
      Opcode.QUERY,
      [{ name, type, class: RRClass.IN }],
      { additionals: size > 0 ? [optRecord(size)] : [] },
      timeoutMs,
    );
    // A NOERROR or NXDOMAIN without AA did not come from the zone itself (RFC 1035 §4.1.1).
    if (
      r.kind === "response" &&
      (r.msg.rcode === Rcode.NOERROR || r.msg.rcode === Rcode.NXDOMAIN) &&
      !r.msg.flags.aa
    )
      return { kind: "error", reason: `${this.name}: answer for ${name} is not authoritative (AA=0)` };
    return r;
  }

  /**
   * An UPDATE (RFC 2136 §2): zone section = the zone's SOA, then the prerequisite and update
   * sections. The caller interprets the RCODE.
   */
  update(
    zone: string,
    prerequisites: ResourceRecord[],
    updates: ResourceRecord[],
    timeoutMs: number,
  ): Promise<SignedResult> {
    return this.send(
      Opcode.UPDATE,
      [{ name: zone, type: RRType.SOA, class: RRClass.IN }],
      { answers: prerequisites, authorities: updates },
      timeoutMs,
    );
  }
}

export function describeRcode(msg: DecodedMessage): string {
  return rcodeName(msg.rcode);
}
