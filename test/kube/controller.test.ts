// The controller against a real kube-apiserver: two regions (namespaces) with their own controllers,
// CNPG Clusters whose operator the test plays, and gated pods. Asserts the controller's patches on
// the real objects, in order, as a watch saw them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../../src/kube/controller.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { CLUSTER, FO, FS } from "./support/fixtures.ts";
import { type KubeEnv, startKubeEnvWithCrds } from "./support/kube-env.ts";
import {
  cnpgReportsDemotionToken,
  events,
  gates,
  HeartbeatBus,
  recordClusterSpecs,
  startController,
  trace,
  twoRegions,
  until,
} from "./support/regions.ts";

let env: KubeEnv;
const running: Controller[] = [];
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  env = await startKubeEnvWithCrds((c) => c.metadata.name === "clusters.postgresql.cnpg.io");
}, 180_000);
afterEach(async (ctx) => {
  if (ctx.task.result?.state === "fail") {
    console.log(trace.join("\n"));
    const all = await env.admin.get<{ items: KubeObject[] }>(
      "/apis/splitguard.io/v1alpha1/failoveroverrides",
    );
    for (const o of all.items)
      console.log("OVERRIDE", o.metadata.namespace, o.metadata.name, JSON.stringify(o.status));
  }
  trace.length = 0;
  for (const c of cleanups.splice(0)) c();
  await Promise.all(running.splice(0).map((c) => c.stop()));
});
afterAll(async () => {
  await env?.stop();
});

async function start(c: Controller): Promise<Controller> {
  running.push(c);
  await c.start();
  return c;
}
const override = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "splitguard.io/v1alpha1",
  kind: "FailoverOverride",
  metadata: { name },
  spec: { service: "db", reason: "test", runbook: "runbooks/switchover.md", ...spec },
});
/** The states Cluster `name` passes through, from the watch (recordClusterSpecs), until the test ends. */
function recordSpecs(ns: string, name: string): ReturnType<typeof recordClusterSpecs> {
  const specs = recordClusterSpecs(env, ns, name);
  cleanups.push(specs.stop);
  return specs;
}
const phase = async (ns: string, name: string) =>
  ((await env.admin.get(FO(ns, name))).status as { phase?: string; message?: string } | undefined) ?? {};
const replica = async (ns: string, name: string) =>
  ((await env.admin.get(CLUSTER(ns, name))).spec as { replica: Record<string, string> }).replica;

describe("steady state", () => {
  it("opens the gate on the primary region's pods and closes it on the standby's", async () => {
    const bus = new HeartbeatBus();
    const [eu, us] = await twoRegions(env, "steady");
    await start(startController(env, bus, eu, "eu-0"));
    await start(startController(env, bus, us, "us-0"));
    await until(
      "gates set",
      15_000,
      async () =>
        (await gates(env.admin, eu.ns)).join() === "True,True" &&
        (await gates(env.admin, us.ns)).join() === "False,False",
    );
    const role = async (ns: string) =>
      ((await env.admin.get(FS(ns, "db"))).status as { role?: string } | undefined)?.role;
    await until(
      "status written",
      10_000,
      async () => (await role(eu.ns)) === "primary" && (await role(us.ns)) === "standby",
    );
  });
});

