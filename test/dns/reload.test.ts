// Reload on SIGHUP and on file change: a good file is swapped in whole, a bad one is rejected with
// the reason logged while the old zone keeps answering, and no query is lost or half-answered.
import { writeFileSync } from "node:fs";
import * as dnsPacket from "dns-packet";
import { afterEach, describe, expect, it } from "vitest";
import { buildQuery, freePort, tcpExchange, udpExchange } from "../support/dns-client.ts";
import { CONFIG } from "./support/fixture.ts";
import { type ServeProcess, spawnServe } from "./support/spawn-serve.ts";

let srv: ServeProcess | undefined;
afterEach(async () => {
  await srv?.stop();
  srv = undefined;
});

async function ask(s: ServeProcess, name: string, type = 1) {
  const r = await udpExchange(s.host, s.port, buildQuery({ name, type }), 1000);
  if (!r) return undefined;
  return dnsPacket.decode(r);
}
const addresses = (p: dnsPacket.Packet | undefined) =>
  (p?.answers ?? []).map((a) => String((a as { data?: unknown }).data)).sort();
async function serial(s: ServeProcess): Promise<number> {
  const p = await ask(s, "gslb.example.com", 6);
  const soa = p?.answers?.[0] as { data?: dnsPacket.SoaData } | undefined;
  return soa?.data?.serial ?? -1;
}
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("condition not reached in time");
}

const moved = CONFIG.replace("primary: eu", "primary: us");

describe("reload", () => {
  it("applies a changed file on SIGHUP and moves the serial forward", async () => {
    srv = await spawnServe(CONFIG);
    const s0 = await serial(srv);
    expect(addresses(await ask(srv, "db.gslb.example.com"))).toEqual(["10.0.1.10"]);
    writeFileSync(srv.configPath, moved);
    srv.proc.kill("SIGHUP");
    await eventually(async () => addresses(await ask(srv!, "db.gslb.example.com"))[0] === "10.0.2.10");
    expect(await serial(srv)).toBeGreaterThan(s0);
    expect(srv.logs()).toMatch(/"decision":"reload-applied"/);
  });

  it("reloads by itself when the file changes", async () => {
    srv = await spawnServe(CONFIG);
    writeFileSync(srv.configPath, moved);
    await eventually(async () => addresses(await ask(srv!, "db.gslb.example.com"))[0] === "10.0.2.10");
  });

  it("rejects a bad file with the field and reason logged, and keeps answering from the old zone", async () => {
    srv = await spawnServe(CONFIG);
    const s0 = await serial(srv);
    writeFileSync(srv.configPath, CONFIG.replace("primary: eu", "primary: mars"));
    srv.proc.kill("SIGHUP");
    await eventually(async () => /reload-rejected/.test(srv!.logs()));
    const line = srv
      .logs()
      .split("\n")
      .find((l) => l.includes("reload-rejected"))!;
    const entry = JSON.parse(line) as { level: string; reason: string };
    expect(entry.level).toBe("error");
    expect(entry.reason).toContain('hosts[1].primary: "mars" is not a configured region');
    expect(addresses(await ask(srv, "db.gslb.example.com"))).toEqual(["10.0.1.10"]);
    expect(await serial(srv)).toBe(s0);
  });

  it("loses no query and never answers from a half-built zone across 20 reloads under load", async () => {
    srv = await spawnServe(CONFIG);
    const a = ["10.0.1.10"];
    const b = ["10.0.2.10"];
    let stop = false;
    let sent = 0;
    let lost = 0;
    const seen = { a: 0, b: 0 };
    const bad: string[] = [];
    const load = (async () => {
      // 8 concurrent askers, each one query at a time.
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (!stop) {
            sent++;
            const p = await ask(srv!, "db.gslb.example.com");
            if (!p) {
              lost++;
              continue;
            }
            const got = addresses(p);
            if (JSON.stringify(got) === JSON.stringify(a)) seen.a++;
            else if (JSON.stringify(got) === JSON.stringify(b)) seen.b++;
            else bad.push(JSON.stringify(got));
          }
        }),
      );
    })();
    // Each reload is awaited (the serial moves) before the next write: with a fixed pause, a loaded
    // machine coalesced the reloads and every one read the same file, so 20 "reloads" could serve
    // one zone throughout (seen in CI at load average 9).
    for (let i = 0; i < 20; i++) {
      const before = await serial(srv);
      writeFileSync(srv.configPath, i % 2 === 0 ? moved : CONFIG);
      srv.proc.kill("SIGHUP");
      await eventually(async () => (await serial(srv!)) > before, 15_000);
    }
    stop = true;
    await load;
    console.log(
      `reload under load: ${sent} queries, ${lost} lost, ${seen.a} old-primary answers, ${seen.b} new-primary answers`,
    );
    expect(lost).toBe(0);
    expect(bad).toEqual([]);
    expect(seen.a).toBeGreaterThan(0);
    expect(seen.b).toBeGreaterThan(0);
  });

  it("exposes queries by rcode, qtype and transport, answer latency, serial and reloads as Prometheus metrics", async () => {
    const mport = await freePort("127.0.0.1");
    srv = await spawnServe(CONFIG, undefined, ["--metrics", `127.0.0.1:${mport}`]);
    for (let i = 0; i < 40; i++) await ask(srv, "app.gslb.example.com");
    await ask(srv, "nope.gslb.example.com");
    await tcpExchange(srv.host, srv.port, [buildQuery({ name: "gslb.example.com", type: 6 })]);
    writeFileSync(srv.configPath, CONFIG.replace("primary: eu", "primary: mars"));
    srv.proc.kill("SIGHUP");
    await eventually(async () => /reload-rejected/.test(srv!.logs()));
    const text = await (await fetch(`http://127.0.0.1:${mport}/metrics`)).text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
    expect(
      value(/splitguard_dns_queries_total\{rcode="NOERROR",qtype="A",transport="udp"\} (\d+)/),
    ).toBeGreaterThanOrEqual(40);
    expect(value(/splitguard_dns_queries_total\{rcode="NXDOMAIN",qtype="A",transport="udp"\} (\d+)/)).toBe(1);
    expect(value(/splitguard_dns_queries_total\{rcode="NOERROR",qtype="SOA",transport="tcp"\} (\d+)/)).toBe(
      1,
    );
    expect(value(/splitguard_dns_answer_seconds_count\{transport="udp"\} (\d+)/)).toBeGreaterThan(0);
    expect(value(/splitguard_dns_zone_serial (\d+)/)).toBe(await serial(srv));
    expect(value(/splitguard_dns_reloads_total\{result="rejected"\} (\d+)/)).toBe(1);
  });
});
