// The CRDs against a real kube-apiserver: the upstream CNPG and Gateway API CRDs install from their
// Go modules, splitguard's CRDs install from charts/, and bad specs are rejected at admission with
// the message the schema gives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateFromFreshRead } from "../../src/kube/conflict-retry.ts";
import { KubeApiError, KubeClient, type KubeObject } from "../../src/kube/kube-client.ts";
import { CLUSTER, cnpgCluster, FO, FS, failoverService, newNamespace } from "./support/fixtures.ts";
import { type KubeEnv, startKubeEnvWithCrds } from "./support/kube-env.ts";

let env: KubeEnv;
let ns: string;

beforeAll(async () => {
  env = await startKubeEnvWithCrds();
  ns = await newNamespace(env.admin, "crds");
}, 180_000);
afterAll(async () => {
  await env?.stop();
});

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KubeApiError);
    expect((e as KubeApiError).status).toBe(422);
    return (e as KubeApiError).message;
  }
  throw new Error("the API server accepted it");
}

describe("upstream CRDs from their Go modules", () => {
  it("a CNPG v1.30.0 Cluster in distributed topology is accepted and its status subresource is writable", async () => {
    await env.admin.create(CLUSTER(ns), cnpgCluster("pg-eu", "pg-eu", "pg-eu"));
    const st = await env.admin.patch(`${CLUSTER(ns, "pg-eu")}/status`, "merge", {
      status: { currentPrimary: "pg-eu-1", phase: "Cluster in healthy state" },
    });
    expect((st.status as { currentPrimary: string }).currentPrimary).toBe("pg-eu-1");
  });
  it("Gateway API standard v1.6.1 Gateways are served", async () => {
    const list = await env.admin.get<{ items: unknown[] }>(
      `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/gateways`,
    );
    expect(list.items).toEqual([]);
  });
});

