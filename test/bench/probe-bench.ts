// Benchmark (not a test): probe cost per round with 1 service and with 1,000 (issue 4). Runs the
// real prober against the real responders of three regions compiled from a configuration with N
// failover hosts; queries are encoded with the codec, answered by Responder.handle() and decoded
// back, in memory (no sockets, so the figures are CPU, not network). A witness relays a question
// to the responder of the region the name belongs to. Prints queries per round and CPU time per
// round, in steady state (after the first round learned every service) and for a round in which one
// service changed.
//   npm run bench:probe
import { performance } from "node:perf_hooks";
import { parseConfigText } from "../../src/config/load.ts";
import { probePlan } from "../../src/config/probe-plan.ts";
import type { QueryOutcome } from "../../src/core/probe-votes.ts";
import type { ServerEndpoint } from "../../src/core/prober.ts";
import { Prober } from "../../src/core/prober.ts";
import {
  canonicalName,
  decodeMessage,
  encodeMessage,
  NO_FLAGS,
  optRecord,
  RRClass,
  RRType,
} from "../../src/dns/message.ts";
import { Responder } from "../../src/dns/responder.ts";
import { compileZone } from "../../src/dns/zone-compiler.ts";
import { buildZoneModel, type PublishedService, standaloneView } from "../../src/dns/zone-model.ts";
import { randomNonce } from "../../src/shell/nonce.ts";
import { systemClock } from "../../src/shell/system-clock.ts";

const KEY = Buffer.from("bench-heartbeat-key-0123456789abcdef");
const REGIONS = { a: "10.0.0.11", b: "10.0.0.12", c: "10.0.0.13" } as const;
const WITNESSES = ["10.0.0.21", "10.0.0.22", "10.0.0.23"];

function config(region: string, services: number): string {
  const hosts = Array.from(
    { length: services },
    (_, i) =>
      `  - { name: svc${i}, strategy: failover, primary: b, targets: { a: [10.1.0.${(i % 250) + 1}], b: [10.2.0.${(i % 250) + 1}] } }`,
  ).join("\n");
  return `zone: gslb.example.com
region: ${region}
heartbeatKeyFile: ./hb.key
regions:
${Object.entries(REGIONS)
  .map(([n, a]) => `  - { name: ${n}, nameservers: [${a}] }`)
  .join("\n")}
witnesses: [${WITNESSES.join(", ")}]
hosts:
${hosts}
`;
}

function world(services: number) {
  const responders = new Map<string, { responder: Responder; cfg: ReturnType<typeof parseConfigText> }>();
  for (const [r, addr] of Object.entries(REGIONS)) {
    const cfg = parseConfigText(config(r, services), "bench");
    const responder = new Responder(compileZone(buildZoneModel(cfg, standaloneView(cfg), 1)), {
      incarnation: 1,
      key: KEY,
    });
    responders.set(addr, { responder, cfg });
    responders.set(r, { responder, cfg });
  }
  let queries = 0;
  const transport = {
    async query(server: ServerEndpoint, name: string, recursive: boolean): Promise<QueryOutcome> {
      queries += 1;
      const region = name.split(".").at(-5)!;
      const target = recursive ? responders.get(region)! : responders.get(server.host)!;
      const wire = encodeMessage({
        id: 1,
        flags: { ...NO_FLAGS, rd: recursive },
        questions: [{ name, type: RRType.TXT, class: RRClass.IN }],
        answers: [],
        authorities: [],
        additionals: [optRecord(1232)],
      });
      const msg = decodeMessage(target.responder.handle(wire, "udp")!);
      const rr = msg.answers.find(
        (a) => a.rdata.kind === "txt" && canonicalName(a.name) === canonicalName(name),
      );
      const txt =
        rr?.rdata.kind === "txt" ? rr.rdata.strings.map((s) => Buffer.from(s).toString("utf8")) : undefined;
      return { kind: "answer", rcode: msg.rcode, txt, aa: msg.flags.aa, via: "udp", latencyMs: 0 };
    },
  };
  const cfgA = parseConfigText(config("a", services), "bench");
  const prober = new Prober(probePlan(cfgA, KEY), transport, systemClock, randomNonce);
  return { prober, responders, count: () => queries };
}

async function measure(services: number) {
  const w = world(services);
  await w.prober.probe(); // the first round learns every service of every peer
  const rounds = 200;
  const q0 = w.count();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await w.prober.probe();
  const cpu = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  // One service of b changes (it fences): the next round fetches b's records once.
  const b = w.responders.get("b")!;
  const view = standaloneView(b.cfg);
  const changed: PublishedService[] = view.services.map((s, i) =>
    i === 0 ? { ...s, role: "fenced", gateOpen: false } : s,
  );
  b.responder.swap(compileZone(buildZoneModel(b.cfg, { ...view, services: changed }, 2)));
  const q1 = w.count();
  const c1 = process.cpuUsage();
  await w.prober.probe();
  const changeCpu = process.cpuUsage(c1);
  const changeQueries = w.count() - q1;
  return {
    services,
    queriesPerRound: (q1 - q0) / rounds,
    cpuMsPerRound: (cpu.user + cpu.system) / 1000 / rounds,
    wallMsPerRound: wall / rounds,
    changeRoundQueries: changeQueries,
    changeRoundCpuMs: (changeCpu.user + changeCpu.system) / 1000,
  };
}

const rows = [];
for (const n of [1, 1000]) rows.push(await measure(n));
console.log(
  "services  queries/round  CPU ms/round  wall ms/round  | round after one change: queries  CPU ms",
);
for (const r of rows)
  console.log(
    `${String(r.services).padStart(8)}  ${r.queriesPerRound.toFixed(1).padStart(13)}  ${r.cpuMsPerRound.toFixed(3).padStart(12)}  ${r.wallMsPerRound.toFixed(3).padStart(13)}  | ${String(r.changeRoundQueries).padStart(31)}  ${r.changeRoundCpuMs.toFixed(1).padStart(6)}`,
  );
