// A replaying attacker at a region's address: it answers every TXT question under the region's
// heartbeat subzone with a TXT it recorded earlier (a genuine, correctly signed heartbeat, but
// for an old nonce), owner rewritten to the new question so a resolver accepts it. Anything else
// is REFUSED. Built on the general codec.
import { createSocket } from "node:dgram";
import {
  canonicalName,
  decodeMessage,
  encodeMessage,
  NO_FLAGS,
  Rcode,
  RRClass,
  RRType,
  txtRData,
} from "../../../src/dns/message.ts";

export interface Replayer {
  answered(): number;
  stop(): Promise<void>;
}

export async function startReplayer(
  host: string,
  subzone: string,
  recorded: readonly string[],
): Promise<Replayer> {
  const sock = createSocket("udp4");
  let answered = 0;
  sock.on("message", (wire, rinfo) => {
    let q: ReturnType<typeof decodeMessage>;
    try {
      q = decodeMessage(wire);
    } catch {
      return;
    }
    const question = q.questions[0];
    if (!question) return;
    const ours = canonicalName(question.name).endsWith(`.${subzone}`) && question.type === RRType.TXT;
    if (ours) answered += 1;
    const out = encodeMessage({
      id: q.id,
      flags: { ...NO_FLAGS, qr: true, aa: ours, rd: q.flags.rd, rcode: ours ? Rcode.NOERROR : Rcode.REFUSED },
      questions: [question],
      answers: ours
        ? [{ name: question.name, type: RRType.TXT, class: RRClass.IN, ttl: 0, rdata: txtRData(...recorded) }]
        : [],
      authorities: [],
      additionals: [],
    });
    sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(53, host, r));
  return {
    answered: () => answered,
    stop: () => new Promise<void>((r) => sock.close(() => r())),
  };
}
