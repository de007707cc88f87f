// The operator's verbs as processes (bin/splitguard.js) against a real kube-apiserver: override
// created and waited on (the real Controller applies a freeze; the test plays the controller's part
// for promotions by writing the override's status), local refusals that create nothing, status and
// explain on FailoverServices with a status.
import { spawn } from "node:child_process";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../../src/kube/controller.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { operatorRules } from "../../src/kube/rbac.ts";
import * as F from "../unit/cli/fixtures/failover-services.ts";
import { CLUSTER, FO, FS, failoverService, newNamespace } from "./support/fixtures.ts";
import { type KubeEnv, startKubeEnvWithCrds } from "./support/kube-env.ts";
import { HeartbeatBus, startController, twoRegions, until } from "./support/regions.ts";

const BIN = join(import.meta.dirname, "../../bin/splitguard.js");
let env: KubeEnv;
let kubeconfig: string;
const running: Controller[] = [];

beforeAll(async () => {
  env = await startKubeEnvWithCrds((c) => c.metadata.name === "clusters.postgresql.cnpg.io", {
    users: ["splitguard", "operator"],
  });
  // The CLI runs as a plain user bound (in every namespace) to exactly operatorRules: a request
  // outside them fails a test.
  const rbac = "/apis/rbac.authorization.k8s.io/v1";
  await env.admin.create(`${rbac}/clusterroles`, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "splitguard-operator" },
    rules: operatorRules,
  });
  await env.admin.create(`${rbac}/clusterrolebindings`, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "splitguard-operator" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "splitguard-operator" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "operator" }],
  });
  kubeconfig = env.kubeconfig(env.userTokens.operator);
}, 180_000);
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});
afterAll(async () => {
  await env?.stop();
});

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs `splitguard ARGS --kubeconfig <the operator's kubeconfig>` as a process, with no other kubeconfig in reach. */
const cli = (...args: string[]) => cliWith(kubeconfig, ...args);

function cliWith(kubeconfigFile: string, ...args: string[]): Promise<Run> {
  return spawnCli(kubeconfigFile, ...args).exited;
}

