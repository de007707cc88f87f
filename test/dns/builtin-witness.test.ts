// The built-in witness against two tiny authoritative servers on loopback: the stub answers a
// referral for the heartbeat subzone (NS in authority, glue in additional), the child answers with
// authority. Real UDP sockets, high ports.
import { afterEach, describe, expect, it } from "vitest";
import { type BuiltinWitness, startBuiltinWitness } from "../../src/demo/builtin-witness.ts";
import { RCODE } from "../../src/dns/constants.ts";
import { decodeMessage, encodeMessage, NO_FLAGS, RRClass, RRType, txtRData } from "../../src/dns/message.ts";
import { dnsProbeTransport } from "../../src/dns/probe-transport.ts";
import { type RunningServer, startDnsServer } from "../../src/dns/server.ts";
import { systemClock } from "../../src/shell/system-clock.ts";

const ZONE = "gslb.example.com";
const PORT = 20000 + Math.floor(Math.random() * 20000);
const STUB = "127.0.0.231";
const CHILD = "127.0.0.232";
const WITNESS = "127.0.0.233";

/** Answers every question the same way: `reply(name)` gives the sections. */
function server(
  host: string,
  reply: (name: string) => Parameters<typeof encodeMessage>[0]["answers"] | "referral",
) {
  return startDnsServer(
    {
      handle(query) {
        const q = decodeMessage(query);
        const question = q.questions[0]!;
        const r = reply(question.name);
        const base = { id: q.id, questions: [question], answers: [], authorities: [], additionals: [] };
        if (r === "referral")
          return encodeMessage({
            ...base,
            flags: { ...NO_FLAGS, qr: true },
            authorities: [
              {
                name: `us.hb.${ZONE}`,
                type: RRType.NS,
                class: RRClass.IN,
                ttl: 0,
                rdata: { kind: "name", target: `ns-us.${ZONE}` },
              },
            ],
            additionals: [
              {
                name: `ns-us.${ZONE}`,
                type: RRType.A,
                class: RRClass.IN,
                ttl: 0,
                rdata: { kind: "a", address: CHILD },
              },
            ],
          });
        return encodeMessage({ ...base, flags: { ...NO_FLAGS, qr: true, aa: true }, answers: r });
      },
    },
    host,
    PORT,
  );
}

const running: { stop?: () => Promise<void>; close?: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await (r.stop ?? r.close)!.call(r);
});

async function world(withChild: boolean): Promise<BuiltinWitness> {
  const stub: RunningServer = await server(STUB, () => "referral");
  running.push(stub);
  if (withChild) {
    const child = await server(CHILD, (name) => [
      { name, type: RRType.TXT, class: RRClass.IN, ttl: 0, rdata: txtRData("v=1 hello") },
    ]);
    running.push(child);
  }
  const w = await startBuiltinWitness({
    address: WITNESS,
    port: PORT,
    zone: ZONE,
    stubs: [{ host: STUB, port: PORT }],
    gluePort: PORT,
    clock: systemClock,
  });
  running.push(w);
  return w;
}

const ask = (name: string) =>
  dnsProbeTransport({ clock: systemClock, timeoutMs: 2000, retries: 0 }).query(
    { host: WITNESS, port: PORT },
    name,
    true,
  );

describe("built-in witness", () => {
  it("follows the referral to the glue and relays the authoritative answer", async () => {
    await world(true);
    const o = await ask(`n1.us.hb.${ZONE}`);
    expect(o).toMatchObject({ kind: "answer", rcode: RCODE.NOERROR, txt: ["v=1 hello"] });
  });

  it("answers SERVFAIL when the referred server does not answer (a down vote for the prober)", async () => {
    await world(false);
    const o = await ask(`n2.us.hb.${ZONE}`);
    expect(o).toMatchObject({ kind: "answer", rcode: RCODE.SERVFAIL });
  });

  it("refuses names outside the zone", async () => {
    await world(true);
    expect(await ask("example.org")).toMatchObject({ kind: "answer", rcode: RCODE.REFUSED });
  });
});
