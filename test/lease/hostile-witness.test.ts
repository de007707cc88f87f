// A fake witness on loopback that answers what a spoofer or a broken server would: the client must
// never turn an unverifiable answer into `ok`, must skip noise while it waits, and must stay in
// its time budget. (Real servers are in the other files of this tier.)
import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, RRClass, RRType, txtRData } from "../../src/dns/message.ts";
import { DnsServerClient } from "../../src/dns/rfc2136-client.ts";
import { Rfc2136LeaseTransport } from "../../src/dns/rfc2136-lease-transport.ts";
import { signMessage } from "../../src/dns/tsig.ts";
import { systemClock } from "../../src/shell/system-clock.ts";
import { randomKey } from "../support/witness-servers.ts";

const key = randomKey();
let server: Socket | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

/** Start a UDP responder; `answer` returns the datagrams to send back for one request. */
async function fake(answer: (req: Buffer) => Buffer[]): Promise<Rfc2136LeaseTransport> {
  server = createSocket("udp4");
  server.on("message", (req, rinfo) => {
    for (const d of answer(req)) server!.send(d, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => server!.bind(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return new Rfc2136LeaseTransport(
    new DnsServerClient({ name: "fake-1", server: { host: "127.0.0.1", port }, key, clock: systemClock }),
    "lease.splitguard.test",
  );
}

/** A response to `req` with `rcode`, optionally signed with `k` over the request's MAC. */
function reply(
  req: Buffer,
  rcode: number,
  sign?: typeof key,
  over: { id?: number; aa?: boolean } = {},
): Buffer {
  const q = decodeMessage(req);
  const wire = encodeMessage({
    id: over.id ?? q.id,
    flags: { ...q.flags, qr: true, aa: over.aa ?? true, rcode },
    questions: q.questions,
    answers:
      q.flags.opcode === 0 && rcode === 0
        ? [
            {
              name: q.questions[0]!.name,
              type: RRType.TXT,
              class: RRClass.IN,
              ttl: 0,
              rdata: txtRData("sg1 holder=mallory epoch=99 seq=0"),
            },
          ]
        : [],
    authorities: [],
    additionals: [],
  });
  if (!sign) return wire;
  return signMessage(wire, sign, Date.now() / 1000, 300, q.tsig!.rdata.mac).wire;
}

const CAS = [null, { holder: "eu", epoch: 1, seq: 0 }, 500] as const;

describe("a client that trusts only verified answers", () => {
  it("a genuine signed NOERROR is ok (the fake can sign: it knows the key)", async () => {
    const t = await fake((req) => [reply(req, 0, key)]);
    expect(await t.compareAndSwap("db", ...CAS)).toEqual({ kind: "ok" });
  });

  it("an unsigned NOERROR to a compare-and-swap is an error, not ok", async () => {
    const t = await fake((req) => [reply(req, 0)]);
    expect(await t.compareAndSwap("db", ...CAS)).toEqual({
      kind: "error",
      reason: "fake-1: response is not TSIG-signed (rcode NOERROR)",
    });
  });

  it("a NOERROR signed with another secret is BADSIG; an unsigned read is an error", async () => {
    const t = await fake((req) => [reply(req, 0, { ...key, secret: Buffer.alloc(32, 1) })]);
    expect(await t.compareAndSwap("db", ...CAS)).toMatchObject({
      kind: "error",
      reason: expect.stringMatching(/^fake-1: .*BADSIG/),
    });
    const u = await fake((req) => [reply(req, 0)]);
    expect(await u.read("db", 500)).toMatchObject({
      kind: "error",
      reason: expect.stringMatching(/not TSIG-signed/),
    });
  });

  it("a signed NXRRSET is a conflict; a signed non-authoritative answer to a read is an error", async () => {
    const t = await fake((req) => [reply(req, 8, key)]);
    expect(await t.compareAndSwap("db", ...CAS)).toEqual({ kind: "conflict" });
    const u = await fake((req) => [reply(req, 0, key, { aa: false })]);
    expect(await u.read("db", 500)).toMatchObject({
      kind: "error",
      reason: expect.stringMatching(/not authoritative/),
    });
  });

  it("skips garbage and responses with another ID, then takes the real answer", async () => {
    const t = await fake((req) => [
      Buffer.from("garbage"),
      reply(req, 0, key, { id: (decodeMessage(req).id + 1) & 0xffff }),
      reply(req, 0, key),
    ]);
    expect(await t.compareAndSwap("db", ...CAS)).toEqual({ kind: "ok" });
  });

  it("stays within its timeout when only noise arrives, and says so", async () => {
    const t = await fake(() => [Buffer.from([0, 1, 2])]);
    const t0 = performance.now();
    const r = await t.compareAndSwap("db", null, { holder: "eu", epoch: 1, seq: 0 }, 250);
    const took = performance.now() - t0;
    expect(r).toMatchObject({
      kind: "error",
      reason: expect.stringMatching(/timeout \(UDP after 250 ms: malformed response/),
    });
    expect(took).toBeGreaterThanOrEqual(245);
    expect(took).toBeLessThan(350);
  });
});