/** The CLI as a running process whose output can be read while it runs. */
function spawnCli(kubeconfigFile: string, ...args: string[]) {
  const p = spawn(process.execPath, [BIN, ...args, "--kubeconfig", kubeconfigFile], {
    env: { ...process.env, KUBECONFIG: "", HOME: env.dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  p.stdout.on("data", (b: Buffer) => {
    out += b.toString();
  });
  p.stderr.on("data", (b: Buffer) => {
    err += b.toString();
  });
  const exited = new Promise<Run>((resolve, reject) => {
    p.on("error", reject);
    p.on("exit", (code) => resolve({ code, out, err }));
  });
  return { proc: p, out: () => out, exited };
}

const overrides = async (ns: string) => (await env.admin.get<{ items: KubeObject[] }>(FO(ns))).items;
/** `splitguard override ACTION db -n NS --region R --reason TEXT ...` */
const overrideDb = (action: string, ns: string, region: string, reason: string, ...rest: string[]) =>
  cli("override", action, "db", "-n", ns, "--region", region, "--reason", reason, ...rest);
const promoteUs = (ns: string, reason: string, ...rest: string[]) =>
  overrideDb("promote", ns, "us", reason, ...rest);
/** Starts a controller that afterEach stops. */
async function started(c: Controller): Promise<Controller> {
  running.push(c);
  await c.start();
  return c;
}
async function serviceNamespace(prefix: string): Promise<string> {
  const ns = await newNamespace(env.admin, prefix);
  await env.admin.create(FS(ns), failoverService("db"));
  return ns;
}
const setPhase = (ns: string, name: string, phase: string, message: string) =>
  env.admin.patch(`${FO(ns, name)}/status`, "merge", { status: { phase, message } });

describe("override", () => {
  it("freeze: created, applied by the real controller, exit 0", async () => {
    const bus = new HeartbeatBus();
    const [, us] = await twoRegions(env, "cli-freeze");
    await started(startController(env, bus, us, "us-0"));
    const r = await overrideDb("freeze", us.ns, "us", "maintenance CHG-1");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /^failoveroverride\/db-freeze-[b-z2-9]{5} Applied: no automatic transition until released\n$/,
    );
    expect(r.err).toMatch(/created in namespace cli-freeze-us .*waiting up to 5m/);
    expect(r.err).toMatch(/\d\d:\d\d:\d\d db-freeze-\w{5} Applied: no automatic transition/);
    const [o] = await overrides(us.ns);
    expect(o!.spec).toEqual({
      service: "db",
      action: "freeze",
      region: "us",
      reason: "maintenance CHG-1",
      force: false,
      acknowledgeSplitBrain: false,
    });
    await until(
      "frozen",
      10_000,
      async () => ((await env.admin.get(FS(us.ns, "db"))).status as { role?: string })?.role === "frozen",
    );
  });

  it("promote against the real controllers: Rejected while eu is alive, Applied with force and acknowledgement", async () => {
    const bus = new HeartbeatBus();
    const [eu, us] = await twoRegions(env, "cli-real");
    await started(startController(env, bus, eu, "eu-0"));
    await started(startController(env, bus, us, "us-0"));
    await until(
      "eu publishes primary",
      15_000,
      async () => bus.peers("us")("db").eu?.report.role === "primary",
    );
    // A switchover created in the standby's cluster: the CLI warns, the controller refuses.
    const misplaced = await overrideDb("switchover", us.ns, "eu", "drill");
    expect(misplaced.code).toBe(1);
    expect(misplaced.err).toMatch(/warning: (us|this region) reports role standby, not primary/);
    expect(misplaced.out).toMatch(
      /Rejected: us is not primary \(CNPG follows pg-eu\); run the switchover from the primary region/,
    );
    const refused = await promoteUs(us.ns, "drill");
    expect(refused.code, refused.err).toBe(1);
    expect(refused.out).toMatch(
      /^failoveroverride\/db-promote-\w{5} Rejected: refused: eu reported primary at epoch 0 \d+s ago; set force: true and acknowledgeSplitBrain: true to promote anyway\n$/,
    );
    const forced = await promoteUs(us.ns, "drill", "--force", "--i-understand-split-brain-risk");
    expect(forced.code, forced.err).toBe(0);
    expect(forced.out).toMatch(/^failoveroverride\/db-promote-\w{5} Applied: promoted at epoch 1\n$/);
    expect(forced.err).toMatch(/ db-promote-\w{5} Accepted: promoting pg-us at epoch 1\n/);
    const replica = ((await env.admin.get(CLUSTER(us.ns, "pg-us"))).spec as { replica: { primary: string } })
      .replica;
    expect(replica.primary).toBe("pg-us");
  });

  it("promote: waits through Accepted to Applied, one progress line per phase", async () => {
    const ns = await serviceNamespace("cli-promote");
    const run = promoteUs(ns, "eu lost", "--ttl", "10m");
    const o = await until("override created", 20_000, async () => (await overrides(ns))[0]);
    expect(o.metadata.name).toMatch(/^db-promote-/);
    expect(Date.parse((o.spec as { expiresAt: string }).expiresAt) - Date.now()).toBeGreaterThan(8 * 60_000);
    await setPhase(ns, o.metadata.name, "Accepted", "promoting pg-us at epoch 1");
    await new Promise((r) => setTimeout(r, 300));
    await setPhase(ns, o.metadata.name, "Applied", "promoted at epoch 1");
    const r = await run;
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`failoveroverride/${o.metadata.name} Applied: promoted at epoch 1\n`);
    const lines = r.err.split("\n").filter((l) => l.includes(` ${o.metadata.name} `));
    expect(lines.map((l) => l.replace(/^\S+ /, ""))).toEqual([
      `${o.metadata.name} Accepted: promoting pg-us at epoch 1`,
      `${o.metadata.name} Applied: promoted at epoch 1`,
    ]);
  });

  it("promote rejected by the controller: exit 1 with its reason", async () => {
    const ns = await serviceNamespace("cli-rejected");
    const run = promoteUs(ns, "eu lost");
    const o = await until("override created", 20_000, async () => (await overrides(ns))[0]);
    const why =
      "refused: eu reported primary at epoch 0 1s ago; set force: true and acknowledgeSplitBrain: true to promote anyway";
    await setPhase(ns, o.metadata.name, "Rejected", why);
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.out).toBe(`failoveroverride/${o.metadata.name} Rejected: ${why}\n`);
  });

  it("a forced promotion without the acknowledgement is refused locally: exit 2, nothing created", async () => {
    const ns = await serviceNamespace("cli-force");
    const r = await promoteUs(ns, "x", "--force");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--force needs --i-understand-split-brain-risk/);
    expect(await overrides(ns)).toEqual([]);
  });

  it("--dry-run prints a manifest the API server accepts as it is", async () => {
    const ns = await newNamespace(env.admin, "cli-dry");
    const r = await promoteUs(
      ns,
      "eu lost: INC-42",
      ..."--force --i-understand-split-brain-risk --runbook https://wiki.example.com/rb/promote --ttl 1h --dry-run".split(
        " ",
      ),
    );
    expect(r.code, r.err).toBe(0);
    expect(await overrides(ns)).toEqual([]);
    const m = yaml.load(r.out) as KubeObject;
    const stored = await env.admin.create(FO(ns), m);
    expect(stored.spec).toEqual(m.spec);
    expect(stored.metadata.namespace).toBe(ns);
  });

  it("exit 1 when the service does not exist, and on timeout with the override left in place", async () => {
    const ns = await newNamespace(env.admin, "cli-timeout");
    const missing = await cli("override", "freeze", "nosuch", "-n", ns, "--reason", "x");
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(
      /FailoverService nosuch not found in namespace cli-timeout-\S+ \(.*context test\)/,
    );
    await env.admin.create(FS(ns), failoverService("db"));
    const r = await cli(
      "override",
      "switchover",
      "db",
      "-n",
      ns,
      "--region",
      "us",
      "--reason",
      "x",
      "--timeout",
      "2s",
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /no outcome within 2s \(no status yet\); it stays and may still apply: kubectl -n \S+ delete failoveroverride db-switchover-/,
    );
    expect(await overrides(ns)).toHaveLength(1);
    const badRegion = await cli("override", "promote", "db", "-n", ns, "--region", "ap", "--reason", "x");
    expect(badRegion.code).toBe(2);
    expect(badRegion.err).toMatch(/--region ap is not a region of db \(eu, us\)/);
  });
});

