// The e2e tier's controller world (issue 8): per region a network namespace running the real
// product process `splitguard controller` (prober, service machines, actuators and the responder on
// the region's address:53) against that region's own kube-apiserver + etcd; three real unbound
// witnesses in their own namespaces; faults are real packet faults in the core namespace
// (test/e2e/support/netns.ts).
//
// Where the API servers run: in the root namespace, bound to the management link's root-side
// address 10.<subnet>.0.1 (one port per region). The test process and every region's controller
// reach it there, and faults never apply to the management link, so isolating a region cuts it
// from the other region and the witnesses but never from its own API server. That is the
// deployment's shape too: a region's controller runs next to its own API server, and a WAN
// partition does not separate them. (Putting the API server inside the region's namespace would
// also work for isolation, but then the test process reaches it only through the same core and a
// "region down" would take the API server with it, which is not what a controller crash is.)
//
// The test plays CNPG's part on the Clusters' status (healthy at start; the demotion token of a
// planned switchover through the kube tier's cnpgReportsDemotionToken).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { KubeObject } from "../../../src/kube/kube-client.ts";
import { CLUSTER, FS, gatedPod } from "../../kube/support/fixtures.ts";
import { type KubeEnv, startKubeEnvWithCrds } from "../../kube/support/kube-env.ts";
import { gates, LEADER_LEASE_S, regionNamespace } from "../../kube/support/regions.ts";
import {
  renderBindConf,
  renderZoneFile,
  type WitnessServerInput,
} from "../../support/witness-server-config.ts";
import { flushWitnessNode, safeRead, startWitnessNode, ZONE } from "./evidence-world.ts";
import { Topology } from "./netns.ts";
import type { RegionSample, Sample } from "./recorder.ts";

const run = promisify(execFile);
const FENCED = "cnpg.io/fencedInstances";
const BIN = resolve(import.meta.dirname, "../../../bin/splitguard.js");
export const NS = "sg";
export const HOST = `db.${ZONE}`;

/**
 * Short timings that pass the configuration's timing rule: probe every 2 s (timeout 1.5 s, no
 * retry), fenceAfter 4 s, margin 1 s, promoteAfter 12 s = fenceAfter + 2·interval + 2·timeout +
 * margin; answers' TTL 5 s. holdDown 10 s (a region demoted less than holdDown ago does not promote
 * automatically): shorter than any gap between two role changes of one region in the scenarios.
 */
export const TIMING = {
  interval: 2,
  timeout: 1.5,
  fenceAfter: 4,
  margin: 1,
  promoteAfter: 12,
  holdDown: 10,
  ttl: 5,
};

/** Lease mode: lease.ttl 12 s (ttl/3 > 2·timeout), margin 2 s (≥ 2·ttl·d/(1−d) + timeout·(1+d), d 0.01). */
export const LEASE = { ttl: 12, margin: 2, zone: "lease.splitguard.test", keyName: "splitguard-lease" };

export interface ControllerWorldOptions {
  readonly regions: readonly string[];
  readonly witnesses: number;
  /** `lease`: the FailoverService's safety, with this many BIND lease witnesses (l1…) in namespaces. */
  readonly safety?: "witness" | "lease";
  readonly leaseWitnesses?: number;
  /** The second octet of the topology's addresses (10.<subnet>.x.y). */
  readonly subnet?: number;
}

interface Running {
  proc: ReturnType<Topology["spawn"]>;
  exited: Promise<void>;
}

export class ControllerWorld {
  readonly dir = mkdtempSync(join(tmpdir(), "sg-e2e-ctl-"));
  readonly envs: Record<string, KubeEnv> = {};
  /** Regions whose database is up (the scenario kills a whole region by clearing this). */
  readonly alive: Record<string, boolean> = {};
  private readonly controllers = new Map<string, Running>();
  /** Target address per region (the static target of its FailoverService). */
  readonly target: Record<string, string> = {};

  private constructor(
    readonly topology: Topology,
    readonly regions: readonly string[],
    readonly witnesses: readonly string[],
    readonly leaseWitnesses: readonly string[],
    readonly managementAddress: string,
  ) {}

