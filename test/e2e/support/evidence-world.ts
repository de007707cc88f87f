// The e2e tier's evidence world: each region's real `splitguard dns serve` and each witness's real
// unbound in its own network namespace (test/e2e/support/netns.ts), so partitions are real packet
// faults. `probe(region)` runs one real `splitguard probe -o json` round inside the region's
// namespace: self-quorum, each peer's verdict and the direct path, exactly what a controller sees.
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { unboundConf } from "../../witness/support/unbound.ts";
import { Topology } from "./netns.ts";

export const ZONE = "gslb.example.com";
const KEY = "e2e-tier-shared-heartbeat-key-0123456789";
const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../../..");
const BIN = resolve(import.meta.dirname, "../../../bin/splitguard.js");

/** What `splitguard probe -o json` prints, the fields the scenarios read. */
export interface ProbeResult {
  readonly selfQuorum: { readonly ok: boolean; readonly reason: string };
  readonly peers: readonly {
    readonly peer: string;
    readonly verdict: "up" | "down" | "unknown";
    readonly direct: boolean;
    readonly votes: {
      readonly down: readonly string[];
      readonly up: readonly string[];
      readonly reason: string;
    };
  }[];
  /** Every question of the round (path, server, judgement, latency). */
  readonly observations: readonly {
    readonly path: string;
    readonly server: string;
    readonly judgement: string;
    readonly outcome: { readonly kind: string; readonly latencyMs: number };
  }[];
}

export interface EvidenceWorldOptions {
  readonly regions: readonly string[];
  readonly witnesses: number;
  /** probe.timeout (s); the unbound witnesses give up on a silent server in about 6 s (below). */
  readonly probeTimeout?: number;
  /** The responders' answer TTL (s), which is also the TTL of the heartbeat subzones' delegation; default the schema's. */
  readonly ttl?: number;
  /** Extra `server:` lines for every unbound witness. */
  readonly witnessExtra?: readonly string[];
}

export class EvidenceWorld {
  private readonly dir = mkdtempSync(join(tmpdir(), "sg-e2e-"));
  /** tools/netdelay, for `topology.delay` (built and cached by scripts/e2e-tools.sh). */
  readonly netdelay = execFileSync("bash", [join(ROOT, "scripts/e2e-tools.sh")], { encoding: "utf8" }).trim();

  private constructor(
    readonly topology: Topology,
    readonly regions: readonly string[],
    readonly witnesses: readonly string[],
    private readonly probeTimeout: number,
    private readonly ttl: number | undefined,
    private readonly witnessExtra: readonly string[] = [],
  ) {}

  static async start(o: EvidenceWorldOptions): Promise<EvidenceWorld> {
    const witnesses = Array.from({ length: o.witnesses }, (_, i) => `w${i + 1}`);
    const topology = await Topology.create([...o.regions, ...witnesses]);
    const w = new EvidenceWorld(topology, o.regions, witnesses, o.probeTimeout ?? 8, o.ttl, o.witnessExtra);
    try {
      for (const r of o.regions) await w.startResponder(r);
      for (const name of witnesses) await w.startWitness(name);
    } catch (e) {
      await w.stop();
      throw e;
    }
    return w;
  }

  address(node: string): string {
    return this.topology.node(node).address;
  }

  configText(region: string): string {
    return `zone: ${ZONE}
region: ${region}
heartbeatKeyFile: ./hb.key
${this.ttl === undefined ? "" : `ttl: ${this.ttl}\nnegativeTtl: ${this.ttl}\n`}regions:
${this.regions.map((r) => `  - name: ${r}\n    nameservers: [${this.address(r)}]`).join("\n")}
witnesses: [${this.witnesses.map((n) => this.address(n)).join(", ")}]
probe: { interval: ${this.probeTimeout + 2}, timeout: ${this.probeTimeout}, retries: 1 }
failover: { fenceAfter: 60, promoteAfter: ${Math.max(300, 60 + 4 * (this.probeTimeout + 2) + 10)}, margin: 10, holdDown: 600 }
rateLimit: { enabled: false }
hosts:
  - name: db
    strategy: failover
    primary: ${this.regions[0]}
    targets:
${this.regions.map((r, i) => `      ${r}: [10.200.${i + 1}.10]`).join("\n")}
`;
  }

  private writeConfig(region: string): string {
    const conf = join(this.dir, `${region}.yaml`);
    writeFileSync(conf, this.configText(region));
    writeFileSync(join(this.dir, "hb.key"), `${KEY}\n`);
    return conf;
  }

