// The controller shell against an in-memory API (no apiserver): which requests it sends at
// start-up and per reconcile. The behaviour on real objects is the kube tier's (test/kube).
import { describe, expect, it } from "vitest";
import { Controller } from "../../../src/kube/controller.ts";
import {
  KubeApiError,
  KubeClient,
  type KubeObject,
  type WatchHandle,
} from "../../../src/kube/kube-client.ts";
import { ManualClock } from "../../support/manual-clock.ts";

const NS = "sg";
const FS = `/apis/splitguard.io/v1alpha1/namespaces/${NS}/failoverservices`;
const FO = `/apis/splitguard.io/v1alpha1/namespaces/${NS}/failoveroverrides`;
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
const CLUSTER = `/apis/postgresql.cnpg.io/v1/namespaces/${NS}/clusters/pg-eu`;
const cluster: KubeObject = {
  metadata: { name: "pg-eu" },
  spec: { replica: { self: "pg-eu", primary: "pg-eu", source: "pg-us" } },
};

/** Objects by path; collections are listed from them. Every request is recorded as "VERB path". */
class MemoryClient extends KubeClient {
  readonly objects = new Map<string, KubeObject>();
  readonly sent: string[] = [];
  private rv = 0;

  constructor() {
    super({ server: "https://127.0.0.1:1" });
  }

  override async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const p = path.split("?")[0]!;
    this.sent.push(`${method} ${p}`);
    if (method === "GET") {
      const obj = this.objects.get(p);
      if (obj) return obj as T;
      const items = [...this.objects].filter(([k]) => k.startsWith(`${p}/`)).map(([, v]) => v);
      if (p === FS || p === FO) return { metadata: { resourceVersion: String(this.rv) }, items } as T;
      throw new KubeApiError(404, "NotFound", `${method} ${p}: 404`, undefined);
    }
    const obj = body as KubeObject;
    const at = method === "POST" ? `${p}/${obj.metadata.name}` : p.replace(/\/status$/, "");
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    this.objects.set(at, stored);
    return stored as T;
  }

  override watch(): WatchHandle {
    return { done: new Promise(() => {}), stop: () => {} };
  }
}

const service = (observedGeneration: number): KubeObject => ({
  metadata: { name: "db", generation: 2 },
  spec: {
    host: "db",
    regions: [
      { name: "eu", cnpgCluster: "pg-eu" },
      { name: "us", cnpgCluster: "pg-us" },
    ],
    gate: { selector: { matchLabels: { app: "ferretdb" } } },
  },
  status: { observedGeneration },
});

async function started(client: MemoryClient, overridesOnly = true) {
  const c = new Controller({
    client,
    namespace: NS,
    region: "eu",
    identity: "eu-0",
    clock: new ManualClock(),
    peers: () => ({}),
    publish: () => {},
    overridesOnly,
  });
  await c.start();
  await c.queue.whenIdle();
  return c;
}

describe("Controller", () => {
  it("takes the leader Lease with one read and one write at start-up", async () => {
    const client = new MemoryClient();
    const c = await started(client);
    expect(client.sent.filter((r) => r.includes("/leases"))).toEqual([
      `GET ${LEASES}/splitguard-controller`,
      `POST ${LEASES}`,
    ]);
    expect(c.elector.isLeader()).toBe(true);
    await c.stop(false);
  });

  it("overrides only: a service with no pending override and a current observedGeneration costs no request", async () => {
    const client = new MemoryClient();
    client.objects.set(`${FS}/db`, service(2));
    client.objects.set(`${FO}/done`, {
      metadata: { name: "done" },
      spec: { service: "db", action: "freeze", reason: "test" },
      status: { phase: "Applied" },
    });
    const c = await started(client);
    client.sent.length = 0;
    c.queue.enqueue("db");
    await c.queue.whenIdle();
    expect(client.sent).toEqual([]);
    await c.stop(false);
  });

  it("overrides only: a spec not yet observed is reconciled from fresh reads (observedGeneration written)", async () => {
    const client = new MemoryClient();
    client.objects.set(`${FS}/db`, service(1));
    client.objects.set(CLUSTER, cluster);
    const c = await started(client);
    expect(client.sent).toContain(`GET ${CLUSTER}`);
    expect(client.objects.get(`${FS}/db`)?.status).toEqual({ observedGeneration: 2 });
    await c.stop(false);
  });

  it("overrides only: a pending override is carried out", async () => {
    const client = new MemoryClient();
    client.objects.set(`${FS}/db`, service(2));
    client.objects.set(CLUSTER, cluster);
    client.objects.set(`${FO}/freeze`, {
      metadata: { name: "freeze" },
      spec: { service: "db", action: "freeze", reason: "test" },
    });
    const c = await started(client);
    expect(client.objects.get(`${FO}/freeze`)?.status).toMatchObject({ phase: "Applied" });
    await c.stop(false);
  });
});
