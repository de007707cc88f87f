// Hostile input over real sockets: fast-check generates malformed, truncated, oversized and random
// messages; the server process must not die, must never send a malformed message, and must still
// answer correctly afterwards.
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import * as dnsPacket from "dns-packet";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildQuery, tcpExchange, udpExchange } from "../support/dns-client.ts";
import { CONFIG } from "./support/fixture.ts";
import { type ServeProcess, spawnServe } from "./support/spawn-serve.ts";

let srv: ServeProcess;
beforeAll(async () => {
  srv = await spawnServe(CONFIG);
});
afterAll(async () => {
  await srv?.stop();
});

const valid = buildQuery({ name: "app.gslb.example.com", type: 1, edns: { udpSize: 1232 } });
const SENTINEL_ID = 0xbeef;
const sentinel = buildQuery({ id: SENTINEL_ID, name: "db.gslb.example.com", type: 1 });

/**
 * Send a hostile message, then a valid sentinel on the same socket. The single-threaded server
 * answers in order, so everything that arrives before the sentinel's answer is the hostile
 * message's answer (or nothing, when it was dropped): no waiting on timeouts.
 */
function udpWithSentinel(msg: Buffer): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    const got: Buffer[] = [];
    const t = setTimeout(() => {
      s.close();
      reject(new Error("no answer to the sentinel: is the server alive?"));
    }, 2000);
    s.on("message", (m) => {
      if (m.length >= 2 && m.readUInt16BE(0) === SENTINEL_ID && m.length > 12 && m.readUInt16BE(6) === 1) {
        clearTimeout(t);
        s.close();
        resolve(got);
      } else got.push(m);
    });
    s.send(msg, srv.port, srv.host, () => s.send(sentinel, srv.port, srv.host));
  });
}

/** Malformed messages: random bytes, and valid queries mutated (cut, flipped, stretched, counts lied about). */
const hostile = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 700 }),
  fc
    .tuple(
      fc.nat(valid.length),
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    )
    .map(([cut, flips]) => {
      const b = Buffer.from(valid);
      for (const [i, v] of flips) b[i] = v;
      return b.subarray(0, Math.max(cut, 0));
    }),
  fc
    .tuple(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffff }),
    )
    .map(([an, ns, ar]) => {
      const b = Buffer.from(valid);
      b.writeUInt16BE(an, 6);
      b.writeUInt16BE(ns, 8);
      b.writeUInt16BE(ar, 10);
      return b;
    }),
  // Compression pointer loops and forward pointers in the additional section.
  fc.integer({ min: 0, max: 0x3fff }).map((target) => {
    const b = Buffer.concat([
      valid,
      Buffer.from([0xc0 | (target >> 8), target & 0xff, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]),
    ]);
    b.writeUInt16BE(2, 10);
    return b;
  }),
  // Oversized: a valid header and question followed by kilobytes of junk.
  fc
    .uint8Array({ minLength: 1000, maxLength: 4000 })
    .map((junk) => Buffer.concat([valid, Buffer.from(junk)])),
);

function assertWellFormed(query: Uint8Array, resp: Buffer, transport: "udp" | "tcp"): void {
  const p = dnsPacket.decode(resp); // throws on a malformed message
  expect(resp.readUInt16BE(0)).toBe(Buffer.from(query).readUInt16BE(0));
  expect(p.flag_qr).toBe(true);
  if (transport === "udp") expect(resp.length).toBeLessThanOrEqual(1232);
}

async function stillAnswers(): Promise<void> {
  const r = await udpExchange(
    srv.host,
    srv.port,
    buildQuery({ id: 4242, name: "db.gslb.example.com", type: 1 }),
    1000,
  );
  expect(r).toBeDefined();
  const p = dnsPacket.decode(r!);
  expect(p.answers?.map((a) => (a as { data?: unknown }).data)).toEqual(["10.0.1.10"]);
  expect(srv.proc.exitCode).toBeNull();
}

describe("robustness under hostile input (real process, real sockets)", () => {
  it("UDP: never crashes, never answers with a malformed message", async () => {
    let answered = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(hostile, async (msg) => {
        runs++;
        const resps = await udpWithSentinel(Buffer.from(msg));
        expect(resps.length).toBeLessThanOrEqual(1);
        for (const resp of resps) {
          answered++;
          assertWellFormed(msg, resp, "udp");
        }
      }),
      { numRuns: 3000, seed: 20261121, verbose: true },
    );
    console.log(`udp fuzz: ${runs} messages, ${answered} answered`);
    await stillAnswers();
  });

  it("TCP: framed hostile messages, several per connection; still answers afterwards", async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { minLength: 1, maxLength: 4 }), async (msgs) => {
        const all = await tcpExchange(
          srv.host,
          srv.port,
          [...msgs.map((m) => Buffer.from(m)), sentinel],
          2000,
          (m) => m.readUInt16BE(0) === SENTINEL_ID && m.readUInt16BE(6) === 1,
        );
        // Answers come in order; the last must be the sentinel's, proving the connection survived.
        expect(all.at(-1)?.readUInt16BE(0)).toBe(SENTINEL_ID);
        for (const r of all.slice(0, -1)) {
          answered++;
          expect(() => dnsPacket.decode(r)).not.toThrow();
        }
      }),
      { numRuns: 600, seed: 20261122, verbose: true },
    );
    console.log(`tcp fuzz: ${answered} answers`);
    await stillAnswers();
  });

  it("TCP: a length prefix that lies, and a connection cut mid-message, do not hurt", async () => {
    for (const bytes of [
      Buffer.from([0xff, 0xff, 1, 2, 3]),
      Buffer.from([0x00]),
      Buffer.from([0x00, 0x05, 0x12]),
    ]) {
      await new Promise<void>((resolve) => {
        const s = connect({ host: srv.host, port: srv.port }, () => {
          s.write(bytes);
          setTimeout(() => {
            s.destroy();
            resolve();
          }, 50);
        });
        s.on("error", () => resolve());
      });
    }
    await stillAnswers();
    const [r] = await tcpExchange(srv.host, srv.port, [valid]);
    expect(dnsPacket.decode(r!).answers?.length).toBe(3);
  });
});