  async startResponder(region: string): Promise<void> {
    const conf = this.writeConfig(region);
    const proc = this.topology.spawn(region, process.execPath, [
      BIN,
      "dns",
      "serve",
      "--config",
      conf,
      "--listen",
      `${this.address(region)}:53`,
    ]);
    let log = "";
    proc.stderr?.on("data", (d: Buffer) => {
      log += d.toString();
    });
    this.responders.set(region, proc);
    await this.waitAnswer(region, this.address(region), `dns serve in ${region}`, () => log);
  }

  async stopResponder(region: string): Promise<void> {
    const p = this.responders.get(region);
    this.responders.delete(region);
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    await exited;
  }

  private readonly responders = new Map<string, ReturnType<Topology["spawn"]>>();

  private async startWitness(name: string): Promise<void> {
    await startWitnessNode(
      this.topology,
      name,
      this.dir,
      this.regions.map((r) => this.address(r)),
      this.witnessExtra,
    );
  }

  /** Makes a witness forget the servers it found silent (unbound's infra cache) and its answers. */
  async flushWitness(name: string): Promise<void> {
    await flushWitnessNode(this.dir, name);
  }

  private waitAnswer(node: string, server: string, what: string, log: () => string): Promise<void> {
    return waitAnswer(this.topology, node, server, what, log);
  }

  /** One real probe round from `region`'s namespace. */
  async probe(region: string): Promise<ProbeResult> {
    const out = await this.topology.exec(region, process.execPath, [
      BIN,
      "probe",
      "--config",
      join(this.dir, `${region}.yaml`),
      "-o",
      "json",
    ]);
    return JSON.parse(out) as ProbeResult;
  }

  /** Probes `region` until `done` holds (returns that round), at most `maxRounds` rounds. */
  async probeUntil(
    region: string,
    done: (r: ProbeResult) => boolean,
    maxRounds = 8,
  ): Promise<{ round: ProbeResult; rounds: number; ms: number }> {
    const t0 = Date.now();
    let last: ProbeResult | undefined;
    for (let i = 1; i <= maxRounds; i++) {
      last = await this.probe(region);
      if (done(last)) return { round: last, rounds: i, ms: Date.now() - t0 };
    }
    throw new Error(`after ${maxRounds} rounds from ${region}: ${JSON.stringify(summary(last))}`);
  }

  async stop(): Promise<void> {
    await this.topology.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A one-line view of a round for logs and failure messages. */
export function summary(r: ProbeResult | undefined): string {
  if (!r) return "no round";
  return [
    r.selfQuorum.reason,
    ...r.peers.map((p) => `${p.peer} ${p.verdict} (direct ${p.direct}; ${p.votes.reason})`),
  ].join("; ");
}

/**
 * Starts a real unbound witness inside `name`'s namespace (config under `dir/unbound-<name>`), with
 * a stub zone for ZONE at the regions' responders, and waits until it answers.
 */
export async function startWitnessNode(
  topology: Topology,
  name: string,
  dir: string,
  stubAddrs: readonly string[],
  extra: readonly string[] = [],
): Promise<void> {
  const wdir = join(dir, `unbound-${name}`);
  mkdirSync(wdir, { recursive: true });
  const conf = join(wdir, "unbound.conf");
  const address = topology.node(name).address;
  writeFileSync(
    conf,
    unboundConf(
      {
        address,
        zone: ZONE,
        stubAddrs,
        allow: "10.0.0.0/8",
        // Give up on a silent server after about 6 s, not 24–30 s (docs/prober.md).
        extra: ["infra-cache-max-rtt: 1000", ...extra],
      },
      wdir,
    ),
  );
  topology.spawn(name, "unbound", ["-d", "-c", conf]);
  await waitAnswer(topology, name, address, `unbound in ${name}`, () => safeRead(join(wdir, "unbound.log")));
}

/** Makes a witness forget the servers it found silent (unbound's infra cache) and its answers. */
export async function flushWitnessNode(dir: string, name: string): Promise<void> {
  const conf = join(dir, `unbound-${name}`, "unbound.conf");
  await run("unbound-control", ["-c", conf, "flush_infra", "all"]);
  await run("unbound-control", ["-c", conf, "flush_zone", ZONE]);
}

/** Asks `server` from inside `node` until it answers (any RCODE), for up to 15 s. */
export async function waitAnswer(
  topology: Topology,
  node: string,
  server: string,
  what: string,
  log: () => string,
): Promise<void> {
  for (let i = 0; i < 30; i++) {
    try {
      const out = await topology.exec(node, "dig", ["+time=1", "+tries=1", `@${server}`, ZONE, "SOA"]);
      if (out.includes("status:")) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not answer at ${server}: ${log().slice(-2000)}`);
}

export function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