  static async start(o: ControllerWorldOptions): Promise<ControllerWorld> {
    const subnet = o.subnet ?? 78;
    const witnesses = Array.from({ length: o.witnesses }, (_, i) => `w${i + 1}`);
    const lease =
      o.safety === "lease" ? Array.from({ length: o.leaseWitnesses ?? 3 }, (_, i) => `l${i + 1}`) : [];
    const topology = await Topology.create([...o.regions, ...witnesses, ...lease], {
      subnet,
      management: true,
    });
    const w = new ControllerWorld(topology, o.regions, witnesses, lease, `10.${subnet}.0.1`);
    try {
      o.regions.forEach((r, i) => {
        w.target[r] = `192.0.2.${10 + i}`;
      });
      writeFileSync(join(w.dir, "hb.key"), "e2e-controller-tier-shared-key-0123456789\n");
      const envs = await Promise.all(
        o.regions.map(() =>
          startKubeEnvWithCrds(() => true, { users: ["splitguard"], bindAddress: w.managementAddress }),
        ),
      );
      o.regions.forEach((r, i) => {
        w.envs[r] = envs[i]!;
      });
      const primary = `pg-${o.regions[0]}`;
      for (const r of o.regions) {
        const env = w.env(r);
        await regionNamespace(env, NS, r, primary, {
          regions: o.regions.map((x) => ({ name: x, cnpgCluster: `pg-${x}` })),
          targets: { static: [w.target[r]] },
          ...(o.safety === "lease" ? { safety: "lease" } : {}),
        });
        // CNPG's part: every cluster reports a ready instance.
        await env.admin.patch(`${CLUSTER(NS, `pg-${r}`)}/status`, "merge", {
          status: { phase: "Cluster in healthy state", readyInstances: 1 },
        });
        writeFileSync(join(w.dir, `${r}.yaml`), w.configText(r));
      }
      for (const n of witnesses)
        await startWitnessNode(
          topology,
          n,
          w.dir,
          o.regions.map((r) => w.address(r)),
        );
      if (lease.length) {
        writeFileSync(join(w.dir, "lease.key"), `${randomBytes(32).toString("base64")}\n`);
        for (const n of lease) await w.startLeaseWitness(n);
      }
      await Promise.all(o.regions.map((r) => w.startController(r)));
    } catch (e) {
      await w.stop();
      throw e;
    }
    return w;
  }

  env(r: string): KubeEnv {
    const e = this.envs[r];
    if (!e) throw new Error(`no API server for region ${r}`);
    return e;
  }

  address(node: string): string {
    return this.topology.node(node).address;
  }

  /** The witness node (w1…) whose address status names, or the address itself. */
  private nameOfAddress(a: string): string {
    return this.witnesses.find((n) => this.address(n) === a) ?? a;
  }

  /** A BIND 9 lease witness in node n's namespace on its address:53 (test/support/witness-server-config.ts). */
  private async startLeaseWitness(n: string): Promise<void> {
    const dir = join(this.dir, `bind-${n}`);
    mkdirSync(dir, { recursive: true });
    const input: WitnessServerInput = {
      dir,
      address: this.address(n),
      port: 53,
      zone: LEASE.zone,
      keyName: LEASE.keyName,
      secret: readFileSync(join(this.dir, "lease.key"), "utf8").trim(),
    };
    writeFileSync(join(dir, `${LEASE.zone}.zone`), renderZoneFile(input));
    writeFileSync(join(dir, "named.conf"), renderBindConf(input));
    const proc = this.topology.spawn(n, "named", ["-g", "-c", join(dir, "named.conf")]);
    let log = "";
    proc.stderr?.on("data", (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
    });
    for (let i = 0; i < 30; i++) {
      const out = await this.topology
        .exec(n, "dig", ["+time=1", "+tries=1", `@${input.address}`, LEASE.zone, "SOA"])
        .catch(() => "");
      if (out.includes("status: NOERROR")) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`BIND lease witness in ${n} did not answer: ${log}`);
  }

  configText(region: string): string {
    const t = TIMING;
    const lease = this.leaseWitnesses.length
      ? `lease:
  ttl: ${LEASE.ttl}
  margin: ${LEASE.margin}
  witnesses:
${this.leaseWitnesses.map((n) => `    - { name: ${n}, address: ${this.address(n)}, zone: ${LEASE.zone}, keyName: ${LEASE.keyName}, keyFile: ./lease.key }`).join("\n")}
`
      : "";
    return `zone: ${ZONE}
region: ${region}
heartbeatKeyFile: ./hb.key
ttl: ${t.ttl}
negativeTtl: ${t.ttl}
regions:
${this.regions.map((r) => `  - name: ${r}\n    nameservers: [${this.address(r)}]`).join("\n")}
witnesses: [${this.witnesses.map((n) => this.address(n)).join(", ")}]
probe: { interval: ${t.interval}, timeout: ${t.timeout}, retries: 0 }
failover: { fenceAfter: ${t.fenceAfter}, promoteAfter: ${t.promoteAfter}, margin: ${t.margin}, holdDown: ${t.holdDown} }
rateLimit: { enabled: false }
${lease}`;
  }

