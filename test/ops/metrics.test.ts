// `promtool check metrics` on what splitguard serves at /metrics: the controller's metrics module
// fed with every kind of series, and a real `splitguard dns serve --metrics` after some queries.
import { afterAll, describe, expect, it } from "vitest";
import { ControllerMetrics } from "../../src/metrics.ts";
import { CONFIG } from "../dns/support/fixture.ts";
import { type ServeProcess, spawnServe } from "../dns/support/spawn-serve.ts";
import { buildQuery, freePort, tcpExchange, udpExchange } from "../support/dns-client.ts";
import { promtool } from "./support/promtool.ts";

let srv: ServeProcess | undefined;
afterAll(async () => {
  await srv?.stop();
});

describe("promtool check metrics", () => {
  it("accepts the controller's and the prober's exposition with every series present", async () => {
    const m = new ControllerMetrics({ region: "eu" });
    m.setLeader(true);
    m.setRole("db", "eu", "primary");
    m.setRole("db", "us", "fenced");
    m.recordDecision("db", "promote", 1_700_000_000_000);
    m.recordDecision("db", "fence", 1_700_000_100_000);
    m.setFenced("db", 1_700_000_000_000);
    m.setLeaseHeld("db", true);
    m.setLeaseHeld("db", false);
    m.setOverrideActive("db", "freeze-db", "freeze", 1_700_003_600_000);
    m.setOverrideActive("db", "forever", "freeze", undefined);
    m.setHostEndpointsUp("app", 2, 3);
    m.notified("webhook", "retried");
    m.queueDepth(3);
    m.transition("db", "standby.suspecting", "standby.promoting");
    m.served("app", 2);
    const p = m.probe;
    p.quorumReached.set(1);
    p.witnessReachable.set({ witness: "8.8.8.8" }, 1);
    p.checks.inc({ witness: "8.8.8.8", result: "self_ok" });
    p.peerReachable.set({ peer: "us", path: "direct" }, 0);
    p.latency.observe({ path: "direct" }, 0.004);
    p.rounds.inc();
    const text = await m.registry.metrics();
    expect(text).toContain(
      'splitguard_override_expiry_timestamp_seconds{service="db",override="forever",action="freeze"} +Inf',
    );
    const r = promtool(["check", "metrics"], text);
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });

  it("accepts what `splitguard dns serve --metrics` serves after UDP and TCP queries", async () => {
    const mport = await freePort("127.0.0.1");
    srv = await spawnServe(CONFIG, undefined, ["--metrics", `127.0.0.1:${mport}`]);
    for (const [name, type] of [
      ["app.gslb.example.com", 1],
      ["nope.gslb.example.com", 1],
      ["db.gslb.example.com", 28],
    ] as const)
      expect(await udpExchange(srv.host, srv.port, buildQuery({ name, type }), 2000)).toBeTruthy();
    const tcp = await tcpExchange(srv.host, srv.port, [
      buildQuery({ name: "app.gslb.example.com", type: 1 }),
    ]);
    expect(tcp).toHaveLength(1);
    const text = await (await fetch(`http://127.0.0.1:${mport}/metrics`)).text();
    expect(text).toContain("splitguard_dns_queries_total{");
    const r = promtool(["check", "metrics"], text);
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });
});
