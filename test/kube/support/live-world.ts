// Two regions each with its own real kube-apiserver and live controller (prober, machines,
// actuators, responder: src/kube/live-controller.ts) serving DNS on its own loopback address:53,
// and three real unbound witnesses that reach the responders only through the delegation of the
// zone (stub zone) and the heartbeat-subzone referrals. Nothing connects the two regions but DNS
// (and, in lease mode, the lease witnesses). The tests play the CNPG operator on the Clusters'
// status. Used by live-regions.test.ts (witness mode) and live-lease.test.ts (lease mode).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadConfigFile } from "../../../src/config/load.ts";
import { type LiveController, startLiveController } from "../../../src/kube/live-controller.ts";
import { jsonLogger } from "../../../src/log.ts";
import { systemClock } from "../../../src/shell/system-clock.ts";
import { freePort } from "../../support/dns-client.ts";
import { startUnbound, type Unbound } from "../../witness/support/unbound.ts";
import { CLUSTER, FS } from "./fixtures.ts";
import { type KubeEnv, startKubeEnvWithCrds } from "./kube-env.ts";
import { LEADER_LEASE_S, regionNamespace, until } from "./regions.ts";

export const run = promisify(execFile);
export const ZONE = "gslb.example.com";
export const NS = "sg";
export type R = "eu" | "us";

export interface LiveWorldOptions {
  /** Each region's responder (its only nameserver address). */
  readonly addr: Readonly<Record<R, string>>;
  /** Each region's static target. */
  readonly target: Readonly<Record<R, string>>;
  /** The unbound witnesses' addresses. */
  readonly witnesses: readonly string[];
  readonly promoteAfterS: number;
  /** FailoverService spec fields beside the static target (e.g. `safety: lease`). */
  readonly fsSpec?: Record<string, unknown>;
  /** YAML appended to each region's config (e.g. a `lease:` section). */
  readonly extraConfig?: string;
  /** Files written into the config folder before the controllers start (name → content). */
  readonly files?: Readonly<Record<string, string>>;
  /** How often status is rewritten while nothing changes (the controller's default is 30 s). */
  readonly statusRefreshMs?: number;
}

export type LiveStatus = Record<string, unknown> & {
  role?: string;
  state?: string;
  epoch?: number;
  primary?: string | null;
  quorum?: string;
  timer?: { name: string; since: string; deadline: string } | null;
  peers?: { region: string; seen: string; role?: string; epoch?: number }[];
  witnesses?: { name: string; self: string; peers: Record<string, string> }[];
  conditions?: { type: string; status: string }[];
  decision?: { action: string; reason: string; at?: string };
  lease?: { holder: string | null; epoch: number | null; holdUntil: string | null; reason: string } | null;
};