  /** Starts region r's controller process in its namespace and waits for /readyz. */
  async startController(r: string): Promise<void> {
    if (this.controllers.has(r)) throw new Error(`${r}'s controller is already running`);
    const env = this.env(r);
    const kubeconfig = env.kubeconfig(env.userTokens.splitguard);
    const logFile = join(this.dir, `${r}-controller.log`);
    const proc = this.topology.spawn(r, process.execPath, [
      BIN,
      "controller",
      "--config",
      join(this.dir, `${r}.yaml`),
      "--listen",
      `${this.address(r)}:53`,
      "--metrics",
      `${this.address(r)}:9153`,
      "-n",
      NS,
      "--kubeconfig",
      kubeconfig,
      "--identity",
      `${r}-0`,
      // A restarted controller keeps its identity and renews its Lease at once.
      "--lease-duration",
      String(LEADER_LEASE_S),
    ]);
    const log = (d: Buffer) => appendFileSync(logFile, d);
    proc.stdout?.on("data", log);
    proc.stderr?.on("data", log);
    const exited = new Promise<void>((res) => proc.once("exit", () => res()));
    this.controllers.set(r, { proc, exited });
    this.alive[r] = true;
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      if (proc.exitCode !== null) break;
      const ok = await fetch(`http://${this.address(r)}:9153/readyz`, { signal: AbortSignal.timeout(1000) })
        .then((res) => res.status === 200)
        .catch(() => false);
      if (ok) return;
      await new Promise((res) => setTimeout(res, 250));
    }
    throw new Error(`${r}'s controller not ready within 60 s:\n${this.controllerLog(r).slice(-3000)}`);
  }

  /**
   * Brings a region killed with `regionDown` back: its workloads restart with it, so the gated pods
   * are new pods without the gate condition (a pod's readiness conditions do not survive it), then
   * its controller starts.
   */
  async restoreRegion(r: string): Promise<void> {
    const admin = this.env(r).admin;
    for (const i of [0, 1]) {
      await admin.request("DELETE", `/api/v1/namespaces/${NS}/pods/ferretdb-${i}?gracePeriodSeconds=0`);
      await admin.create(`/api/v1/namespaces/${NS}/pods`, gatedPod(`ferretdb-${i}`, { app: "ferretdb" }));
    }
    await this.startController(r);
  }

  /** Kills region r's controller (and with it its responder) with SIGKILL, as a crash. */
  async killController(r: string, opts: { regionDown?: boolean } = {}): Promise<void> {
    const c = this.controllers.get(r);
    this.controllers.delete(r);
    if (opts.regionDown) this.alive[r] = false;
    if (!c) return;
    if (c.proc.exitCode === null && c.proc.signalCode === null && c.proc.pid) {
      try {
        process.kill(-c.proc.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await c.exited;
  }

  controllerLog(r: string): string {
    return safeRead(join(this.dir, `${r}-controller.log`));
  }

  /**
   * The operator's runbook for a region that fenced itself and now follows the new primary: its
   * cluster may have taken writes the new primary never got, so it is re-cloned (not simulated
   * here) and the fence lifted. Returns whether the cluster was fenced.
   */
  async operatorUnfence(r: string): Promise<boolean> {
    const path = CLUSTER(NS, `pg-${r}`);
    const c = await this.env(r).admin.get<KubeObject>(path);
    const f = c.metadata.annotations?.[FENCED];
    if (!f || f === "[]") return false;
    await this.env(r).admin.patch(path, "merge", { metadata: { annotations: { [FENCED]: null } } });
    return true;
  }

  /**
   * Makes every witness forget silent servers (after a heal, so the next scenario starts clean),
   * then has it learn every region's heartbeat delegation (`<region>.hb.Z`, one-hour TTL) again
   * while the regions answer. Without that, a fault right after the flush made the witnesses
   * relearn eu's delegation through the silent standby's nameserver during the fault, and eu's
   * heartbeat answers came after the probe timeout (docs/e2e.md, "standby isolated").
   */
  async flushWitnesses(): Promise<void> {
    await Promise.all(this.witnesses.map((n) => flushWitnessNode(this.dir, n)));
    await Promise.all(
      this.witnesses.flatMap((n) =>
        this.regions.map((r) => this.askWitness(n, `warm.${r}.hb.${ZONE}`, "TXT")),
      ),
    );
  }

  /** One sample of every region (role, gate, CNPG) and the host's answer through every witness. */
  async sample(t0: number): Promise<Sample> {
    const start = Date.now();
    const [regions, dns] = await Promise.all([
      Promise.all(this.regions.map((r) => this.sampleRegion(r))),
      Promise.all(this.witnesses.map((n) => this.askWitness(n))),
    ]);
    const end = Date.now();
    return {
      t: Math.round((start + end) / 2 - t0),
      regions: Object.fromEntries(this.regions.map((r, i) => [r, regions[i]!])),
      dns: Object.fromEntries(this.witnesses.map((n, i) => [n, dns[i]!])),
    };
  }

  private async sampleRegion(r: string): Promise<RegionSample> {
    const env = this.env(r);
    const alive = this.alive[r] ?? false;
    try {
      const [fs, cluster, gate] = await Promise.all([
        env.admin.get<KubeObject>(FS(NS, "db")),
        env.admin.get<KubeObject>(CLUSTER(NS, `pg-${r}`)),
        gates(env.admin, NS),
      ]);
      const st = (fs.status ?? {}) as {
        state?: string;
        role?: string;
        epoch?: number;
        timer?: { name: string } | null;
        lease?: { lastAttempt?: { epoch: number; seq: number } | null } | null;
        quorum?: string;
        witnesses?: { name: string; self: string; peers: Record<string, string> }[];
      };
      const cnpgPrimary = (cluster.spec as { replica?: { primary?: string } }).replica?.primary ?? "";
      const cst = (cluster.status ?? {}) as { phase?: string; demotionToken?: string };
      const fenced = cluster.metadata.annotations?.[FENCED] ?? "";
      const open = gate.some((g) => g === "True");
      return {
        alive,
        state: st.state ?? "",
        role: st.role ?? "",
        epoch: st.epoch ?? 0,
        timer: st.timer?.name ?? "",
        gate: gate.join(","),
        cnpgPrimary,
        cnpgStatus: `${cst.phase ?? ""}${cst.demotionToken ? ` token=${cst.demotionToken}` : ""}${fenced && fenced !== "[]" ? " fenced" : ""}`,
        // A region can take writes when its database is up, CNPG designates it primary and the
        // readiness gate lets the writers' traffic in.
        writable: alive && cnpgPrimary === `pg-${r}` && open,
        ...(st.lease ? { leaseAttempt: st.lease.lastAttempt ?? null } : {}),
        evidence: [
          `quorum ${st.quorum ?? "?"}`,
          ...(st.witnesses ?? []).map(
            (w) =>
              `${this.nameOfAddress(w.name)} self=${w.self}${Object.entries(w.peers)
                .map(([p, v]) => ` ${p}=${v}`)
                .join("")}`,
          ),
        ].join("; "),
      };
    } catch (e) {
      return {
        alive,
        state: "",
        role: "",
        epoch: 0,
        timer: "",
        gate: "",
        cnpgPrimary: "",
        cnpgStatus: "",
        writable: false,
        error: (e as Error).message.slice(0, 200),
      };
    }
  }

  /** The A answer for the host (or another question) through a witness, asked over the management link. */
  async askWitness(n: string, name = HOST, type = "A"): Promise<string> {
    try {
      const { stdout } = await run(
        "dig",
        [`@${this.address(n)}`, name, type, "+time=1", "+tries=1", "+nocmd", "+noquestion", "+nostats"],
        { timeout: 3000 },
      );
      const status = /status: (\w+)/.exec(stdout)?.[1] ?? "noanswer";
      const addrs = [...stdout.matchAll(/\sIN\s+A\s+(\S+)\s*$/gm)].map((m) => m[1]).sort();
      if (status !== "NOERROR") return status;
      return addrs.length ? addrs.join(",") : "empty";
    } catch {
      return "timeout";
    }
  }

  async stop(): Promise<void> {
    for (const r of [...this.controllers.keys()]) await this.killController(r);
    await this.topology.destroy();
    await Promise.allSettled(Object.values(this.envs).map((e) => e.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