/**
 * A namespace with the suspecting standby's FailoverService, its status written through the status
 * subresource with the promotion timer due `inMs` from now (whole seconds).
 */
async function suspectingService(prefix: string, inMs: number): Promise<{ ns: string; deadline: Date }> {
  const ns = await newNamespace(env.admin, prefix);
  const deadline = new Date(Math.ceil(Date.now() / 1000) * 1000 + inMs);
  const { status, ...obj } = F.suspecting;
  await env.admin.create(FS(ns), { ...obj, metadata: { name: obj.metadata.name } });
  await env.admin.patch(`${FS(ns, obj.metadata.name)}/status`, "merge", {
    status: { ...(status as object), timer: { name: "promoteAfter", deadline: deadline.toISOString() } },
  });
  return { ns, deadline };
}

describe("status", () => {
  it("prints the table with the role per region and the running timer, and -o json the objects", async () => {
    const { ns, deadline } = await suspectingService("cli-status", 120_000);
    const r = await cli("status", "-n", ns);
    expect(r.code, r.err).toBe(0);
    const [head, row, ...rest] = r.out.trimEnd().split("\n");
    expect(head).toMatch(/^NAME\s+HOST\s+ROLES\s+EPOCH\s+SAFETY\s+QUORUM\s+TIMER\s+DEADLINE\s+AGE$/);
    expect(rest).toEqual([]);
    const cells = row!.split(/\s{2,}/);
    expect(cells.slice(0, 7)).toEqual([
      "db",
      "db",
      "eu=primary,us=standby",
      "3",
      "witness",
      "3/3",
      "promoteAfter",
    ]);
    expect(cells[7]).toMatch(new RegExp(`^in (1m\\d+s|2m) \\(${deadline.toISOString().slice(11, 19)}Z\\)$`));
    expect(cells[8]).toMatch(/^\d+s$/);

    const json = await cli("status", "-n", ns, "-o", "json");
    expect(json.code).toBe(0);
    const list = JSON.parse(json.out) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe("List");
    expect(list.items.map((i) => [i.kind, i.metadata.name, (i.status as { state: string }).state])).toEqual([
      ["FailoverService", "db", "standby.suspecting"],
    ]);
    const one = await cli("status", "db", "-n", ns, "-o", "yaml");
    expect((yaml.load(one.out) as KubeObject).status).toEqual((await env.admin.get(FS(ns, "db"))).status);
  });

  it("-w prints a service's line again, in the table's columns, when its status changes; Ctrl-C ends it", async () => {
    const { ns } = await suspectingService("cli-watch", 120_000);
    const w = spawnCli(kubeconfig, "status", "-w", "-n", ns);
    try {
      await until("the table", 20_000, async () => w.out().split("\n").length >= 3);
      await env.admin.patch(`${FS(ns, "db")}/status`, "merge", {
        status: { state: "primary.serving", role: "primary", epoch: 4, timer: null },
      });
      const lines = await until("a changed line", 15_000, async () => {
        const l = w.out().trimEnd().split("\n");
        return l.length >= 3 && l;
      });
      expect(lines).toHaveLength(3);
      const cells = lines[2]!.split(/\s{2,}/);
      expect(cells.slice(0, 8)).toEqual([
        "db",
        "db",
        "eu=primary,us=primary",
        "4",
        "witness",
        "3/3",
        "-",
        "-",
      ]);
      expect(cells[8]).toMatch(/^\d+s$/);
      // The same columns as the table's header.
      expect(lines[2]!.indexOf("witness")).toBe(lines[0]!.indexOf("SAFETY"));
    } finally {
      w.proc.kill("SIGINT");
    }
    expect((await w.exited).code).toBe(0);
  });

  it("-w carries on across an API server restart (the change made meanwhile is printed)", async () => {
    const { ns } = await suspectingService("cli-restart", 120_000);
    const w = spawnCli(kubeconfig, "status", "db", "-w", "-n", ns);
    try {
      await until("the table", 20_000, async () => w.out().split("\n").length >= 3);
      await env.restartApiserver();
      await env.admin.patch(`${FS(ns, "db")}/status`, "merge", {
        status: { role: "fenced", state: "fenced" },
      });
      const line = await until("the line after the restart", 30_000, async () =>
        w
          .out()
          .trimEnd()
          .split("\n")
          .find((l) => l.includes("eu=primary,us=fenced")),
      );
      expect(line).toMatch(/^db\s+db\s+eu=primary,us=fenced\s+3\s/);
    } finally {
      w.proc.kill("SIGINT");
    }
    expect((await w.exited).code).toBe(0);
  });

  it("says when there is nothing, and exits 1 for an unknown service", async () => {
    const ns = await newNamespace(env.admin, "cli-empty");
    const empty = await cli("status", "-n", ns);
    expect(empty).toMatchObject({ code: 0, out: "" });
    expect(empty.err).toBe(`No FailoverServices found in namespace ${ns}.\n`);
    const missing = await cli("status", "nosuch", "-n", ns);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/FailoverService nosuch not found in namespace/);
    const all = await cli("status", "-A");
    expect(all.code).toBe(0);
    expect(all.out).toMatch(/^NAMESPACE\s+NAME\s+HOST/);
    // A user without the operator's rules gets the API server's refusal, exit 1.
    const denied = await cliWith(env.kubeconfig(env.userTokens.splitguard), "status", "-n", ns);
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(
      /403 failoverservices.splitguard.io is forbidden: User "splitguard" cannot list/,
    );
  });
});

describe("explain", () => {
  it("explains a FailoverService from its stored status, with the overrides for it", async () => {
    const { ns, deadline } = await suspectingService("cli-explain", 180_000);
    await env.admin.create(FO(ns), {
      ...F.freezeOverride,
      metadata: { name: "db-freeze-x7k2p" },
      status: undefined,
    });
    await env.admin.create(FO(ns), {
      ...F.freezeOverride,
      metadata: { name: "other-freeze" },
      spec: { ...(F.freezeOverride.spec as object), service: "other" },
    });
    const r = await cli("explain", "db", "-n", ns);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`db (host db) in region us, namespace ${ns}, safety witness`);
    expect(r.out).toContain("    1.1.1.1  reaches us: ok; votes eu down");
    expect(r.out).toContain(`Promotion would happen at ${deadline.toISOString().slice(11, 19)}Z, in `);
    expect(r.out).toContain("db-freeze-x7k2p: freeze (pending, expires at");
    expect(r.out).not.toContain("other-freeze");
    const missing = await cli("explain", "nosuch", "-n", ns);
    expect(missing.code).toBe(1);
    expect((await cli("explain", "-n", ns)).code).toBe(2);
  });
});
