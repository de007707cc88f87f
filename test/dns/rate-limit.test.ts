// Response rate limiting against a reflection flood: queries whose source is the victim's address
// (a socket bound to 127.0.0.200 plays the spoofed source), asking for a large answer. Measures
// the amplification factor (UDP bytes out / bytes in, from the server's own counters) with and
// without RRL, and checks that other clients, and the victim over TCP, are still answered.
import { createSocket } from "node:dgram";
import * as dnsPacket from "dns-packet";
import { afterEach, describe, expect, it } from "vitest";
import { buildQuery, freePort, tcpExchange, udpExchange } from "../support/dns-client.ts";
import { CONFIG } from "./support/fixture.ts";
import { type ServeProcess, spawnServe } from "./support/spawn-serve.ts";

let running: ServeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

const FLOOD = 3000;
const big = (id: number) =>
  buildQuery({ id, name: "big.gslb.example.com", type: 1, edns: { udpSize: 1232 } });

async function start(rateLimit: string): Promise<{ srv: ServeProcess; metrics: () => Promise<string> }> {
  const mport = await freePort("127.0.0.1");
  const srv = await spawnServe(
    CONFIG.replace("rateLimit: { enabled: false }", `rateLimit: ${rateLimit}`),
    undefined,
    ["--metrics", `127.0.0.1:${mport}`],
  );
  running.push(srv);
  return { srv, metrics: async () => (await fetch(`http://127.0.0.1:${mport}/metrics`)).text() };
}

/** FLOOD queries from the victim's address, in bursts of 100, replies counted but never needed. */
async function flood(srv: ServeProcess): Promise<{ received: number; truncated: number }> {
  const s = createSocket("udp4");
  let received = 0;
  let truncated = 0;
  s.on("message", (m) => {
    received++;
    if ((m[2]! & 0x02) !== 0) truncated++;
  });
  await new Promise<void>((r) => s.bind(0, "127.0.0.200", () => r()));
  for (let i = 0; i < FLOOD; i += 100) {
    await Promise.all(
      Array.from(
        { length: 100 },
        (_, j) => new Promise<void>((r) => s.send(big(i + j), srv.port, srv.host, () => r())),
      ),
    );
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 300));
  s.close();
  return { received, truncated };
}

const counter = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);

describe("response rate limiting under a spoofed-source flood", () => {
  it("cuts the amplification factor below 1 and still answers other clients and the victim over TCP", async () => {
    const off = await start("{ enabled: false }");
    const on = await start(
      "{ enabled: true, responsesPerSecond: 20, nxdomainsPerSecond: 10, errorsPerSecond: 10, slip: 2 }",
    );
    const results: Record<
      string,
      { amp: number; received: number; truncated: number; bytesIn: number; bytesOut: number }
    > = {};
    for (const [name, s] of [
      ["without RRL", off],
      ["with RRL", on],
    ] as const) {
      const f = await flood(s.srv);
      const m = await s.metrics();
      const bytesIn = counter(m, /splitguard_dns_udp_bytes_total\{direction="in"\} (\d+)/);
      const bytesOut = counter(m, /splitguard_dns_udp_bytes_total\{direction="out"\} (\d+)/);
      results[name] = { amp: bytesOut / bytesIn, bytesIn, bytesOut, ...f };
    }
    for (const [name, r] of Object.entries(results))
      console.log(
        `${name}: ${FLOOD} queries (${r.bytesIn} B in), ${r.received} answers (${r.truncated} truncated, ${r.bytesOut} B out): amplification ${r.amp.toFixed(2)}x`,
      );
    expect(results["without RRL"]!.amp).toBeGreaterThan(10);
    expect(results["with RRL"]!.amp).toBeLessThan(1);
    expect(results["with RRL"]!.truncated).toBeGreaterThan(0);
    const m = await on.metrics();
    expect(counter(m, /splitguard_dns_rrl_limited_total\{kind="answer"\} (\d+)/)).toBeGreaterThan(FLOOD / 2);
    expect(counter(m, /splitguard_dns_rrl_slipped_total (\d+)/)).toBeGreaterThan(0);

    // Another prefix is unaffected; the victim's prefix gets its answer over TCP.
    const other = await udpExchange(
      on.srv.host,
      on.srv.port,
      buildQuery({ name: "db.gslb.example.com", type: 1 }),
    );
    expect(dnsPacket.decode(other!).answers).toHaveLength(1);
    const [overTcp] = await tcpExchange(on.srv.host, on.srv.port, [big(7)]);
    expect(dnsPacket.decode(overTcp!).answers).toHaveLength(40);
  });

  it("does not limit a client that returns a valid server cookie (its address is proven)", async () => {
    const s = await start("{ enabled: true, responsesPerSecond: 5, slip: 0 }");
    const ask = async (cookie: Buffer) => {
      const r = await udpExchange(
        s.srv.host,
        s.srv.port,
        buildQuery({
          name: "db.gslb.example.com",
          type: 1,
          edns: { udpSize: 1232, options: [{ code: 10, data: cookie }] },
        }),
        500,
      );
      return r;
    };
    const first = await ask(Buffer.from("0102030405060708", "hex"));
    const opt = dnsPacket.decode(first!).additionals?.find((a) => a.type === "OPT") as dnsPacket.OptAnswer;
    const cookie = (opt.options as unknown as { code: number; data: Buffer }[]).find(
      (o) => o.code === 10,
    )!.data;
    expect(cookie.length).toBe(24);
    // 30 at once each: far past 5 per second.
    const withCookie = (await Promise.all(Array.from({ length: 30 }, () => ask(cookie)))).filter(
      Boolean,
    ).length;
    const fresh = Buffer.from("1112131415161718", "hex");
    const without = (await Promise.all(Array.from({ length: 30 }, () => ask(fresh)))).filter(Boolean).length;
    console.log(
      `cookies: 30 queries with a valid server cookie → ${withCookie} answered; 30 without → ${without}`,
    );
    expect(withCookie).toBe(30);
    expect(without).toBeLessThan(10);
  });

  it("regression (review): a reload that changes only the rate-limit settings takes effect", async () => {
    const s = await start("{ enabled: true, responsesPerSecond: 5, slip: 0 }");
    const burst = async () =>
      (
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            udpExchange(
              s.srv.host,
              s.srv.port,
              buildQuery({ id: i, name: "db.gslb.example.com", type: 1 }),
              400,
            ),
          ),
        )
      ).filter(Boolean).length;
    expect(await burst()).toBeLessThan(10);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(s.srv.configPath, CONFIG); // the fixture: rateLimit { enabled: false }
    s.srv.proc.kill("SIGHUP");
    let answered = 0;
    for (let i = 0; i < 40 && answered < 30; i++) {
      await new Promise((r) => setTimeout(r, 250));
      answered = await burst();
    }
    expect(answered).toBe(30);
  });
});
