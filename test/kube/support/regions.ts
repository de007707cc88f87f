// Two "regions" on one API server for the controller tests: each region is a namespace with its own
// controller(s), CNPG Cluster and gated pods; the controllers never read each other's namespace.
// The per-service heartbeat between regions is this in-memory bus (the DNS heartbeat path is the
// prober's, issue 4). The test plays the CNPG operator on the Clusters' status subresource.
import type { PeerServiceReport } from "../../../src/core/evidence.ts";
import { Controller } from "../../../src/kube/controller.ts";
import type { KubeClient, KubeObject, WatchEvent, WatchHandle } from "../../../src/kube/kube-client.ts";
import { controllerRules } from "../../../src/kube/rbac.ts";
import { systemClock } from "../../../src/shell/system-clock.ts";
import { CLUSTER, cnpgCluster, FS, failoverService, gatedPod } from "./fixtures.ts";
import type { KubeEnv } from "./kube-env.ts";

/** Every controller log line of the current test file (printed when a test fails). */
export const trace: string[] = [];

/**
 * The leader Lease duration (s) of the test controllers that run machines (live-world.ts, the keys
 * test, the e2e controllers): leadership lapses when a renewal does not land within it, and a lapse
 * restarts the machines (docs/controller.md); with 2 s a loaded CI machine's API server was slow
 * enough. Takeovers in these tests follow a released Lease, so they stay fast. startController below
 * keeps 2 s: it runs only the reconciler, and one of its tests waits out an unreleased Lease.
 */
export const LEADER_LEASE_S = 10;

export class HeartbeatBus {
  private reports = new Map<string, { report: PeerServiceReport; at: number }>();
  private listeners: ((region: string, service: string) => void)[] = [];
  publish(region: string) {
    return (service: string, report: PeerServiceReport) => {
      const prev = this.reports.get(`${region}/${service}`);
      this.reports.set(`${region}/${service}`, { report, at: Date.now() });
      if (JSON.stringify(prev?.report) !== JSON.stringify(report))
        trace.push(`${new Date().toISOString()} bus ${region}/${service} ${JSON.stringify(report)}`);
      if (JSON.stringify(prev?.report) !== JSON.stringify(report))
        for (const l of this.listeners) l(region, service);
    };
  }
  /** Set a region's report directly (a region whose controller is not running in this test). */
  set(region: string, service: string, report: PeerServiceReport) {
    this.publish(region)(service, report);
  }
  peers(self: string) {
    return (service: string) => {
      const out: Record<string, { report: PeerServiceReport; ageMs: number }> = {};
      for (const [k, v] of this.reports) {
        const [region, svc] = k.split("/");
        if (svc === service && region !== self) out[region!] = { report: v.report, ageMs: Date.now() - v.at };
      }
      return out;
    };
  }
  onChange(l: (region: string, service: string) => void) {
    this.listeners.push(l);
  }
}

export interface Region {
  readonly name: string;
  readonly ns: string;
  readonly cluster: string;
  readonly controllers: Controller[];
}

export function startController(
  env: KubeEnv,
  bus: HeartbeatBus,
  r: { name: string; ns: string },
  identity: string,
  extra: Partial<ConstructorParameters<typeof Controller>[0]> = {},
  client: KubeClient = env.client(env.userTokens.splitguard!),
): Controller {
  const c = new Controller({
    client,
    namespace: r.ns,
    region: r.name,
    identity,
    clock: systemClock,
    peers: bus.peers(r.name),
    publish: bus.publish(r.name),
    peerAliveMs: 20_000,
    resyncMs: 3_000,
    leaseDurationS: 2,
    log: (m) => {
      trace.push(`${new Date().toISOString()} [${identity}] ${m}`);
      if (process.env.SPLITGUARD_TEST_LOG) console.log(`[${identity}] ${m}`);
    },
    ...extra,
  });
  bus.onChange((region, svc) => {
    if (region !== r.name) c.queue.enqueue(svc);
  });
  return c;
}

/**
 * One region's namespace: a CNPG Cluster `pg-<region>` following `primary`, the FailoverService
 * `db` (fixture spec plus `fsSpec`), 2 gated pods, and the Role + RoleBinding that give the plain
 * user `splitguard` exactly controllerRules.
 */
