// The prober's DNS transport: one TXT question to one server, UDP first with a per-attempt
// timeout, the retry budget spent on silence, TCP when the answer comes back truncated (RFC 1035
// §4.2.1, RFC 7766 §5; the exchange does that). Built on the general codec (message.ts) and the
// one exchange (dns-exchange.ts); what an answer proves is decided in core/probe-votes.ts.
import { randomInt } from "node:crypto";
import type { Clock } from "../core/clock.ts";
import type { QueryOutcome } from "../core/probe-votes.ts";
import type { ProbeQType, ProbeTransport, ServerEndpoint } from "../core/prober.ts";
import { exchange } from "./dns-exchange.ts";
import { canonicalName, encodeMessage, NO_FLAGS, Opcode, optRecord, RRClass, RRType } from "./message.ts";

export interface ProbeTransportOptions {
  readonly clock: Clock;
  /** The whole budget of one question, all attempts included (probe.timeout). */
  readonly timeoutMs: number;
  /** Further attempts after a silent one (probe.retries). */
  readonly retries: number;
  /** EDNS(0) UDP payload size advertised (RFC 6891 §6.2.5); 0 sends no OPT (512-octet answers). */
  readonly ednsUdpSize?: number;
}

export function dnsProbeTransport(opts: ProbeTransportOptions): ProbeTransport {
  const attempts = 1 + opts.retries;
  const perAttempt = Math.max(1, Math.floor(opts.timeoutMs / attempts));
  const size = opts.ednsUdpSize ?? 1232;
  return {
    async query(
      server: ServerEndpoint,
      name: string,
      recursive: boolean,
      type: ProbeQType = "TXT",
    ): Promise<QueryOutcome> {
      const qtype = RRType[type];
      const t0 = opts.clock.now();
      let last: QueryOutcome | undefined;
      for (let i = 0; i < attempts; i++) {
        const wire = encodeMessage({
          id: randomInt(0, 0x10000),
          flags: { ...NO_FLAGS, opcode: Opcode.QUERY, rd: recursive },
          questions: [{ name, type: qtype, class: RRClass.IN }],
          answers: [],
          authorities: [],
          additionals: size > 0 ? [optRecord(size)] : [],
        });
        const r = await exchange(wire, { server, timeoutMs: perAttempt, clock: opts.clock });
        const latencyMs = opts.clock.now() - t0;
        if (r.kind === "timeout") {
          last = {
            kind: "timeout",
            detail: `${attempts} attempt(s) of ${perAttempt} ms: ${r.detail}`,
            latencyMs,
          };
          continue;
        }
        if (r.kind === "error") {
          last = { kind: "error", reason: r.reason, latencyMs };
          continue;
        }
        const q = r.msg.questions[0];
        // The exchange matched ID and opcode; the question must be ours too (RFC 5452 §9.1).
        if (
          r.msg.questions.length !== 1 ||
          canonicalName(q!.name) !== canonicalName(name) ||
          q!.type !== qtype
        )
          return { kind: "error", reason: "response is for another question", latencyMs };
        const txtRR = r.msg.answers.find(
          (rr) =>
            rr.type === RRType.TXT &&
            rr.rdata.kind === "txt" &&
            canonicalName(rr.name) === canonicalName(name),
        );
        const txt =
          txtRR?.rdata.kind === "txt"
            ? txtRR.rdata.strings.map((s) => Buffer.from(s).toString("utf8"))
            : undefined;
        const addresses = r.msg.answers
          .filter((rr) => canonicalName(rr.name) === canonicalName(name))
          .flatMap((rr) => (rr.rdata.kind === "a" || rr.rdata.kind === "aaaa" ? [rr.rdata.address] : []));
        return {
          kind: "answer",
          rcode: r.msg.rcode,
          txt,
          addresses,
          aa: r.msg.flags.aa,
          via: r.via,
          latencyMs,
        };
      }
      return last!;
    },
  };
}
