// A tiny recursive resolver standing in for a public one when unbound is not installed (or the
// demo cannot bind port 53). It serves only the zone: for a name under Z it starts at the regions'
// responders (as unbound's stub zone does), asks without recursion, and follows referrals (the
// heartbeat subzone `<region>.hb.Z` is delegated to `ns-<region>.Z`, glue in additional) to the
// server that answers with authority. A server that does not answer within `perServerMs` is
// skipped; when no server of the current step answers, the client gets SERVFAIL, which is exactly
// what a prober counts as a down vote (src/core/probe-votes.ts). Servers that failed recently are
// tried last, as a resolver's infra cache does. UDP only: the demo's answers are small.

import { randomInt } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import type { Clock } from "../core/clock.ts";
import { RCODE } from "../dns/constants.ts";
import { exchange, type ServerAddress } from "../dns/dns-exchange.ts";
import {
  type DecodedMessage,
  DnsFormatError,
  decodeMessage,
  encodeMessage,
  NO_FLAGS,
  Opcode,
  optRecord,
  type Question,
  type ResourceRecord,
  RRType,
} from "../dns/message.ts";

export interface BuiltinWitnessOptions {
  readonly address: string;
  readonly port: number;
  readonly zone: string;
  /** Where resolution of Z starts: every region's responder. */
  readonly stubs: readonly ServerAddress[];
  /** The port glue addresses are asked on (53 in the world; the demo's port otherwise). */
  readonly gluePort: number;
  readonly clock: Clock;
  readonly perServerMs?: number;
  /** The demo's isolation: questions to these servers are lost (they time out). */
  readonly blocked?: (host: string) => boolean;
}

export interface BuiltinWitness {
  readonly address: string;
  readonly port: number;
  stop(): Promise<void>;
}

const MAX_HOPS = 4;
/** How long a server that did not answer is tried last. */
const FAILED_MEMORY_MS = 5_000;

interface Outcome {
  readonly rcode: number;
  readonly answers: readonly ResourceRecord[];
  readonly authorities: readonly ResourceRecord[];
}

const under = (name: string, zone: string) => name === zone || name.endsWith(`.${zone}`);

export async function startBuiltinWitness(o: BuiltinWitnessOptions): Promise<BuiltinWitness> {
  const perServerMs = o.perServerMs ?? 300;
  const zone = o.zone.toLowerCase();
  const failedAt = new Map<string, number>();
  const key = (s: ServerAddress) => `${s.host}:${s.port}`;

  const ask = async (server: ServerAddress, q: Question): Promise<DecodedMessage | undefined> => {
    if (o.blocked?.(server.host)) {
      await new Promise<void>((r) => o.clock.setTimeout(() => r(), perServerMs));
      failedAt.set(key(server), o.clock.now());
      return undefined;
    }
    const wire = encodeMessage({
      id: randomInt(0, 0x10000),
      flags: { ...NO_FLAGS, opcode: Opcode.QUERY },
      questions: [q],
      answers: [],
      authorities: [],
      additionals: [optRecord(1232)],
    });
    const r = await exchange(wire, { server, timeoutMs: perServerMs, clock: o.clock });
    if (r.kind !== "response") {
      failedAt.set(key(server), o.clock.now());
      return undefined;
    }
    failedAt.delete(key(server));
    return r.msg;
  };

  const ordered = (servers: readonly ServerAddress[]) => {
    const now = o.clock.now();
    const recent = (s: ServerAddress) => now - (failedAt.get(key(s)) ?? -Infinity) < FAILED_MEMORY_MS;
    return [...servers.filter((s) => !recent(s)), ...servers.filter(recent)];
  };

  const resolve = async (q: Question): Promise<Outcome> => {
    let servers: readonly ServerAddress[] = o.stubs;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      let next: ServerAddress[] | undefined;
      for (const server of ordered(servers)) {
        const m = await ask(server, q);
        // A lame answer (SERVFAIL, REFUSED) sends us to the next server, as a resolver does.
        if (!m || (m.rcode !== RCODE.NOERROR && m.rcode !== RCODE.NXDOMAIN)) continue;
        if (m.flags.aa || m.answers.length > 0)
          return { rcode: m.rcode, answers: m.answers, authorities: m.authorities };
        // RFC 1034 §4.3.2: a referral names the servers of a zone closer to the question.
        const ns = m.authorities.filter((r) => r.type === RRType.NS && r.rdata.kind === "name");
        const glue = m.additionals.filter(
          (r) =>
            r.type === RRType.A &&
            r.rdata.kind === "a" &&
            ns.some((n) => n.rdata.kind === "name" && n.rdata.target.toLowerCase() === r.name.toLowerCase()),
        );
        if (glue.length === 0) continue;
        next = glue.map((g) => ({ host: (g.rdata as { address: string }).address, port: o.gluePort }));
        break;
      }
      if (!next) break;
      servers = next;
    }
    return { rcode: RCODE.SERVFAIL, answers: [], authorities: [] };
  };

  let open = true;
  const sock: Socket = createSocket("udp4");
  sock.on("message", (wire, rinfo) => {
    let query: DecodedMessage;
    try {
      query = decodeMessage(wire);
    } catch (e) {
      if (e instanceof DnsFormatError) return;
      throw e;
    }
    const q = query.questions[0];
    if (query.flags.qr || !q) return;
    const reply = (r: Outcome) => {
      const out = encodeMessage({
        id: query.id,
        flags: { ...NO_FLAGS, qr: true, rd: query.flags.rd, ra: true, rcode: r.rcode },
        questions: [q],
        answers: r.answers,
        authorities: r.authorities,
        additionals: query.opt ? [optRecord(1232)] : [],
      });
      // The witness may have been stopped while it resolved.
      if (open) sock.send(out, rinfo.port, rinfo.address);
    };
    if (!under(q.name.toLowerCase(), zone)) {
      reply({ rcode: RCODE.REFUSED, answers: [], authorities: [] });
      return;
    }
    resolve(q).then(reply, () => reply({ rcode: RCODE.SERVFAIL, answers: [], authorities: [] }));
  });
  await new Promise<void>((res, rej) => {
    sock.once("error", rej);
    sock.bind(o.port, o.address, () => {
      sock.off("error", rej);
      res();
    });
  });
  return {
    address: o.address,
    port: o.port,
    stop: () =>
      new Promise<void>((r) => {
        open = false;
        sock.close(() => r());
      }),
  };
}
