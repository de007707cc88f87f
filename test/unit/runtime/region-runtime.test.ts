// The region runtime against an in-memory world (the seam a demo uses): rounds in, intents out in
// order, published state and zone, status, leadership and override holds. A hand-driven clock; no
// sockets, no timers of its own.
import { describe, expect, it } from "vitest";
import type { Intent } from "../../../machines/intents.ts";
import type { Clock } from "../../../src/core/clock.ts";
import type { PeerServiceReport } from "../../../src/core/evidence.ts";
import { LeaseDriver } from "../../../src/core/lease-driver.ts";
import { LeaseWitnessStore, MemoryLeaseTransport } from "../../../src/core/lease-memory-transport.ts";
import type { ProbeRound } from "../../../src/core/prober.ts";
import type { ZoneView } from "../../../src/dns/zone-model.ts";
import { jsonLogger, silentLogger } from "../../../src/log.ts";
import type {
  LeaseAttempt,
  LeaseFactory,
  LocalObservation,
  PublishedState,
  RegionWorld,
  ServiceDef,
} from "../../../src/runtime/actuators.ts";
import { machineSpec, RegionRuntime, type RuntimeObserver } from "../../../src/runtime/region-runtime.ts";
import { type ServiceStatusDoc, STATUS_REFRESH_MS } from "../../../src/runtime/service-status.ts";
import { peerRound, twoRegionConfig } from "../../support/runtime-rounds.ts";

const CONFIG = twoRegionConfig("us");
const DB: ServiceDef = {
  name: "db",
  host: "db",
  strategy: "failover",
  safety: "witness",
  regions: ["eu", "us"],
};