describe("overrides", () => {
  it("a forced promotion is refused while the peer is alive, then applied with force and acknowledgement", async () => {
    const bus = new HeartbeatBus();
    const [eu, us] = await twoRegions(env, "force");
    await start(startController(env, bus, eu, "eu-0"));
    await start(startController(env, bus, us, "us-0"));
    await until(
      "eu publishes primary",
      15_000,
      async () => bus.peers("us")("db").eu?.report.role === "primary",
    );
    await env.admin.create(FO(us.ns), override("promote-us", { action: "promote", region: "us" }));
    const refused = await until("refused", 15_000, async () => {
      const p = await phase(us.ns, "promote-us");
      return p.phase === "Rejected" && p;
    });
    expect(refused.message).toMatch(
      /refused: eu reported primary at epoch 0 .*set force: true and acknowledgeSplitBrain: true/,
    );
    expect((await replica(us.ns, "pg-us")).primary).toBe("pg-eu");
    expect((await events(env.admin, us.ns)).map((e) => e.reason)).toContain("OverrideRejected");

    const specs = recordSpecs(us.ns, "pg-us");
    await env.admin.create(
      FO(us.ns),
      override("promote-us-forced", {
        action: "promote",
        region: "us",
        force: true,
        acknowledgeSplitBrain: true,
      }),
    );
    await until("applied", 15_000, async () => (await phase(us.ns, "promote-us-forced")).phase === "Applied");
    expect(await replica(us.ns, "pg-us")).toEqual({ self: "pg-us", primary: "pg-us", source: "pg-eu" });
    const c = await env.admin.get(CLUSTER(us.ns, "pg-us"));
    expect(c.metadata.annotations?.["splitguard.io/epoch"]).toBe("1");
    await until("us gates open", 10_000, async () => (await gates(env.admin, us.ns)).join() === "True,True");
    await until("events", 5_000, async () =>
      (await events(env.admin, us.ns)).some((e) => e.reason === "Promoted"),
    );
    expect(specs.seen).toEqual(["primary=pg-eu", "primary=pg-us"]);
  });

  it("freeze holds a planned handover; release lets it through", async () => {
    const bus = new HeartbeatBus();
    const [, us] = await twoRegions(env, "freeze");
    await start(startController(env, bus, us, "us-0"));
    await env.admin.create(FO(us.ns), override("freeze", { action: "freeze" }));
    await until(
      "frozen",
      10_000,
      async () => ((await env.admin.get(FS(us.ns, "db"))).status as { role?: string })?.role === "frozen",
    );
    bus.set("eu", "db", {
      role: "demoting",
      epoch: 0,
      gate: "closed",
      demotionToken: "tok-f",
      handoverTo: "us",
      localTargets: [],
    });
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await replica(us.ns, "pg-us")).primary).toBe("pg-eu");
    await env.admin.create(FO(us.ns), override("release", { action: "release" }));
    await until(
      "promoted after release",
      15_000,
      async () => (await replica(us.ns, "pg-us")).promotionToken === "tok-f",
    );
  });
});

describe("controlled switchover", () => {
  for (const killAfter of [undefined, "eu:demote", "us:promote"] as const)
    it(`hands over with the demotion token${killAfter ? `, controller killed after ${killAfter} and restarted` : ""}`, async () => {
      const bus = new HeartbeatBus();
      const prefix = `sw${killAfter ? killAfter.replace(":", "-") : ""}`;
      const [eu, us] = await twoRegions(env, prefix);
      // A stale token from an earlier switchover must be cleared in the demotion patch.
      await env.admin.patch(CLUSTER(eu.ns, "pg-eu"), "merge", {
        spec: { replica: { promotionToken: "stale" } },
      });
      const euSpecs = recordSpecs(eu.ns, "pg-eu");
      const usSpecs = recordSpecs(us.ns, "pg-us");
      const op = cnpgReportsDemotionToken(env, eu.ns, "pg-eu", "tok-1");
      cleanups.push(op.stop);

      const killed: string[] = [];
      const make = (r: typeof eu, id: string): Controller => {
        const c: Controller = startController(env, bus, r, id, {
          afterStep: (step) => {
            if (`${r.name}:${step}` === killAfter && !killed.includes(killAfter)) {
              killed.push(killAfter);
              // Crash right after the patch: no event, no status, no heartbeat from this process.
              c.services.stop();
              c.overrides.stop();
              c.queue.stop();
              throw new Error(`killed after ${killAfter}`);
            }
          },
        });
        return c;
      };
      const ctl = { eu: await start(make(eu, "eu-0")), us: await start(make(us, "us-0")) };
      await until(
        "eu primary published",
        15_000,
        async () => bus.peers("us")("db").eu?.report.role === "primary",
      );
      // eu must see us following it, or it refuses the switchover ("not seen by any path"), as it
      // did once on a loaded CI machine when the override came before us's first report.
      await until(
        "us standby seen by eu",
        15_000,
        async () => bus.peers("eu")("db").us?.report.role === "standby",
      );
      await env.admin.create(FO(eu.ns), override("handover", { action: "switchover", region: "us" }));

      if (killAfter) {
        await until(`kill at ${killAfter}`, 20_000, async () => killed.length === 1);
        const which = killAfter.startsWith("eu") ? "eu" : "us";
        await ctl[which].stop(false); // the lease is not released: the successor waits for it to expire
        ctl[which] = await start(make(which === "eu" ? eu : us, `${which}-1`));
      }
      await until(
        "switchover applied",
        30_000,
        async () => (await phase(eu.ns, "handover")).phase === "Applied",
      );
      await until(
        "gates moved",
        15_000,
        async () =>
          (await gates(env.admin, eu.ns)).join() === "False,False" &&
          (await gates(env.admin, us.ns)).join() === "True,True",
      );
      expect(euSpecs.seen).toEqual(["primary=pg-eu token=stale", "primary=pg-us"]);
      expect(usSpecs.seen).toEqual(["primary=pg-eu", "primary=pg-us token=tok-1"]);
      expect(await replica(us.ns, "pg-us")).toMatchObject({ primary: "pg-us", promotionToken: "tok-1" });
      expect(
        (await env.admin.get(CLUSTER(us.ns, "pg-us"))).metadata.annotations?.["splitguard.io/epoch"],
      ).toBe("1");
      const euEvents = (await events(env.admin, eu.ns)).map((e) => e.reason);
      expect(euEvents.filter((r) => r === "SwitchoverStarted")).toHaveLength(1);
      if (killAfter !== "eu:demote") expect(euEvents.filter((r) => r === "Demoted")).toHaveLength(1);
      const fsStatus = (await env.admin.get(FS(us.ns, "db"))).status as { role: string; epoch: number };
      expect(fsStatus).toMatchObject({ role: "primary", epoch: 1 });
    });
});

