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
});
