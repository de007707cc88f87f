// A stateless roundRobin FailoverService (no CNPG cluster; examples/roundrobin-stateless) through
// the Kubernetes world on a real API server: the region runtime reads the example's object and its
// LoadBalancer Service, runs no machine, answers its own and the sighted peer's targets, writes a
// status the CRD admits, and the override executor rejects an override for it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PeerServiceReport } from "../../src/core/evidence.ts";
import type { ProbeRound } from "../../src/core/prober.ts";
import type { ZoneView } from "../../src/dns/zone-model.ts";
import type { Controller } from "../../src/kube/controller.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { KubeWorld } from "../../src/kube/kube-world.ts";
import { reconcileService } from "../../src/kube/service-reconciler.ts";
import { silentLogger } from "../../src/log.ts";
import { RegionRuntime } from "../../src/runtime/region-runtime.ts";
import { systemClock } from "../../src/shell/system-clock.ts";
import { exampleRegions } from "../support/examples.ts";
import { peerRound, twoRegionConfig } from "../support/runtime-rounds.ts";
import { FO, FS, newNamespace } from "./support/fixtures.ts";
import { type KubeEnv, startKubeEnvWithCrds } from "./support/kube-env.ts";

const CONFIG = twoRegionConfig("eu");
const EU_LB = "198.51.100.80";
const US: PeerServiceReport = { role: "primary", epoch: 0, gate: "open", localTargets: ["203.0.113.80"] };

/** One probe round in eu: us sighted (directly and by every witness) publishing www, or lost. */
const round = (n: number, us: "up" | "down"): ProbeRound => peerRound(CONFIG, n, Date.now(), us, { www: US });

let env: KubeEnv;
let ns: string;
beforeAll(async () => {
  env = await startKubeEnvWithCrds((c) => c.metadata.name === "clusters.postgresql.cnpg.io");
  ns = await newNamespace(env.admin, "stateless");
}, 180_000);
afterAll(async () => {
  await env?.stop();
});

describe("stateless roundRobin service on the API server", () => {
  it("no machine, no CNPG: answers eu's load balancer and the sighted us, then only eu; status admitted; overrides rejected", async () => {
    const eu = exampleRegions().find((r) => r.example === "roundrobin-stateless" && r.region === "eu")!;
    for (const { object } of eu.objects) {
      const path =
        object.kind === "FailoverService"
          ? FS(ns)
          : object.kind === "Service"
            ? `/api/v1/namespaces/${ns}/services`
            : `/apis/apps/v1/namespaces/${ns}/deployments`;
      await env.admin.create(path, object);
    }
    await env.admin.patch(`/api/v1/namespaces/${ns}/services/www/status`, "merge", {
      status: { loadBalancer: { ingress: [{ ip: EU_LB }] } },
    });
    const fs = await env.admin.get(FS(ns, "www"));
    const store = new Map<string, KubeObject>([["www", fs]]);
    const controller = {
      services: { store },
      overrides: { store: new Map<string, KubeObject>() },
      elector: { isLeader: () => true },
    } as unknown as Controller;
    const world = new KubeWorld({
      client: env.admin,
      namespace: ns,
      region: "eu",
      identity: "eu-0",
      clock: systemClock,
      controller,
    });
    expect(world.services()).toEqual([
      {
        name: "www",
        host: "www",
        strategy: "roundRobin",
        safety: "witness",
        regions: ["eu", "us"],
        stateless: true,
      },
    ]);
    const zones: ZoneView[] = [];
    const rt = new RegionRuntime({
      config: CONFIG,
      clock: systemClock,
      world,
      log: silentLogger,
      staticView: { hosts: [], services: [] },
      onZone: (v) => zones.push(v),
    });
    const answer = () => zones.at(-1)?.hosts.find((h) => h.name === "www")?.answer;

    await rt.onRound(round(1, "up"));
    await rt.settled();
    expect(rt.states()).toEqual({});
    expect(answer()).toEqual([EU_LB, "203.0.113.80"]);
    const status = (await env.admin.get(FS(ns, "www"))).status as Record<string, unknown>;
    expect(status).toMatchObject({
      role: "stateless",
      state: "stateless.serving",
      published: { role: "primary", epoch: 0, gate: "open", localTargets: [EU_LB] },
      peers: [{ region: "us", seen: "up", gate: "open" }],
    });
    expect((status.decision as { reason: string }).reason).toMatch(/answering the targets of eu, us/);

    await rt.onRound(round(2, "down"));
    await rt.settled();
    expect(answer()).toEqual([EU_LB]);
    rt.stop();

    const o = await env.admin.create(FO(ns), {
      apiVersion: "splitguard.io/v1alpha1",
      kind: "FailoverOverride",
      metadata: { name: "promote-eu" },
      spec: { service: "www", action: "promote", region: "eu", reason: "drill" },
    });
    const r = await reconcileService(
      {
        client: env.admin,
        namespace: ns,
        region: "eu",
        clock: systemClock,
        peers: () => ({}),
        publish: () => {},
        peerAliveMs: 30_000,
        identity: "eu-0",
      },
      await env.admin.get(FS(ns, "www")),
      [o],
    );
    expect(r).toMatchObject({ kind: "done" });
    expect((await env.admin.get(FO(ns, "promote-eu"))).status).toMatchObject({
      phase: "Rejected",
      message: expect.stringMatching(/stateless roundRobin service .*overrides do not apply/),
    });
  });
});
