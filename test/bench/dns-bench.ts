// Benchmark (not a test): dnsperf against NSD and against splitguard serving the same zone of
// 10,000 hosts, in one run, in alternating rounds, with a Node echo socket as the third peer;
// then splitguard's memory, and a reload storm under load.
//   npm run bench:dns [-- --seconds 10 --hosts 10000 --rounds 3]
// Prints QPS, mean latency, the ratio to NSD, RSS, and the queries lost during reloads.
import { execFile, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
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
  options: {
    seconds: { type: "string", default: "10" },
    hosts: { type: "string", default: "10000" },
    rounds: { type: "string", default: "3" },
  },
});
const SECONDS = Number(values.seconds);
const SERVER_NODE_FLAGS = (process.env.SPLITGUARD_NODE_FLAGS ?? "").split(" ").filter(Boolean);
const HOSTS = Number(values.hosts);
const ROUNDS = Number(values.rounds);

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
    `# dns bench: ${HOSTS} hosts, dnsperf -l ${SECONDS} -T 1 -c 1 -q 100, ${ROUNDS} alternating rounds, node ${process.version} ${SERVER_NODE_FLAGS.join(" ")}`,
  );
  const nsd = await startNsd(model, host, await freePort(host));
  // The reference the design quotes: a Node UDP socket that only reflects the query (Node's ceiling).
  const echo = createSocket("udp4");
  echo.on("message", (m, r) => {
    m[2] = m[2]! | 0x80;
    echo.send(m, r.port, r.address);
  });
  const echoPort = await freePort(host);
  await new Promise<void>((r) => echo.bind(echoPort, host, () => r()));

  const port = await freePort(host);
  // The compiled CLI (`npm run build`), as the container image runs it, with metrics on as deployed.
  const bin = resolve(import.meta.dirname, "../../dist/src/cli/run.js");
  const mport = await freePort(host);
  const args = ["dns", "serve", "--config", join(dir, "splitguard.yaml"), "--listen", `${host}:${port}`];
  const proc = spawn(
    process.execPath,
    [...SERVER_NODE_FLAGS, bin, ...args, "--metrics", `${host}:${mport}`],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  // Ready when it answers (a 10,000-host file takes a moment to load).
  for (let i = 0; i < 300 && !(await udpExchange(host, port, buildQuery({ name: ZONE, type: 6 }), 100)); i++);
  const idle = rssMb(proc.pid!);
  // Alternate the servers so background load hits them alike; the echo runs in this process, so
  // it is measured last in each round, after the servers.
  const rounds: { nsd: PerfResult; sg: PerfResult; echo: PerfResult }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const nsdR = await dnsperf(host, nsd.port, qfile, SECONDS);
    const sgR = await dnsperf(host, port, qfile, SECONDS);
    const echoR = await dnsperf(host, echoPort, qfile, SECONDS);
    rounds.push({ nsd: nsdR, sg: sgR, echo: echoR });
    console.log(
      `round ${r + 1}: NSD ${nsdR.qps.toFixed(0)} QPS, splitguard ${sgR.qps.toFixed(0)} (${(sgR.qps / nsdR.qps).toFixed(2)} of NSD), echo ${echoR.qps.toFixed(0)} (${(echoR.qps / nsdR.qps).toFixed(2)} of NSD)`,
    );
  }
  echo.close();
  await nsd.stop();
  const loaded = rssMb(proc.pid!);
  const median = <T>(xs: T[], f: (x: T) => number) =>
    xs.map(f).sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const pick = (f: (x: (typeof rounds)[number]) => PerfResult) => {
    const m = median(rounds, (x) => f(x).qps);
    return rounds.map(f).find((x) => x.qps === m)!;
  };
  const nsdResult = pick((x) => x.nsd);
  const sgResult = pick((x) => x.sg);
  const echoResult = pick((x) => x.echo);

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

  const ratio = median(rounds, (x) => x.sg.qps / x.nsd.qps);
  const row = (name: string, r: PerfResult) =>
    `| ${name.padEnd(26)} | ${r.qps.toFixed(0).padStart(8)} | ${r.latencyMs.toFixed(3).padStart(9)} | ${String(r.sent).padStart(9)} | ${String(r.lost).padStart(5)} |`;
  console.log("| server                     |      QPS | mean (ms) |      sent |  lost |");
  console.log("|----------------------------|----------|-----------|-----------|-------|");
  console.log(row("NSD 4 (rrl-ratelimit 0)", nsdResult));
  console.log(row("splitguard", sgResult));
  console.log(row("Node echo socket", echoResult));
  console.log(row(`splitguard, ${reloads} reloads`, reloadResult));
  console.log(`ratio splitguard/NSD QPS (median of ${ROUNDS} rounds): ${ratio.toFixed(2)} (target >= 0.50)`);
  console.log(`ratio echo/NSD QPS (median): ${median(rounds, (x) => x.echo.qps / x.nsd.qps).toFixed(2)}`);
  console.log(
    `splitguard RSS with ${HOSTS} hosts: idle ${idle.rss.toFixed(1)} MB, after load ${loaded.rss.toFixed(1)} MB, after reloads ${afterReloads.rss.toFixed(1)} MB, peak ${afterReloads.peak.toFixed(1)} MB (target <= 100 MB)`,
  );
  console.log(`queries lost during ${reloads} reloads of the ${HOSTS}-host zone: ${reloadResult.lost}`);
}

await main();
