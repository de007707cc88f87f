// TCP bounds (RFC 7766 §6.2.3): connection cap, idle timeout, queries per connection, slow or
// partial senders, and a client that sends but never reads.
import { connect, type Socket } from "node:net";
import * as dnsPacket from "dns-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildQuery, tcpExchange, udpExchange } from "../support/dns-client.ts";
import { CONFIG } from "./support/fixture.ts";
import { type ServeProcess, spawnServe } from "./support/spawn-serve.ts";

let srv: ServeProcess;
beforeAll(async () => {
  srv = await spawnServe(
    `${CONFIG}tcp: { maxConnections: 20, idleTimeout: 1, maxQueriesPerConnection: 10 }\n`,
  );
});
afterAll(async () => {
  await srv?.stop();
});

const q = (id: number) => buildQuery({ id, name: "db.gslb.example.com", type: 1 });
const frame = (m: Buffer) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]);

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: srv.host, port: srv.port }, () => resolve(s));
    s.on("error", reject);
  });
}
const closedWithin = (s: Socket, ms: number) =>
  new Promise<number>((resolve, reject) => {
    const t0 = Date.now();
    const t = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    s.once("close", () => {
      clearTimeout(t);
      resolve(Date.now() - t0);
    });
  });

describe("TCP bounds", () => {
  it("closes an idle connection after the idle timeout", async () => {
    const s = await open();
    const ms = await closedWithin(s, 3000);
    expect(ms).toBeGreaterThanOrEqual(900);
  });

  it("closes a connection that starts a message and never finishes it, even if it trickles", async () => {
    const s = await open();
    s.write(Buffer.from([0x01, 0xf4, 1, 2, 3])); // promises 500 bytes
    const trickle = setInterval(() => s.writable && s.write(Buffer.from([0])), 300); // keeps it "active"
    try {
      const ms = await closedWithin(s, 3000);
      expect(ms).toBeLessThan(2000);
    } finally {
      clearInterval(trickle);
    }
  });

  it("answers at most maxQueriesPerConnection queries, then closes", async () => {
    const answers = await tcpExchange(
      srv.host,
      srv.port,
      Array.from({ length: 15 }, (_, i) => q(i + 1)),
      2000,
    );
    expect(answers).toHaveLength(10);
  });

  it("caps concurrent connections and still serves after the storm", async () => {
    const socks = await Promise.all(Array.from({ length: 60 }, () => open().catch(() => undefined)));
    await new Promise((r) => setTimeout(r, 300));
    const alive = socks.filter((s) => s && !s.destroyed && s.readyState === "open");
    // Connections beyond the cap are closed by the server at once.
    const stillOpen = await Promise.all(
      alive.map(
        (s) =>
          new Promise<boolean>((resolve) => {
            s!.write(frame(q(9)));
            s!.once("data", () => resolve(true));
            s!.once("close", () => resolve(false));
            setTimeout(() => resolve(false), 1500);
          }),
      ),
    );
    const served = stillOpen.filter(Boolean).length;
    console.log(`connection storm: 60 opened, ${served} served (cap 20)`);
    expect(served).toBeLessThanOrEqual(20);
    expect(served).toBeGreaterThan(0);
    for (const s of socks) s?.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const [a] = await tcpExchange(srv.host, srv.port, [q(77)]);
    expect(dnsPacket.decode(a!).answers).toHaveLength(1);
  });

  it("stops reading from a client that sends without reading; memory stays bounded, others are served", async () => {
    const before = srv.rssMb();
    const hog = await open();
    hog.pause(); // never read
    const burst = Buffer.concat(
      Array.from({ length: 3000 }, (_, i) =>
        frame(buildQuery({ id: i, name: "big.gslb.example.com", type: 1 })),
      ),
    );
    for (let i = 0; i < 20; i++) hog.write(burst);
    await new Promise((r) => setTimeout(r, 800));
    const during = srv.rssMb();
    const other = await udpExchange(srv.host, srv.port, q(5));
    expect(dnsPacket.decode(other!).answers).toHaveLength(1);
    console.log(
      `non-reading client: ${(burst.length * 20) / 1e6} MB of queries sent; server RSS ${before.toFixed(0)} → ${during.toFixed(0)} MB`,
    );
    expect(during - before).toBeLessThan(30);
    hog.destroy();
  });
});

describe("TCP bounds, regressions from review", () => {
  it("keeps a pipelining client whose chunks never line up with messages (each write ends one and starts the next)", async () => {
    const s = await open();
    let answers = 0;
    s.on("data", (d) => {
      answers += d.length > 0 ? 1 : 0;
    });
    const f = frame(q(1));
    // First write: a message's first half. Then every 150 ms: its second half + the next one's first half.
    const half = Math.floor(f.length / 2);
    s.write(f.subarray(0, half));
    let closed = false;
    s.on("close", () => {
      closed = true;
    });
    for (let i = 0; i < 9; i++) {
      await new Promise((r) => setTimeout(r, 150));
      s.write(Buffer.concat([f.subarray(half), f.subarray(0, half)]));
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false); // 1.45 s > idleTimeout 1 s, but a message completed every 150 ms
    expect(answers).toBeGreaterThan(0);
    s.destroy();
  });
});