describe("FailoverService admission", () => {
  it("a valid spec is accepted with defaults filled in", async () => {
    const o = await env.admin.create(FS(ns), failoverService("ok"));
    const spec = o.spec as Record<string, Record<string, number>>;
    expect(spec.failover).toEqual({ fenceAfter: 60, promoteAfter: 300, margin: 10, holdDown: 600 });
    expect(spec.probe).toEqual({ interval: 5, timeout: 2 });
    expect(o.spec).toMatchObject({ strategy: "failover", ttl: 30 });
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    [
      "promoteAfter shorter than the fencing rule",
      { failover: { fenceAfter: 60, promoteAfter: 70 } },
      /spec\.failover\.promoteAfter: Invalid value.*at least fenceAfter \+ 2\*probe\.interval/,
    ],
    [
      "probe timeout not shorter than interval",
      { probe: { interval: 5, timeout: 5 } },
      /probe\.timeout must be shorter/,
    ],
    [
      "two target sources",
      { targets: { static: ["192.0.2.1"], service: { name: "lb" } } },
      /exactly one target source/,
    ],
    ["no target source", { targets: {} }, /exactly one target source/],
    [
      "a host that is not a DNS label",
      { host: "DB_1" },
      /spec\.host: Invalid value: "DB_1": spec\.host in body should match/,
    ],
    ["an unknown safety mode", { safety: "yolo" }, /spec\.safety: Unsupported value: "yolo"/],
    [
      "a host longer than 50 characters (localtargets-<host> would not be one DNS label)",
      { host: "h".repeat(51) },
      /spec\.host: Too long: may not be (longer than|more than) 50/,
    ],
    [
      "a region listed twice",
      {
        regions: [
          { name: "eu", cnpgCluster: "a" },
          { name: "eu", cnpgCluster: "b" },
        ],
      },
      /spec\.regions\[1\]: Duplicate value/,
    ],
    [
      "no regions",
      { regions: [] },
      /spec\.regions: Invalid value: 0: spec\.regions in body should have at least 1 items/,
    ],
    [
      "a static target that is not an IP",
      { targets: { static: ["db.example.com"] } },
      /spec\.targets\.static\[0\]/,
    ],
    [
      "a negative ttl",
      { ttl: -1 },
      /spec\.ttl: Invalid value: -1: spec\.ttl in body should be greater than or equal to 0/,
    ],
  ];
  for (const [what, spec, msg] of bad)
    it(`rejects ${what}`, async () => {
      expect(await rejection(env.admin.create(FS(ns), failoverService("bad", spec)))).toMatch(msg);
    });

  it("rejects a missing gate with the field named", async () => {
    const o = failoverService("nogate");
    delete (o.spec as Record<string, unknown>).gate;
    expect(await rejection(env.admin.create(FS(ns), o))).toMatch(
      /spec\.gate: .*gate is required for a service with CNPG clusters/,
    );
  });

  const stateless = (name: string, spec: Record<string, unknown> = {}) => {
    const o = failoverService(name, {
      strategy: "roundRobin",
      regions: [{ name: "eu" }, { name: "us" }],
      ...spec,
    });
    delete (o.spec as Record<string, unknown>).gate;
    return o;
  };
  it("accepts a roundRobin service without CNPG clusters and without a gate", async () => {
    const o = await env.admin.create(FS(ns), stateless("www"));
    expect((o.spec as { regions: unknown[] }).regions).toEqual([{ name: "eu" }, { name: "us" }]);
  });
  it("rejects a failover (stateful) service without cnpgCluster, naming the field", async () => {
    const o = stateless("nocnpg", { strategy: "failover" });
    (o.spec as Record<string, unknown>).gate = { selector: { matchLabels: { app: "x" } } };
    expect(await rejection(env.admin.create(FS(ns), o))).toMatch(
      /spec\.regions: Invalid value.*regions\[\]\.cnpgCluster is required for every region unless strategy is roundRobin/,
    );
  });
  it("rejects a service with the default strategy and no cnpgCluster", async () => {
    const o = stateless("defaulted");
    delete (o.spec as Record<string, unknown>).strategy;
    (o.spec as Record<string, unknown>).gate = { selector: { matchLabels: { app: "x" } } };
    expect(await rejection(env.admin.create(FS(ns), o))).toMatch(/regions\[\]\.cnpgCluster is required/);
  });
  it("rejects CNPG clusters in some regions only", async () => {
    const o = stateless("half", { regions: [{ name: "eu", cnpgCluster: "pg-eu" }, { name: "us" }] });
    (o.spec as Record<string, unknown>).gate = { selector: { matchLabels: { app: "x" } } };
    expect(await rejection(env.admin.create(FS(ns), o))).toMatch(/for every region or for none/);
  });

  it("lists with the printer columns host, role, epoch, safety, quorum, age", async () => {
    await env.admin.patch(`${FS(ns, "ok")}/status`, "merge", {
      status: { role: "primary", epoch: 3, quorum: "3/3" },
    });
    const table = await env.admin.request<{
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    }>("GET", FS(ns), undefined, "", "application/json;as=Table;v=v1;g=meta.k8s.io");
    const names = table.columnDefinitions.map((c) => c.name);
    expect(names).toEqual(["Name", "Host", "Role", "Epoch", "Safety", "Quorum", "Primary", "Reason", "Age"]);
    expect(table.rows[0]!.cells.slice(0, 6)).toEqual(["ok", "db", "primary", 3, "witness", "3/3"]);
  });
});

describe("FailoverOverride admission", () => {
  const override = (spec: Record<string, unknown>) => ({
    apiVersion: "splitguard.io/v1alpha1",
    kind: "FailoverOverride",
    metadata: { name: `o-${Math.random().toString(36).slice(2, 8)}` },
    spec: { service: "ok", reason: "test", ...spec },
  });
  it("accepts a freeze without a region", async () => {
    await env.admin.create(FO(ns), override({ action: "freeze" }));
  });
  it("rejects a promote without a region", async () => {
    expect(await rejection(env.admin.create(FO(ns), override({ action: "promote" })))).toMatch(
      /spec\.region: Invalid value.*region is required for promote, demote and switchover/,
    );
  });
  it("rejects force without the split-brain acknowledgement", async () => {
    expect(
      await rejection(env.admin.create(FO(ns), override({ action: "promote", region: "us", force: true }))),
    ).toMatch(/force: true needs acknowledgeSplitBrain: true/);
  });
  it("rejects force on anything but promote", async () => {
    expect(
      await rejection(
        env.admin.create(
          FO(ns),
          override({ action: "demote", region: "us", force: true, acknowledgeSplitBrain: true }),
        ),
      ),
    ).toMatch(/force applies only to action promote/);
  });
  it("rejects an override without a reason", async () => {
    const o = override({ action: "freeze" });
    delete (o.spec as Record<string, unknown>).reason;
    expect(await rejection(env.admin.create(FO(ns), o))).toMatch(/spec\.reason: Required value/);
  });
  it("an override is immutable", async () => {
    const o = await env.admin.create(FO(ns), override({ action: "freeze" }));
    expect(
      await rejection(env.admin.patch(FO(ns, o.metadata.name), "merge", { spec: { reason: "changed" } })),
    ).toMatch(/an override is immutable/);
  });
});

describe("409 conflicts", () => {
  it("a status write that lost the race is recomputed from a fresh read, keeping the other writer's change", async () => {
    await env.admin.create(FS(ns), failoverService("race"));
    const path = FS(ns, "race");
    // Another writer changes status between our read and our first write.
    class Racing extends KubeClient {
      raced = false;
      override async update<T = KubeObject>(p: string, obj: unknown): Promise<T> {
        if (!this.raced) {
          this.raced = true;
          await env.admin.patch(`${path}/status`, "merge", { status: { quorum: "2/3" } });
        }
        return super.update<T>(p, obj);
      }
    }
    const client = new Racing(env.admin.conn);
    const { conflicts } = await updateFromFreshRead(
      client,
      path,
      (cur) => ({ ...cur, status: { ...((cur.status as object) ?? {}), role: "standby" } }),
      5,
      `${path}/status`,
    );
    expect(conflicts).toBe(1);
    expect((await env.admin.get(path)).status).toMatchObject({ role: "standby", quorum: "2/3" });
  });
  it("a stale resourceVersion is refused with 409", async () => {
    const cur = await env.admin.get(FS(ns, "race"));
    await env.admin.patch(`${FS(ns, "race")}/status`, "merge", { status: { epoch: 7 } });
    const err = await env.admin
      .update(`${FS(ns, "race")}/status`, { ...cur, status: { epoch: 8 } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).isConflict).toBe(true);
  });
});