export async function regionNamespace(
  env: KubeEnv,
  ns: string,
  region: string,
  primary: string,
  fsSpec: Record<string, unknown> = {},
): Promise<Region> {
  await env.admin.create("/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns },
  });
  await env.admin.create(CLUSTER(ns), cnpgCluster(`pg-${region}`, `pg-${region}`, primary));
  await env.admin.create(FS(ns), failoverService("db", fsSpec));
  for (const i of [0, 1])
    await env.admin.create(`/api/v1/namespaces/${ns}/pods`, gatedPod(`ferretdb-${i}`, { app: "ferretdb" }));
  await env.admin.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "splitguard-controller" },
    rules: controllerRules,
  });
  await env.admin.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "splitguard-controller" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "splitguard-controller" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "splitguard" }],
  });
  return { name: region, ns, cluster: `pg-${region}`, controllers: [] };
}

/** Namespaces `<p>-eu`, `<p>-us`, each with a Cluster (eu primary), a FailoverService and 2 gated pods. */
export async function twoRegions(env: KubeEnv, prefix: string, primary = "pg-eu"): Promise<[Region, Region]> {
  const out: Region[] = [];
  // The controllers run as the plain user `splitguard`, bound to exactly controllerRules.
  for (const name of ["eu", "us"]) out.push(await regionNamespace(env, `${prefix}-${name}`, name, primary));
  return out as [Region, Region];
}

export async function until<T>(
  what: string,
  ms: number,
  f: () => Promise<T | undefined | false>,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`,
  );
}

export async function gates(client: KubeClient, ns: string): Promise<string[]> {
  const pods = await client.get<{ items: KubeObject[] }>(`/api/v1/namespaces/${ns}/pods`);
  return pods.items.map((p) => {
    const c = ((p.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).find(
      (x) => x.type === "splitguard.io/primary",
    );
    return c?.status ?? "none";
  });
}

export async function events(
  client: KubeClient,
  ns: string,
): Promise<{ reason: string; message: string; source: { component: string } }[]> {
  const l = await client.get<{
    items: {
      reason: string;
      message: string;
      source: { component: string };
      metadata: { creationTimestamp: string };
    }[];
  }>(`/api/v1/namespaces/${ns}/events`);
  return l.items;
}

/** A watch reopened whenever it ends (a watch can be refused with 429 while storage initializes). */
function keepWatching(env: KubeEnv, path: string, onEvent: (e: WatchEvent) => void): { stop: () => void } {
  let stopped = false;
  let h: WatchHandle | undefined;
  const open = () => {
    if (stopped) return;
    h = env.admin.watch(path, onEvent);
    void h.done.then(() => setTimeout(open, 200));
  };
  open();
  return {
    stop: () => {
      stopped = true;
      h?.stop();
    },
  };
}

/**
 * Records every distinct spec.replica + fencing annotation a Cluster goes through, from a watch:
 * the controller's patches, in order, as the API server stored them.
 */
export function recordClusterSpecs(env: KubeEnv, ns: string, name: string) {
  const seen: string[] = [];
  const h = keepWatching(env, `${CLUSTER(ns)}?fieldSelector=metadata.name%3D${name}`, (e) => {
    if (e.type !== "ADDED" && e.type !== "MODIFIED") return;
    const rep = (e.object.spec as { replica: { primary: string; promotionToken?: string } }).replica;
    const fenced = e.object.metadata.annotations?.["cnpg.io/fencedInstances"];
    const s = `primary=${rep.primary}${rep.promotionToken ? ` token=${rep.promotionToken}` : ""}${fenced ? " fenced" : ""}`;
    if (seen.at(-1) !== s) seen.push(s);
  });
  return { seen, stop: () => h.stop() };
}

/** Play the CNPG operator: when the cluster is told to follow another, report a demotion token. */
export function cnpgReportsDemotionToken(env: KubeEnv, ns: string, name: string, token: string) {
  const h = keepWatching(env, `${CLUSTER(ns)}?fieldSelector=metadata.name%3D${name}`, (e) => {
    if (e.type !== "ADDED" && e.type !== "MODIFIED") return;
    const rep = (e.object.spec as { replica: { primary: string } }).replica;
    const st = e.object.status as { demotionToken?: string } | undefined;
    if (rep.primary !== name && !st?.demotionToken)
      void env.admin
        .patch(`${CLUSTER(ns, name)}/status`, "merge", { status: { demotionToken: token } })
        .catch((err) => console.log("CNPG-MOCK", String(err)));
  });
  return { stop: () => h.stop() };
}