describe("switchover to a region that cannot take over", () => {
  it("is refused up front with the reason on the override: target fenced, then target unseen; nothing patched", async () => {
    const bus = new HeartbeatBus();
    const [eu] = await twoRegions(env, "refuse");
    const specs = recordSpecs(eu.ns, "pg-eu");
    // us follows eu but its CNPG cluster is fenced (cf=yes in its heartbeat): it runs no Postgres.
    bus.set("us", "db", { role: "standby", epoch: 0, gate: "closed", localTargets: [], cnpgFenced: true });
    await start(startController(env, bus, eu, "eu-0"));
    await until("eu gate open", 15_000, async () => (await gates(env.admin, eu.ns)).join() === "True,True");
    await env.admin.create(FO(eu.ns), override("to-fenced", { action: "switchover", region: "us" }));
    await until("refused", 15_000, async () => (await phase(eu.ns, "to-fenced")).phase === "Rejected");
    expect((await phase(eu.ns, "to-fenced")).message).toMatch(
      /^refused: target us's CNPG cluster is fenced .*cannot promote; lift the fence first$/,
    );
    // A region with no report at all (never seen, or not within peerAliveMs) is refused too.
    const [lone] = await twoRegions(env, "refuse-unseen");
    await start(startController(env, new HeartbeatBus(), lone, "lone-0"));
    await until("gate open", 15_000, async () => (await gates(env.admin, lone.ns)).join() === "True,True");
    await env.admin.create(FO(lone.ns), override("to-unseen", { action: "switchover", region: "us" }));
    await until("refused", 15_000, async () => (await phase(lone.ns, "to-unseen")).phase === "Rejected");
    expect((await phase(lone.ns, "to-unseen")).message).toMatch(
      /^refused: target us is not seen by any path/,
    );
    // Nothing was patched on the primary's Cluster, and its gate stayed open.
    expect(specs.seen).toEqual(["primary=pg-eu"]);
    expect((await gates(env.admin, eu.ns)).join()).toBe("True,True");
    const reasons = (await events(env.admin, eu.ns)).map((e) => e.reason);
    expect(reasons).toContain("OverrideRejected");
    expect(reasons).not.toContain("SwitchoverStarted");
  });
});

