// Bounded memory under hostile load (a bounded, self-stopping flood on loopback): random names,
// oversized EDNS buffers and a TCP connection storm at once, while a legitimate client from
// another prefix keeps asking. Prints the share of legitimate queries answered and their latency;
// asserts RSS stays under the stated limit (docs/performance.md).
import { execFile } from "node:child_process";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildQuery, udpExchange } from "../support/dns-client.ts";
import { CONFIG } from "./support/fixture.ts";
import { type ServeProcess, spawnServe } from "./support/spawn-serve.ts";

const run = promisify(execFile);
const RSS_LIMIT_MB = 150;
const SECONDS = 6;

let srv: ServeProcess;
beforeAll(async () => {
  // Rate limiting as deployed (on, defaults): the flood's prefix is limited, the legitimate one is not.
  srv = await spawnServe(CONFIG.replace("rateLimit: { enabled: false }", "rateLimit: { enabled: true }"));
});
afterAll(async () => {
  await srv?.stop();
});

Math.random()
  .toString(36)
  .slice(2, 2 + 1 + Math.floor(Math.random() * 10));

describe("hostile load", () => {
  it(`keeps RSS under ${RSS_LIMIT_MB} MB and keeps answering legitimate queries`, async () => {
    const end = Date.now() + SECONDS * 1000;
    let peak = srv.rssMb();
    const sampler = setInterval(() => {
      peak = Math.max(peak, srv.rssMb());
    }, 100);

    // 1. UDP flood from the attacker's prefix, from its own process (so the flood cannot starve
    // this process's legitimate client): random names, and big answers with 64 KiB EDNS buffers.
    const flooder = join(import.meta.dirname, "support", "flooder.ts");
    const flood = run(process.execPath, [
      "--import",
      "tsx",
      flooder,
      srv.host,
      String(srv.port),
      String(SECONDS),
      "127.0.0.200",
      "400000",
    ]).then((r) => Number(r.stdout.trim()));

    // 2. TCP storm: connections that start a message and stall, more than the server accepts.
    const storm: Socket[] = [];
    const stormer = (async () => {
      for (let i = 0; i < 800 && Date.now() < end; i++) {
        const s = connect({ host: srv.host, port: srv.port, localAddress: "127.0.0.201" }, () =>
          s.write(Buffer.from([0xff, 0xff, 1, 2, 3])),
        );
        s.on("error", () => {});
        storm.push(s);
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // 3. The legitimate client, from another prefix.
    const latencies: number[] = [];
    let asked = 0;
    const legit = (async () => {
      const q = buildQuery({ name: "db.gslb.example.com", type: 1 });
      while (Date.now() < end) {
        asked++;
        const t0 = performance.now();
        const r = await udpExchange(srv.host, srv.port, q, 1000, "127.0.1.1");
        if (r) latencies.push(performance.now() - t0);
        await new Promise((r2) => setTimeout(r2, 20));
      }
    })();

    const flooded = await flood;
    await Promise.all([stormer, legit]);
    clearInterval(sampler);
    for (const s of storm) s.destroy();
    peak = Math.max(peak, srv.rssMb());
    latencies.sort((a, b) => a - b);
    const share = latencies.length / asked;
    const p = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
    console.log(
      `hostile load ${SECONDS}s: ${flooded} flood queries (${(flooded / SECONDS).toFixed(0)}/s), ${storm.length} TCP connections; ` +
        `legitimate: ${latencies.length}/${asked} answered (${(share * 100).toFixed(1)} %), p50 ${p(0.5).toFixed(2)} ms, p99 ${p(0.99).toFixed(2)} ms; ` +
        `server RSS peak ${peak.toFixed(1)} MB (limit ${RSS_LIMIT_MB})`,
    );
    expect(peak).toBeLessThan(RSS_LIMIT_MB);
    // The flood competes for the same socket buffer as everyone else (the kernel drops before
    // rate limiting can tell sources apart); most legitimate queries must still get through.
    expect(share).toBeGreaterThan(0.5);
    expect(srv.proc.exitCode).toBeNull();
  });
});
