// Benchmark (not a test): dnsperf against NSD and against splitguard serving the same zone of
// 10,000 hosts, in one run; then splitguard's memory, and a reload storm under load.
//   npm run bench:dns [-- --seconds 10 --hosts 10000]
// Prints QPS, mean latency, the ratio to NSD, RSS, and the queries lost during reloads.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { parseConfigText } from "../../src/config/load.ts";
import { buildZoneModel, standaloneView } from "../../src/dns/zone-model.ts";
import { startNsd } from "../dns/support/nsd.ts";
import { buildQuery, freePort, udpExchange } from "../support/dns-client.ts";
import { benchConfig, BENCH_ZONE as ZONE } from "./bench-zone.ts";

const run = promisify(execFile);
const { values } = parseArgs({
  options: { seconds: { type: "string", default: "10" }, hosts: { type: "string", default: "10000" } },
});
const SECONDS = Number(values.seconds);
const SERVER_NODE_FLAGS = (process.env.SPLITGUARD_NODE_FLAGS ?? "").split(" ").filter(Boolean);
const HOSTS = Number(values.hosts);

function queryFile(dir: string, hosts: number): string {
  const lines: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const h = (i * 7919) % hosts;
    const k = i % 10;
    if (k < 5) lines.push(`h${h}.${ZONE} A`);
    else if (k < 7) lines.push(`h${h}.${ZONE} AAAA`);
    else if (k < 8) lines.push(`localtargets-h${h}.${ZONE} A`);
    else if (k < 9) lines.push(`nx${i}.${ZONE} A`);
    else lines.push(`${ZONE} SOA`);
  }
  const f = join(dir, "queries.txt");
  writeFileSync(f, `${lines.join("\n")}\n`);
  return f;
}

interface PerfResult {
  qps: number;
  latencyMs: number;
  sent: number;
  lost: number;
}

async function dnsperf(host: string, port: number, file: string, seconds: number): Promise<PerfResult> {
  const { stdout } = await run(
    "dnsperf",
    ["-s", host, "-p", String(port), "-d", file, "-l", String(seconds), "-T", "1", "-c", "1", "-q", "100"],
    {
      maxBuffer: 1 << 20,
    },
  );
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? Number.NaN);
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    latencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    sent: num(/Queries sent:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
  };
}

function rssMb(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sg-bench-"));
  const configText = benchConfig(HOSTS);
  writeFileSync(join(dir, "splitguard.yaml"), configText);
  writeFileSync(join(dir, "hb.key"), "bench-heartbeat-key-0123456789abcdef\n");
  const config = parseConfigText(configText, "bench.yaml");
  const model = buildZoneModel(config, standaloneView(config), 1);
  const qfile = queryFile(dir, HOSTS);
  const host = "127.0.0.1";

  console.log(
    `# dns bench: ${HOSTS} hosts, dnsperf -l ${SECONDS} -T 1 -c 1 -q 100, node ${process.version} ${SERVER_NODE_FLAGS.join(" ")}`,
  );
  const nsd = await startNsd(model, host, await freePort(host));
  const nsdResult = await dnsperf(host, nsd.port, qfile, SECONDS);
  await nsd.stop();

  const port = await freePort(host);
  const bin = resolve(import.meta.dirname, "../../bin/splitguard.js");
  const proc = spawn(
    process.execPath,
    [bin, "dns", "serve", "--config", join(dir, "splitguard.yaml"), "--listen", `${host}:${port}`],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  // Ready when it answers (a 10,000-host file takes a moment to load).
  for (let i = 0; i < 300 && !(await udpExchange(host, port, buildQuery({ name: ZONE, type: 6 }), 100)); i++);
  const idle = rssMb(proc.pid!);
  const sgResult = await dnsperf(host, port, qfile, SECONDS);
  const loaded = rssMb(proc.pid!);

  // Reload storm: a changed 10k-host zone every second, under the same load.
  const other = benchConfig(HOSTS, "us");
  let reloads = 0;
  const storm = setInterval(() => {
    writeFileSync(join(dir, "splitguard.yaml"), reloads % 2 === 0 ? other : configText);
    proc.kill("SIGHUP");
    reloads++;
  }, 1000);
  const reloadResult = await dnsperf(host, port, qfile, SECONDS);
  clearInterval(storm);
  const afterReloads = rssMb(proc.pid!);
  proc.kill("SIGTERM");

  const ratio = sgResult.qps / nsdResult.qps;
  const row = (name: string, r: PerfResult) =>
    `| ${name.padEnd(26)} | ${r.qps.toFixed(0).padStart(8)} | ${r.latencyMs.toFixed(3).padStart(9)} | ${String(r.sent).padStart(9)} | ${String(r.lost).padStart(5)} |`;
  console.log("| server                     |      QPS | mean (ms) |      sent |  lost |");
  console.log("|----------------------------|----------|-----------|-----------|-------|");
  console.log(row("NSD 4 (rrl-ratelimit 0)", nsdResult));
  console.log(row("splitguard", sgResult));
  console.log(row(`splitguard, ${reloads} reloads`, reloadResult));
  console.log(`ratio splitguard/NSD QPS: ${ratio.toFixed(2)} (target >= 0.50)`);
  console.log(
    `splitguard RSS with ${HOSTS} hosts: idle ${idle.rss.toFixed(1)} MB, after load ${loaded.rss.toFixed(1)} MB, after reloads ${afterReloads.rss.toFixed(1)} MB, peak ${afterReloads.peak.toFixed(1)} MB (target <= 100 MB)`,
  );
  console.log(`queries lost during ${reloads} reloads of the ${HOSTS}-host zone: ${reloadResult.lost}`);
}

await main();