describe("switchover the target does not take (live controller: overridesOnly)", () => {
  it("is handed to the service machine after handoverToMachineAfterMs: Applied, status demoting, step cleared", async () => {
    const bus = new HeartbeatBus();
    const [eu] = await twoRegions(env, "handoff");
    const op = cnpgReportsDemotionToken(env, eu.ns, "pg-eu", "tok-h");
    cleanups.push(op.stop);
    // us follows eu but never takes over (its controller is gone after this report).
    bus.set("us", "db", { role: "standby", epoch: 0, gate: "closed", localTargets: [] });
    await start(
      startController(env, bus, eu, "eu-0", { overridesOnly: true, handoverToMachineAfterMs: 1_500 }),
    );
    const t0 = Date.now();
    await env.admin.create(FO(eu.ns), override("to-us", { action: "switchover", region: "us" }));
    await until("accepted", 15_000, async () => (await phase(eu.ns, "to-us")).phase === "Accepted");
    await until(
      "handed to the machine",
      20_000,
      async () => (await phase(eu.ns, "to-us")).phase === "Applied",
    );
    // Never at once: the runtime must have seen the override pending and stopped the machine.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_500);
    expect((await phase(eu.ns, "to-us")).message).toMatch(
      /^demoted; us has not taken over \d+ s after the demotion token was published; the service machine finishes the handover/,
    );
    const st = (await env.admin.get(FS(eu.ns, "db"))).status as { role: string; switchover: object };
    // What the machine restarts from (restoredDemoting): role demoting, CNPG following us, no step.
    expect(st).toMatchObject({ role: "demoting", switchover: {} });
    expect(await replica(eu.ns, "pg-eu")).toMatchObject({ primary: "pg-us" });
  });
});

describe("returning stale primary", () => {
  it("is fenced, then re-pointed at the region that is primary at a higher epoch", async () => {
    const bus = new HeartbeatBus();
    const [eu] = await twoRegions(env, "stale");
    const specs = recordSpecs(eu.ns, "pg-eu");
    // us was promoted by forced failover (epoch 1) while eu was away; eu comes back still primary.
    bus.set("us", "db", { role: "primary", epoch: 1, gate: "open", localTargets: ["192.0.2.20"] });
    await start(startController(env, bus, eu, "eu-0"));
    await until("re-pointed", 15_000, async () => (await replica(eu.ns, "pg-eu")).primary === "pg-us");
    expect(specs.seen).toEqual(["primary=pg-eu", "primary=pg-eu fenced", "primary=pg-us fenced"]);
    expect((await gates(env.admin, eu.ns)).join()).toBe("False,False");
    const reasons = (await events(env.admin, eu.ns)).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["Fenced", "Repointed"]));
    expect(((await env.admin.get(FS(eu.ns, "db"))).status as { role: string }).role).toBe("fenced");
  });
});

describe("replicas and connections", () => {
  it("two replicas: only the Lease holder acts; the other takes over when it stops", async () => {
    const bus = new HeartbeatBus();
    const [eu] = await twoRegions(env, "ha");
    const a = await start(startController(env, bus, eu, "eu-a"));
    const b = await start(startController(env, bus, eu, "eu-b"));
    expect([a.elector.isLeader(), b.elector.isLeader()]).toEqual([true, false]);
    await until("gates", 10_000, async () => (await gates(env.admin, eu.ns)).join() === "True,True");
    bus.set("us", "db", { role: "primary", epoch: 3, gate: "open", localTargets: [] });
    await until("fenced by the leader", 15_000, async () =>
      (await events(env.admin, eu.ns)).some((e) => e.reason === "Fenced"),
    );
    const actors = new Set((await events(env.admin, eu.ns)).map((e) => e.source.component));
    expect([...actors]).toEqual(["eu-a"]);
    const lease = await env.admin.get<KubeObject>(
      `/apis/coordination.k8s.io/v1/namespaces/${eu.ns}/leases/splitguard-controller`,
    );
    expect((lease.spec as { holderIdentity: string }).holderIdentity).toBe("eu-a");
    await a.stop(true);
    running.splice(running.indexOf(a), 1);
    await until("b leads", 10_000, async () => b.elector.isLeader());
  });

  it("a dropped watch is resumed: an override created after the API server restarted is applied", async () => {
    const bus = new HeartbeatBus();
    const [, us] = await twoRegions(env, "watch");
    const c = await start(startController(env, bus, us, "us-0", { resyncMs: 600_000 }));
    const before = c.overrides.watches;
    await env.restartApiserver();
    await until("watch reopened", 20_000, async () => c.overrides.watches > before);
    await env.admin.create(FO(us.ns), override("freeze-after-restart", { action: "freeze" }));
    await until(
      "applied through the resumed watch",
      15_000,
      async () => (await phase(us.ns, "freeze-after-restart")).phase === "Applied",
    );
  });
});