export class LiveWorld {
  readonly envs = {} as Record<R, KubeEnv>;
  readonly live = {} as Partial<Record<R, LiveController>>;
  readonly unbound: Unbound[] = [];
  /** Replicas started besides each region's first (stopped with the world). */
  readonly extra: LiveController[] = [];
  /** Every controller log line, prefixed "[identity] ". */
  readonly logs: string[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), "sg-live-"));

  constructor(readonly o: LiveWorldOptions) {}

  configText(region: R): string {
    const { addr, witnesses, promoteAfterS } = this.o;
    return `zone: ${ZONE}
region: ${region}
heartbeatKeyFile: ./hb.key
negativeTtl: 5
regions:
  - name: eu
    nameservers: [${addr.eu}]
  - name: us
    nameservers: [${addr.us}]
witnesses: [${witnesses.join(", ")}]
probe: { interval: 2, timeout: 1.5, retries: 0 }
failover: { fenceAfter: 4, promoteAfter: ${promoteAfterS}, margin: 1, holdDown: 60 }
rateLimit: { enabled: false }
${this.o.extraConfig ?? ""}`;
  }

  /** API servers, namespaces, CNPG Clusters reporting ready, unbound witnesses; then both controllers. */
  async start(): Promise<void> {
    writeFileSync(join(this.dir, "hb.key"), "live-regions-test-shared-key-0123456789\n");
    for (const [name, text] of Object.entries(this.o.files ?? {})) writeFileSync(join(this.dir, name), text);
    for (const r of ["eu", "us"] as const) writeFileSync(join(this.dir, `${r}.yaml`), this.configText(r));
    const [eu, us] = await Promise.all([
      startKubeEnvWithCrds((c) => c.metadata.name === "clusters.postgresql.cnpg.io"),
      startKubeEnvWithCrds((c) => c.metadata.name === "clusters.postgresql.cnpg.io"),
    ]);
    this.envs.eu = eu;
    this.envs.us = us;
    for (const r of ["eu", "us"] as const) {
      await regionNamespace(this.envs[r], NS, r, "pg-eu", {
        targets: { static: [this.o.target[r]] },
        ...this.o.fsSpec,
      });
      // CNPG's part: both clusters report ready instances.
      await this.envs[r].admin.patch(`${CLUSTER(NS, `pg-${r}`)}/status`, "merge", {
        status: { phase: "Cluster in healthy state", readyInstances: 1 },
      });
    }
    for (const a of this.o.witnesses)
      this.unbound.push(
        await startUnbound({
          address: a,
          zone: ZONE,
          stubAddrs: Object.values(this.o.addr),
          // Queries to the responders leave from the witness's own address, so a test can cut the
          // witnesses' path to a region without cutting the regions' direct path (both on loopback).
          extra: ["infra-cache-max-rtt: 1000", `outgoing-interface: ${a}`],
        }),
      );
    await Promise.all([this.startRegion("eu"), this.startRegion("us")]);
  }

  /** A controller replica of region `r`; `listen` defaults to the region's nameserver address. */
  async startController(r: R, identity: string, listen: string = this.o.addr[r]): Promise<LiveController> {
    const env = this.envs[r];
    return startLiveController({
      loaded: loadConfigFile(join(this.dir, `${r}.yaml`)),
      client: env.client(env.userTokens.splitguard!),
      namespace: NS,
      identity,
      clock: systemClock,
      log: jsonLogger((l) => this.logs.push(`[${identity}] ${l.trimEnd()}`), systemClock.now, "info"),
      listen: { host: listen, port: 53 },
      metrics: { host: "127.0.0.1", port: await freePort("127.0.0.1") },
      leaseDurationS: LEADER_LEASE_S,
      resyncMs: 3_000,
      statusRefreshMs: this.o.statusRefreshMs,
    });
  }

  async startRegion(r: R): Promise<LiveController> {
    const c = await this.startController(r, `${r}-0`);
    this.live[r] = c;
    return c;
  }

  /** Stops region r's running controller (its responder goes with it). */
  async stopRegion(r: R): Promise<void> {
    await this.live[r]?.stop();
    delete this.live[r];
  }

  async status(r: R): Promise<LiveStatus> {
    return ((await this.envs[r].admin.get(FS(NS, "db"))).status ?? {}) as LiveStatus;
  }

  async replica(r: R): Promise<{ primary: string; promotionToken?: string }> {
    return (
      (await this.envs[r].admin.get(CLUSTER(NS, `pg-${r}`))).spec as {
        replica: { primary: string; promotionToken?: string };
      }
    ).replica;
  }

  /** Until eu serves and us follows it, sighting it up (and whatever `also` adds, e.g. the lease). */
  async untilSteady(also: (eu: LiveStatus, us: LiveStatus) => boolean = () => true): Promise<void> {
    await until("eu primary.serving, us standby.following with eu seen up", 60_000, async () => {
      const [e, u] = await Promise.all([this.status("eu"), this.status("us")]);
      return (
        e.state === "primary.serving" &&
        u.state === "standby.following" &&
        u.peers?.[0]?.seen === "up" &&
        also(e, u)
      );
    });
  }

  /** CNPG's part once splitguard promoted region r's Cluster: it reports its new primary. */
  async cnpgPromoted(r: R): Promise<void> {
    await this.envs[r].admin.patch(`${CLUSTER(NS, `pg-${r}`)}/status`, "merge", {
      status: { currentPrimary: `pg-${r}-1`, phase: "Cluster in healthy state" },
    });
  }

  /** Transitions logged by a region's runtime (lines "<from> -> <to>"). */
  transitions(r: R): string[] {
    return this.logs.filter((l) => l.startsWith(`[${r}-`) && / -> /.test(l));
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...Object.values(this.live), ...this.extra].map((c) => c?.stop()));
    await Promise.allSettled(this.unbound.map((w) => w.stop()));
    await Promise.allSettled(Object.values(this.envs).map((e) => e?.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function dig(server: string, name: string): Promise<string[]> {
  const { stdout } = await run("dig", [`@${server}`, name, "A", "+short", "+time=1", "+tries=1"]);
  return stdout.trim().split("\n").filter(Boolean);
}
