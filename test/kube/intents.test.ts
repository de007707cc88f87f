// The service machine's intents executed on real objects: the patches land in the order emitted,
// and replaying the same intents (as after a restart) changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Intent } from "../../machines/intents.ts";
import { EPOCH_ANNOTATION } from "../../src/kube/cnpg-actuator.ts";
import { executeIntent, type IntentContext } from "../../src/kube/intent-executor.ts";
import { systemClock } from "../../src/shell/system-clock.ts";
import { CLUSTER, FS } from "./support/fixtures.ts";
import { type KubeEnv, startKubeEnvWithCrds } from "./support/kube-env.ts";
import { events, gates, recordClusterSpecs, regionNamespace, twoRegions, until } from "./support/regions.ts";

let env: KubeEnv;
beforeAll(async () => {
  env = await startKubeEnvWithCrds((c) => c.metadata.name === "clusters.postgresql.cnpg.io");
}, 180_000);
afterAll(async () => {
  await env?.stop();
});

/** What the runtime hands the executor for `region` (cluster pg-<region>), as splitguard's user. */
async function intentContext(ns: string, region: string): Promise<IntentContext> {
  return {
    client: env.client(env.userTokens.splitguard!),
    namespace: ns,
    service: await env.admin.get(FS(ns, "db")),
    cnpgCluster: `pg-${region}`,
    clusterOf: (r) => `pg-${r}`,
    gateLabels: { app: "ferretdb" },
    clock: systemClock,
    identity: `${region}-0`,
  };
}

describe("intent executor", () => {
  it("fence, demote, unfence, forced promotion at a new epoch: in order, each patch once when replayed", async () => {
    const [eu] = await twoRegions(env, "intents");
    const specs = recordClusterSpecs(env, eu.ns, "pg-eu");
    const ctx = await intentContext(eu.ns, "eu");
    const intents: Intent[] = [
      { type: "closeGate" },
      { type: "fenceCnpg" },
      { type: "demoteCnpg", primary: "us", epoch: 2 },
      { type: "unfenceCnpg" },
      { type: "promoteCnpg", epoch: 3 },
      { type: "openGate" },
      { type: "emitEvent", reason: "Resumed", message: "test" },
    ];
    // Each intent twice in a row, as after a restart that replays the last intent: no second patch.
    for (const i of intents) {
      await executeIntent(ctx, i);
      if (i.type !== "emitEvent") await executeIntent(ctx, i);
    }
    await until("watch caught up", 5_000, async () => specs.seen.length >= 5);
    await new Promise((r) => setTimeout(r, 500));
    specs.stop();
    expect(specs.seen).toEqual([
      "primary=pg-eu",
      "primary=pg-eu fenced",
      "primary=pg-us fenced",
      "primary=pg-us",
      "primary=pg-eu",
    ]);
    expect((await gates(env.admin, eu.ns)).join()).toBe("True,True");
    const reasons = (await events(env.admin, eu.ns)).map((e) => e.reason).sort();
    expect(reasons).toEqual(["Demoted", "Fenced", "Promoted", "Resumed", "Unfenced"]);
  });

  it("three regions: a replica that stays a replica follows the new primary with spec.replica.source too, once", async () => {
    const regions = ["eu", "us", "ap"].map((name) => ({ name, cnpgCluster: `pg-${name}` }));
    const ap = await regionNamespace(env, "intents3-ap", "ap", "pg-eu", { regions });
    const ext = (name: string) => ({
      name,
      connectionParameters: { host: `${name}-rw.example`, dbname: "postgres" },
    });
    await env.admin.patch(CLUSTER(ap.ns, "pg-ap"), "merge", {
      spec: { externalClusters: [ext("pg-eu"), ext("pg-us"), ext("pg-ap")], replica: { source: "pg-eu" } },
    });
    const ctx = await intentContext(ap.ns, "ap");
    // eu was lost and us promoted: ap's machine tracks us and asks CNPG to follow it.
    await executeIntent(ctx, { type: "demoteCnpg", primary: "us", epoch: 2 });
    const after = await env.admin.get(CLUSTER(ap.ns, "pg-ap"));
    expect((after.spec as { replica: Record<string, unknown> }).replica).toEqual({
      self: "pg-ap",
      primary: "pg-us",
      source: "pg-us",
    });
    // The epoch followed is recorded with it (restore-start.ts reads it after a restart).
    expect(after.metadata.annotations?.[EPOCH_ANNOTATION]).toBe("2");
    // Replayed (a restart): nothing is sent again.
    await executeIntent(ctx, { type: "demoteCnpg", primary: "us", epoch: 2 });
    const again = await env.admin.get(CLUSTER(ap.ns, "pg-ap"));
    expect(again.metadata.resourceVersion).toBe(after.metadata.resourceVersion);
    // us promoted again (epoch 3) while ap already follows it: one patch records the epoch, spec
    // unchanged; an older epoch never lowers it.
    await executeIntent(ctx, { type: "demoteCnpg", primary: "us", epoch: 3 });
    await executeIntent(ctx, { type: "demoteCnpg", primary: "us", epoch: 2 });
    const newer = await env.admin.get(CLUSTER(ap.ns, "pg-ap"));
    expect(newer.metadata.annotations?.[EPOCH_ANNOTATION]).toBe("3");
    expect(newer.spec).toEqual(after.spec);
    expect((await events(env.admin, ap.ns)).map((e) => e.reason)).toEqual(["Demoted"]);
  });
});
