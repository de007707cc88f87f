import { describe, expect, it } from "vitest";
import type { Clock } from "../../../src/core/clock.ts";
import { DEMO_SERVICE } from "../../../src/demo/demo-config.ts";
import { Ledger } from "../../../src/demo/ledger.ts";
import { MemoryCluster } from "../../../src/demo/memory-cluster.ts";
import { MemoryWorld } from "../../../src/demo/memory-world.ts";
import type { ServiceStatusDoc } from "../../../src/runtime/service-status.ts";

/** Timers fire only when the test moves time on. */
class StepClock implements Clock {
  t = 0;
  private pending = new Map<number, { at: number; fn: () => void }>();
  private n = 0;
  now = () => this.t;
  setTimeout(fn: () => void, ms: number) {
    this.pending.set(++this.n, { at: this.t + ms, fn });
    return this.n;
  }
  clearTimeout(h: unknown) {
    this.pending.delete(h as number);
  }
  to(t: number) {
    for (const [id, p] of [...this.pending].sort((a, b) => a[1].at - b[1].at)) {
      if (p.at > t) continue;
      this.pending.delete(id);
      this.t = p.at;
      p.fn();
    }
    this.t = t;
  }
}

const timing = { promoteMs: 1000, demoteMs: 500 };

function pair() {
  const clock = new StepClock();
  const ledger = new Ledger(clock.now);
  const eu = new MemoryCluster("eu", "eu", clock, ledger, timing);
  const us = new MemoryCluster("us", "eu", clock, ledger, timing);
  return { clock, ledger, eu, us };
}

const writes = (l: Ledger) =>
  l.entries.flatMap((e) => (e.kind === "writable" ? [`${e.at} ${e.region} ${e.writable}`] : []));

describe("MemoryCluster: CNPG and the gate in memory", () => {
  it("starts with the designated primary writable and its gate open, the replica following it", () => {
    const { eu, us, ledger } = pair();
    expect(eu.status()).toEqual({ role: "primary", fenced: false, primary: "eu", demotionToken: undefined });
    expect(us.status()).toMatchObject({ role: "replica", primary: "eu" });
    expect([eu.writable, us.writable]).toEqual([true, false]);
    expect(writes(ledger)).toEqual(["0 eu true"]);
  });

  it("completes a promotion only after promoteMs, and is writable once the gate opens", () => {
    const { clock, us, ledger } = pair();
    us.apply({ type: "promoteCnpg", epoch: 2 });
    expect(us.status()).toMatchObject({ role: "replica", primary: "us" });
    clock.to(999);
    expect(us.status().role).toBe("replica");
    clock.to(1000);
    expect(us.status().role).toBe("primary");
    expect(us.writable).toBe(false);
    us.apply({ type: "openGate" });
    expect(us.writable).toBe(true);
    expect(ledger.entries.filter((e) => e.kind === "promote")).toEqual([
      { at: 0, kind: "promote", region: "us", epoch: 2 },
    ]);
    expect(writes(ledger)).toEqual(["0 eu true", "1000 us true"]);
  });

  it("fencing and closing the gate each stop writes", () => {
    const { eu, ledger, clock } = pair();
    eu.apply({ type: "fenceCnpg" });
    expect(eu.writable).toBe(false);
    clock.to(10);
    eu.apply({ type: "unfenceCnpg" });
    expect(eu.writable).toBe(true);
    clock.to(20);
    eu.apply({ type: "closeGate" });
    expect(eu.writable).toBe(false);
    expect(writes(ledger)).toEqual(["0 eu true", "0 eu false", "10 eu true", "20 eu false"]);
  });

  it("a switchover's demotion stops writes at once and produces a demotion token demoteMs later", () => {
    const { eu, clock } = pair();
    eu.apply({ type: "demoteCnpg", primary: "us", epoch: 2 });
    expect(eu.writable).toBe(false);
    expect(eu.status()).toMatchObject({ role: "replica", primary: "us", demotionToken: undefined });
    clock.to(500);
    expect(eu.status().demotionToken).toMatch(/^[0-9a-f]{16}$/);
  });

  it("re-pointing a replica makes no token", () => {
    const { us, clock } = pair();
    us.apply({ type: "demoteCnpg", primary: "eu", epoch: 1 });
    clock.to(5000);
    expect(us.status().demotionToken).toBeUndefined();
  });

  it("a lost region is not writable, refuses intents and drops a pending promotion; it returns with gates closed", () => {
    const { eu, us, clock } = pair();
    us.apply({ type: "promoteCnpg", epoch: 2 });
    us.crash();
    clock.to(5000);
    expect(us.status()).toEqual({ role: "unknown", fenced: false });
    expect(() => us.apply({ type: "openGate" })).toThrow(/region us is down/);
    eu.crash();
    expect(eu.writable).toBe(false);
    eu.restart();
    expect(eu.status().role).toBe("primary");
    expect(eu.gateOpen).toBe(false);
    expect(eu.writable).toBe(false);
  });
});

describe("MemoryWorld: the runtime's world over a MemoryCluster", () => {
  const doc = (published: ServiceStatusDoc["published"]) =>
    ({ epoch: 3, role: "primary", published, restore: {} }) as unknown as ServiceStatusDoc;

  it("observes CNPG, targets and the demo's overrides; carries the gate and CNPG intents to the cluster", async () => {
    const { us } = pair();
    let overrides = [{ action: "freeze" as const, reason: "r", id: "f" }];
    const events: string[] = [];
    const w = new MemoryWorld({
      service: DEMO_SERVICE,
      cluster: us,
      targets: ["10.0.2.10"],
      overrides: () => overrides,
      onEvent: (r) => events.push(r),
    });
    const o = await w.observe(DEMO_SERVICE);
    expect(o).toMatchObject({
      cnpg: { role: "replica", primary: "eu" },
      replicaHealthy: true,
      targets: ["10.0.2.10"],
    });
    expect(o.overrides).toHaveLength(1);
    overrides = [];
    expect((await w.observe(DEMO_SERVICE)).overrides).toEqual([]);
    await w.execute(DEMO_SERVICE, { type: "fenceCnpg" });
    await w.execute(DEMO_SERVICE, { type: "emitEvent", reason: "Fenced", message: "m" });
    await w.execute(DEMO_SERVICE, {
      type: "publish",
      report: { role: "standby", epoch: 1, gate: "closed", localTargets: [] },
    });
    expect(us.fenced).toBe(true);
    expect(events).toEqual(["Fenced"]);
  });

  it("keeps status, restores from it and serves what it published", async () => {
    const { eu } = pair();
    const w = new MemoryWorld({ service: DEMO_SERVICE, cluster: eu, targets: [], overrides: () => [] });
    expect(w.publishedFromStatus(DEMO_SERVICE)).toBeUndefined();
    await w.writeStatus(
      DEMO_SERVICE,
      doc({ role: "primary", epoch: 3, gate: "open", localTargets: ["10.0.1.10"], demotionToken: "t" }),
    );
    expect(w.publishedFromStatus(DEMO_SERVICE)).toEqual({
      host: "db",
      role: "primary",
      epoch: 3,
      gate: "open",
      localTargets: ["10.0.1.10"],
      demotionToken: "t",
    });
    expect((await w.observe(DEMO_SERVICE)).restored).toMatchObject({ epoch: 3 });
  });
});