class HandClock implements Clock {
  t = 1_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private n = 0;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.n;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

/** An in-memory region: one CNPG cluster, a gate, a status object, an Events list. */
class MemoryWorld implements RegionWorld {
  leader = true;
  cnpg: LocalObservation["cnpg"] = { role: "replica", fenced: false, primary: "eu" };
  gate = false;
  hold: string | undefined;
  overrides: LocalObservation["overrides"] = [];
  stored: ServiceStatusDoc | undefined;
  storedPublished: PublishedState | undefined;
  readonly executed: Intent["type"][] = [];
  readonly events: string[] = [];
  /** Lease mode: the order of recorded attempts and lease writes. */
  readonly leaseLog: string[] = [];
  safety: ServiceDef["safety"] = "witness";
  /** The FailoverService was deleted. */
  deleted = false;
  /** Overrides of the service definition (a stateless roundRobin service). */
  def: Partial<ServiceDef> = {};
  targets = ["198.51.100.20"];
  services() {
    return this.deleted ? [] : [{ ...DB, safety: this.safety, ...this.def }];
  }
  async persistLeaseAttempt(_svc: ServiceDef, a: LeaseAttempt) {
    await Promise.resolve();
    this.leaseLog.push(`persist ${a.epoch}/${a.seq}`);
  }
  isLeader() {
    return this.leader;
  }
  async observe(): Promise<LocalObservation> {
    return {
      cnpg: this.cnpg,
      replicaHealthy: true,
      targets: this.targets,
      targetProblems: [],
      restored: undefined,
      overrides: this.overrides,
      hold: this.hold,
    };
  }
  /** Intent types that fail once (an API error) before they succeed. */
  readonly failOnce = new Set<Intent["type"]>();
  async execute(_svc: ServiceDef, i: Intent) {
    if (this.failOnce.delete(i.type)) throw new Error(`${i.type}: 503 from the API server`);
    this.executed.push(i.type);
    if (i.type === "openGate") this.gate = true;
    if (i.type === "closeGate") this.gate = false;
    if (i.type === "promoteCnpg") this.cnpg = { role: "primary", fenced: false, primary: "us" };
    if (i.type === "emitEvent") this.events.push(i.reason);
  }
  /** How many status writes reached the API server. */
  writes = 0;
  async writeStatus(_svc: ServiceDef, doc: ServiceStatusDoc) {
    this.stored = doc;
    this.writes += 1;
  }
  publishedFromStatus() {
    return this.storedPublished;
  }
}

const EU_PRIMARY: PeerServiceReport = {
  role: "primary",
  epoch: 1,
  gate: "open",
  localTargets: ["192.0.2.10"],
};

/** One round as the prober reports it: eu up (or voted down by every witness), us's self-quorum. */
const round = (n: number, at: number, eu: "up" | "down"): ProbeRound =>
  peerRound(CONFIG, n, at, eu, { db: EU_PRIMARY });

function setup(lease?: (clock: Clock) => LeaseFactory, observer?: RuntimeObserver, logLines?: string[]) {
  const clock = new HandClock();
  const world = new MemoryWorld();
  const zones: ZoneView[] = [];
  const rt = new RegionRuntime({
    config: CONFIG,
    clock,
    world,
    log: logLines
      ? jsonLogger(
          (l) => logLines.push(l),
          () => clock.now(),
        )
      : silentLogger,
    staticView: { hosts: [], services: [] },
    onZone: (v) => zones.push(v),
    lease: lease?.(clock),
    observer,
  });
  let n = 0;
  const step = async (eu: "up" | "down") => {
    clock.advance(CONFIG.probe.interval * 1000);
    // Let lease rounds started by the clock finish (their transports answer on microtasks).
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    await rt.onRound(round(++n, clock.now(), eu));
    await rt.settled();
  };
  const answer = () => zones.at(-1)?.hosts.find((h) => h.name === "db")?.answer;
  return { clock, world, rt, zones, step, answer };
}

describe("machineSpec", () => {
  it("gives a lease-mode service the failsafe only when lease.failsafe is on", () => {
    const lease = { ...CONFIG, lease: { ttl: 30, failsafe: true } } as unknown as typeof CONFIG;
    expect(machineSpec(lease, { ...DB, safety: "lease" }).leaseFailsafe).toEqual({ ttlMs: 30_000 });
    expect(machineSpec(lease, DB).leaseFailsafe).toBeUndefined();
    const off = { ...CONFIG, lease: { ttl: 30, failsafe: false } } as unknown as typeof CONFIG;
    expect(machineSpec(off, { ...DB, safety: "lease" }).leaseFailsafe).toBeUndefined();
  });
});

describe("RegionRuntime", () => {
  it("a standby follows the sighted primary and answers its targets; status shows evidence and no timer", async () => {
    const { world, rt, step, answer } = setup();
    await step("up");
    expect(rt.states()).toEqual({ db: "standby.following" });
    expect(answer()).toEqual(["192.0.2.10"]);
    expect(world.gate).toBe(false);
    expect(world.stored).toMatchObject({
      role: "standby",
      primary: "eu",
      quorum: "3/3",
      timer: null,
      peers: [{ region: "eu", seen: "up", direct: true, role: "primary", epoch: 1, gate: "open" }],
      published: { role: "standby", gate: "closed", localTargets: [] },
    });
    expect(world.stored?.witnesses.map((w) => w.peers.eu)).toEqual(["up", "up", "up"]);
  });

  it("primary lost: the timer shows in status, the answer empties (no guessing), promotion only after promoteAfter", async () => {
    const { world, rt, step, answer, clock } = setup();
    await step("up");
    await step("down");
    expect(rt.states()).toEqual({ db: "standby.suspecting" });
    expect(answer(), "a standby never answers its own targets for a lost primary").toEqual([]);
    const timer = world.stored!.timer!;
    expect(timer.name).toBe("promoteAfter");
    expect(Date.parse(timer.deadline) - Date.parse(timer.since)).toBe(CONFIG.failover.promoteAfter * 1000);
    const promoteAt = Date.parse(timer.deadline);
    while (clock.now() + CONFIG.probe.interval * 1000 < promoteAt) {
      await step("down");
      expect(world.executed).not.toContain("promoteCnpg");
    }
    while (!world.executed.includes("promoteCnpg")) await step("down");
    expect(clock.now()).toBeGreaterThanOrEqual(promoteAt);
    await step("down");
    expect(rt.states()).toEqual({ db: "primary.serving" });
    expect(world.gate).toBe(true);
    expect(answer()).toEqual(["198.51.100.20"]);
    expect(world.stored).toMatchObject({ role: "primary", epoch: 2, timer: null });
    expect(world.events).toEqual(["Promoting", "Promoted"]);
  });

  it("a deleted service: its machine stops, it leaves the zone, and the observer drops what it reported", async () => {
    const forgotten: string[] = [];
    const observer: RuntimeObserver = {
      round: () => {},
      transition: () => {},
      promoted: () => {},
      served: () => {},
      forget: (def) => forgotten.push(`${def.name}/${def.host}`),
    };
    const { world, rt, step, answer } = setup(undefined, observer);
    await step("up");
    await step("up");
    expect(forgotten).toEqual([]);
    world.deleted = true;
    await step("up");
    expect(forgotten).toEqual(["db/db"]);
    expect(rt.states()).toEqual({});
    expect(answer()).toBeUndefined();
    await step("up");
    expect(forgotten).toEqual(["db/db"]);
  });

  it("a stateless roundRobin service: no machine and no intents; answers every region with targets, never promotes", async () => {
    const { world, rt, step, answer } = setup();
    world.def = { strategy: "roundRobin", stateless: true };
    await step("up");
    expect(rt.states()).toEqual({});
    expect(answer()).toEqual(["198.51.100.20", "192.0.2.10"]);
    expect(world.stored).toMatchObject({
      role: "stateless",
      state: "stateless.serving",
      published: { gate: "open", localTargets: ["198.51.100.20"] },
      peers: [{ region: "eu", seen: "up", gate: "open" }],
    });
    expect(world.stored?.decision.reason).toMatch(/answering the targets of us, eu/);
    // eu lost for longer than promoteAfter: left out of the answer, nothing promoted or gated.
    for (let i = 0; i < CONFIG.failover.promoteAfter / CONFIG.probe.interval + 5; i++) await step("down");
    expect(answer()).toEqual(["198.51.100.20"]);
    expect(world.executed).toEqual([]);
    expect(world.cnpg).toEqual({ role: "replica", fenced: false, primary: "eu" });
    // No targets here: this region leaves the answer too.
    world.targets = [];
    await step("up");
    expect(answer()).toEqual(["192.0.2.10"]);
    expect(world.stored).toMatchObject({
      state: "stateless.noTargets",
      published: { gate: "closed", localTargets: [] },
    });
  });

  it("a stateless service writes status when its answer changes or every STATUS_REFRESH_MS, not every round", async () => {
    const { world, step, clock } = setup();
    world.def = { strategy: "roundRobin", stateless: true };
    await step("up");
    const writes = world.writes;
    const decided = world.stored!.decision;
    const since = clock.now();
    while (clock.now() + CONFIG.probe.interval * 1000 < since + STATUS_REFRESH_MS) {
      await step("up");
      expect(world.writes, "nothing changed").toBe(writes);
    }
    await step("up");
    expect(world.writes, "refreshed").toBe(writes + 1);
    expect(world.stored!.decision, "the same answer keeps its time").toEqual(decided);
    // eu leaves the answer: written at once, dated now.
    await step("down");
    expect(world.writes).toBe(writes + 2);
    expect(world.stored!.decision.reason).toMatch(/answering the targets of us$/);
    expect(Date.parse(world.stored!.decision.at)).toBe(clock.now());
  });

  it("a service that becomes stateless stops its machine", async () => {
    const { world, rt, step, answer } = setup();
    await step("up");
    expect(rt.states()).toEqual({ db: "standby.following" });
    world.def = { strategy: "roundRobin", stateless: true };
    await step("up");
    expect(rt.states()).toEqual({});
    expect(answer()).toEqual(["198.51.100.20", "192.0.2.10"]);
  });

  it("a replica that is not the leader runs no machine and serves what status says", async () => {
    const { world, rt, step, answer } = setup();
    world.leader = false;
    world.storedPublished = {
      host: "db",
      role: "primary",
      epoch: 3,
      gate: "open",
      localTargets: ["198.51.100.20"],
    };
    await step("down");
    expect(rt.states()).toEqual({});
    expect(world.executed).toEqual([]);
    expect(world.stored).toBeUndefined();
    expect(answer()).toEqual(["198.51.100.20"]);
  });

  it("a leader whose leadership lapses stops its machines with a warning naming each service; they restart from status", async () => {
    const lines: string[] = [];
    const { world, rt, step } = setup(undefined, undefined, lines);
    await step("up");
    expect(rt.states()).toEqual({ db: "standby.following" });
    world.leader = false;
    await step("up");
    expect(rt.states()).toEqual({});
    const warn = lines.map((l) => JSON.parse(l)).filter((l) => l.level === "warn");
    expect(warn).toEqual([
      expect.objectContaining({
        msg: "standby.following -> stopped: not the leader this round",
        service: "db",
        decision: "stopped",
      }),
    ]);
    // A second round without leadership has nothing left to stop: no further warning.
    await step("up");
    expect(lines.filter((l) => JSON.parse(l).level === "warn")).toHaveLength(1);
    world.leader = true;
    await step("up");
    expect(rt.states()).toEqual({ db: "standby.following" });
  });

  it("an override in progress holds the machine; it starts again from status and CNPG afterwards", async () => {
    const { world, rt, step } = setup();
    await step("up");
    world.hold = "override o1 (promote) in progress";
    await step("down");
    expect(rt.states()).toEqual({});
    rt.pin("db", { role: "demoting", epoch: 1, gate: "closed", localTargets: [], handoverTo: "eu" });
    world.hold = undefined;
    world.cnpg = { role: "primary", fenced: false, primary: "us" };
    await step("down");
    expect(Object.values(rt.states())[0]).toMatch(/^primary\./);
  });

  it("asserts the published gate every round (a pod added since gets it), and not at all while frozen", async () => {
    const { world, rt, step } = setup();
    await step("up");
    await step("up");
    expect(world.executed.filter((t) => t === "closeGate")).toHaveLength(2);
    world.overrides = [{ action: "freeze", reason: "maintenance", id: "f1" }];
    await step("up");
    expect(rt.states()).toEqual({ db: "frozen" });
    const n = world.executed.length;
    await step("down");
    await step("down");
    expect(world.executed.slice(n), "frozen: no intent, no gate assertion").toEqual([]);
  });

  it("lease mode: a lost primary's lease is taken over (CAS on every witness) before promoting; every attempt is recorded before it is written", async () => {
    const stores = [new LeaseWitnessStore(), new LeaseWitnessStore(), new LeaseWitnessStore()];
    // eu held the lease at epoch 1 and stopped renewing (it is gone).
    for (const st of stores) st.apply("db", null, { holder: "eu", epoch: 1, seq: 7 });
    let world: MemoryWorld | undefined;
    const factory =
      (clock: Clock): LeaseFactory =>
      (svc, h) =>
        new LeaseDriver({
          params: { self: "us", ttlMs: 30_000, marginMs: 5_000, witnesses: 3 },
          service: svc.host,
          transports: stores.map((st, i) => {
            const t = new MemoryLeaseTransport(`l${i}`, st);
            const cas = t.compareAndSwap.bind(t);
            t.compareAndSwap = async (service, expected, next) => {
              world?.leaseLog.push(`write ${next.epoch}/${next.seq}`);
              return cas(service, expected, next);
            };
            return t;
          }),
          clock,
          opTimeoutMs: 2_000,
          persistAttempt: h.persist,
          onView: h.onView,
        });
    const t = setup(factory);
    world = t.world;
    t.world.safety = "lease";
    await t.step("down");
    expect(t.rt.states()).toEqual({ db: "standby.suspecting" });
    while (!t.world.executed.includes("promoteCnpg")) await t.step("down");
    await t.step("down");
    expect(t.rt.states()).toEqual({ db: "primary.serving" });
    expect(stores.map((st) => st.read("db"))).toEqual(
      stores.map(() => expect.objectContaining({ holder: "us", epoch: 2 })),
    );
    expect(t.world.stored).toMatchObject({ role: "primary", epoch: 2, lease: { holder: "us", epoch: 2 } });
    // Its heartbeat says it reaches a lease majority (lm=yes): what a peer's failsafe reads.
    expect(JSON.stringify(t.zones.at(-1))).toContain('"leaseMajority":true');
    // Safety: no value is written before it is on record.
    const log = t.world.leaseLog;
    for (const [i, line] of log.entries())
      if (line.startsWith("write ")) expect(log.slice(0, i)).toContain(line.replace("write", "persist"));
    expect(log.filter((l) => l.startsWith("write")).length).toBeGreaterThan(0);
  });

  it("lease mode without a lease factory: the service is held (no machine), never fenced by a missing lease", async () => {
    const { world, rt, step } = setup();
    world.safety = "lease";
    world.cnpg = { role: "primary", fenced: false, primary: "us" };
    for (let i = 0; i < 20; i++) await step("down");
    expect(rt.states()).toEqual({});
    expect(world.executed).toEqual([]);
  });

  it("a CNPG intent that failed is carried out again next round while the machine still wants it", async () => {
    const { world, rt, step } = setup();
    world.failOnce.add("promoteCnpg");
    await step("up");
    for (let i = 0; i < 100 && rt.states().db !== "primary.serving"; i++) await step("down");
    expect(world.failOnce.has("promoteCnpg"), "the first promoteCnpg failed").toBe(false);
    expect(
      world.executed.filter((t) => t === "promoteCnpg"),
      "carried out again, once",
    ).toEqual(["promoteCnpg"]);
    expect(rt.states()).toEqual({ db: "primary.serving" });
  });
});
