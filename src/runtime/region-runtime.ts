// One region's runtime (DESIGN §3, §4, §6): one probe round every probe.interval for the whole
// region, its evidence fed to one service machine per service, the machines' intents handed to the
// world's actuators in order, and the published state of every service turned into the zone the
// responder serves. Clock, prober and world are injected: the controller passes Kubernetes
// (src/kube/kube-world.ts) and the DNS prober; a demo can pass in-memory clusters.
//
// Only the leader runs machines, actuates and writes status. A replica that is not the leader
// serves what the leader last wrote to status, so every replica answers DNS the same way.
import { type Actor, createActor } from "xstate";
import type { Intent } from "../../machines/intents.ts";
import { serviceMachine } from "../../machines/service-machine.ts";
import { type ServiceSnapshot, stateName } from "../../machines/status.ts";
import type { Config } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import type { ServiceSpec, ServiceTiming } from "../core/decision.ts";
import {
  type PeerServiceReport,
  peerReport,
  peerSighted,
  type ServiceEvidence,
  serviceEvidence,
} from "../core/evidence.ts";
import type { ProbeRound } from "../core/prober.ts";
import { selfQuorum } from "../core/witness-quorum.ts";
import type { ZoneView } from "../dns/zone-model.ts";
import type { Logger } from "../log.ts";
import type {
  LeaseAttempt,
  LeaseFactory,
  LeaseHandle,
  LocalObservation,
  PublishedState,
  RegionWorld,
  ServiceDef,
} from "./actuators.ts";
import { restoreAtStart } from "./restore-start.ts";
import {
  type Condition,
  type ServiceStatusDoc,
  type StatusWritten,
  serviceStatusDoc,
  statusWriteDue,
} from "./service-status.ts";
import { statelessPublished, statelessStatusDoc } from "./stateless-service.ts";
import { type PeerSights, zoneView } from "./zone-view.ts";

/** What the runtime reports for metrics (src/metrics.ts ControllerMetrics implements the first four). */
export interface RuntimeObserver {
  round(r: ProbeRound, quorum: boolean): void;
  transition(service: string, from: string, to: string): void;
  promoted(service: string): void;
  served(host: string, records: number): void;
  /** A service's status as computed this round (written or not), for the metrics that mirror it. */
  status?(service: string, doc: ServiceStatusDoc): void;
  /** A service gone from the world (deleted, or its host changed): drop what was reported for it. */
  forget?(def: ServiceDef): void;
}

export interface RegionRuntimeOptions {
  readonly config: Config;
  readonly clock: Clock;
  readonly world: RegionWorld;
  readonly log: Logger;
  /** Static hosts of the configuration that no service defines. */
  readonly staticView: ZoneView;
  readonly onZone: (view: ZoneView) => void;
  readonly observer?: RuntimeObserver | undefined;
  /** Status is written on every change, and at least this often while nothing changes. */
  readonly statusRefreshMs?: number | undefined;
  /** Lease mode: a lease driver per lease-mode service; without it such services are held. */
  readonly lease?: LeaseFactory | undefined;
}

/** What writeStatus remembers per service, to skip writes that change nothing. */
interface StatusMemo {
  readonly def: ServiceDef;
  /** The last status written (statusWriteDue); undefined before the first write. */
  written: StatusWritten | undefined;
  conditions: readonly Condition[];
  /** The decision of the last status written (a stateless service keeps its time while unchanged). */
  decision?: ServiceStatusDoc["decision"] | undefined;
}

interface Running extends StatusMemo {
  readonly key: string;
  readonly actor: Actor<typeof serviceMachine>;
  chain: Promise<void>;
  state: string;
  targets: readonly string[];
  lastEvidence: ServiceEvidence | undefined;
  stopped: boolean;
  lease: LeaseHandle | undefined;
  /** Lease mode: the highest attempt recorded (persisted before it was written). */
  leaseAttempt: LeaseAttempt | undefined;
  /** Lease mode: whether the last lease round reached a majority (published as `lm=`). */
  leaseMajority: boolean | undefined;
  /** Intents that failed, with the state they were carried out in (retried while it holds). */
  failed: { readonly intent: Intent; readonly state: string }[];
}

/** Intents on the world that are retried after a failure (each is idempotent in the executor). */
const RETRIED: ReadonlySet<Intent["type"]> = new Set([
  "fenceCnpg",
  "unfenceCnpg",
  "promoteCnpg",
  "demoteCnpg",
  "emitEvent",
]);

export function timingOf(c: Config): ServiceTiming {
  return {
    probeIntervalMs: c.probe.interval * 1000,
    probeTimeoutMs: c.probe.timeout * 1000,
    fenceAfterMs: c.failover.fenceAfter * 1000,
    promoteAfterMs: c.failover.promoteAfter * 1000,
    holdDownMs: c.failover.holdDown * 1000,
  };
}

export function machineSpec(c: Config, def: ServiceDef): ServiceSpec {
  return {
    service: def.host,
    region: c.region,
    regions: def.regions,
    witnesses: c.witnesses,
    safety: def.safety,
    timing: timingOf(c),
    // lease.failsafe (DESIGN §5): a lease-mode primary that loses the lease witnesses keeps
    // serving only while every peer directly acknowledges it cannot reach a majority either.
    ...(def.safety === "lease" && c.lease?.failsafe ? { leaseFailsafe: { ttlMs: c.lease.ttl * 1000 } } : {}),
  };
}

export class RegionRuntime {
  private readonly running = new Map<string, Running>();
  /** Stateless services (no machine): their status memo. */
  private readonly stateless = new Map<string, StatusMemo>();
  private readonly published = new Map<string, PublishedState>();
  /** Reports published by the override executor while it holds a service (planned switchover). */
  private readonly pinned = new Map<string, PublishedState>();
  private sights: PeerSights = {};
  /** peer → host → last report and when it was last carried by a round (for the override executor). */
  private readonly lastSeen = new Map<string, Map<string, { report: PeerServiceReport; at: number }>>();
  private lastRoundAt: number | undefined;
  /** The services of the last round, to tell which are gone. */
  private defs: readonly ServiceDef[] = [];
  private busy: Promise<void> = Promise.resolve();

  constructor(private readonly o: RegionRuntimeOptions) {}

  /** Feed one probe round (the ProbeLoop's onRound). Rounds are processed one at a time. */
  onRound(r: ProbeRound): Promise<void> {
    this.busy = this.busy
      .then(() => this.processRound(r))
      .catch((e: unknown) => {
        this.o.log.log("error", "round processing failed", { reason: (e as Error).message });
      });
    return this.busy;
  }

  /** When the last round was processed (local clock), for /healthz. */
  get lastRound(): number | undefined {
    return this.lastRoundAt;
  }

  /** The latest report of each peer for a service, with its age (the override executor's view). */
  peerReports(name: string): Record<string, { report: PeerServiceReport; ageMs: number }> {
    const def = this.o.world.services().find((s) => s.name === name);
    const out: Record<string, { report: PeerServiceReport; ageMs: number }> = {};
    if (!def) return out;
    const now = this.o.clock.now();
    for (const [peer, hosts] of this.lastSeen) {
      const s = hosts.get(def.host);
      if (s) out[peer] = { report: s.report, ageMs: now - s.at };
    }
    return out;
  }

  /** The override executor publishes for a held service (its planned-switchover reports). */
  pin(name: string, report: PeerServiceReport): void {
    const def = this.o.world.services().find((s) => s.name === name);
    if (!def) return;
    this.pinned.set(def.host, { ...report, host: def.host });
    if (!this.running.has(def.name)) {
      this.published.set(def.host, { ...report, host: def.host });
      this.rebuildZone();
    }
  }

  /** The state each running machine is in (tests, logs). */
  states(): Record<string, string> {
    return Object.fromEntries([...this.running.values()].map((r) => [r.def.name, r.state]));
  }

  stop(): void {
    for (const r of this.running.values()) this.stopMachine(r);
    this.running.clear();
  }

  /** Wait until every intent handed out so far has been carried out. */
  async settled(): Promise<void> {
    await this.busy;
    await Promise.all([...this.running.values()].map((r) => r.chain));
  }

  private async processRound(r: ProbeRound): Promise<void> {
    const { config, world, observer } = this.o;
    const now = this.o.clock.now();
    this.lastRoundAt = now;
    const anyEv = serviceEvidence(r.evidence, "");
    observer?.round(r, selfQuorum(config.witnesses, anyEv).ok);
    const defs = world.services();
    for (const old of this.defs)
      if (!defs.some((d) => d.name === old.name && d.host === old.host)) observer?.forget?.(old);
    this.defs = defs;
    this.recordSights(r, defs, now);
    for (const [name, run] of this.running)
      if (!defs.some((d) => d.name === name)) {
        this.stopMachine(run);
        this.running.delete(name);
      }
    for (const name of [...this.stateless.keys()])
      if (!defs.some((d) => d.name === name && d.stateless)) this.stateless.delete(name);
    for (const host of [...this.published.keys()])
      if (!defs.some((d) => d.host === host)) this.published.delete(host);
    if (!world.isLeader()) {
      // Not the leader: no machine, no actuation. Serve what the leader wrote to status.
      // Leadership that lapses while machines run (a renewal that did not land within the Lease
      // duration: a slow API server, a stalled process) stops them here, and they start again
      // from status and CNPG when it returns: a wait is never shortened, and a lease-mode
      // contender observes the lease from scratch. That costs a whole ttl + margin, so it is
      // logged: it is the one cause of a late promotion that nothing else in the log names.
      for (const [name, run] of this.running)
        this.o.log.log("warn", `${run.state} -> stopped: not the leader this round`, {
          service: name,
          decision: "stopped",
          reason: `this replica's leadership lapsed or was lost (its Lease was not renewed in time, or another replica holds it): the machine stops and starts again from status and CNPG when this replica leads again`,
        });
      this.stop();
      for (const def of defs) {
        const p = world.publishedFromStatus(def);
        if (p) this.published.set(def.host, p);
      }
      this.rebuildZone();
      return;
    }
    await Promise.all(
      defs.map((def) =>
        this.step(def, r).catch((e: unknown) => {
          this.o.log.log("error", "service round failed", {
            service: def.name,
            reason: (e as Error).message,
          });
        }),
      ),
    );
    this.rebuildZone();
  }

  private recordSights(r: ProbeRound, defs: readonly ServiceDef[], now: number): void {
    const sights: Record<string, Record<string, { report: PeerServiceReport; sighted: boolean }>> = {};
    for (const peer of this.o.config.regions.map((x) => x.name).filter((x) => x !== this.o.config.region)) {
      const perHost: Record<string, { report: PeerServiceReport; sighted: boolean }> = {};
      const seen = this.lastSeen.get(peer) ?? new Map();
      this.lastSeen.set(peer, seen);
      for (const def of defs) {
        const ev = serviceEvidence(r.evidence, def.host);
        const report = peerReport(ev, peer);
        if (!report) continue;
        perHost[def.host] = { report, sighted: peerSighted(ev, peer) };
        seen.set(def.host, { report, at: now });
      }
      sights[peer] = perHost;
    }
    this.sights = sights;
  }

  private async step(def: ServiceDef, r: ProbeRound): Promise<void> {
    if (def.stateless) return this.stepStateless(def, r);
    const { world, clock } = this.o;
    const obs = await world.observe(def);
    const key = JSON.stringify(def);
    let run = this.running.get(def.name);
    // Lease mode needs a lease driver: without LEASE views a lease-mode primary would fence itself
    // at the first deadline, so without a lease factory such a service is held (nothing automatic).
    const hold =
      obs.hold ??
      (def.safety === "lease" && !this.o.lease
        ? "safety lease needs the configuration's lease section (lease witnesses)"
        : undefined);
    if (run && (run.key !== key || hold !== undefined)) {
      // A changed spec, or an override being carried out: the machine stops, and starts again from
      // status and CNPG afterwards (as after a restart: a wait is never shortened by it).
      this.stopMachine(run);
      this.running.delete(def.name);
      run = undefined;
    }
    if (hold !== undefined) {
      this.o.log.log("debug", "service held: no machine this round", { service: def.name, reason: hold });
      const p = this.pinned.get(def.host) ?? world.publishedFromStatus(def);
      if (p) this.published.set(def.host, p);
      return;
    }
    this.pinned.delete(def.host);
    if (!run) run = this.startMachine(def, key, obs);
    run.targets = obs.targets;
    const ev = serviceEvidence(
      {
        ...r.evidence,
        local: { [def.host]: { replicaHealthy: obs.replicaHealthy, cnpg: obs.cnpg } },
        overrides: { [def.host]: obs.overrides },
      },
      def.host,
    );
    run.lastEvidence = ev;
    // A CNPG intent that failed (API error, timeout) is carried out again while the machine is
    // still in the state that asked for it: the machine does not emit it twice, and waiting for
    // CNPG to report a promotion that was never asked for would hold the service forever. One
    // from a state the machine has left is dropped: it may contradict the newer decision.
    const failed = run.failed.splice(0);
    for (const f of failed)
      if (f.state === run.state) this.enqueue(run, f.intent);
      else
        this.o.log.log("warn", "failed intent dropped: the machine has moved on", {
          service: def.name,
          decision: f.intent.type,
          from: f.state,
          now: run.state,
        });
    run.actor.send({ type: "EVIDENCE", evidence: ev });
    // Keep localtargets current: the targets may change while the role does not.
    const p = this.published.get(def.host);
    if (p)
      this.published.set(def.host, {
        ...p,
        localTargets: p.gate === "open" ? [...obs.targets] : [],
        // Peers' failsafe reads it: whether this region reached a lease majority (lease mode).
        ...(run.leaseMajority === undefined ? {} : { leaseMajority: run.leaseMajority }),
        // Whether the local CNPG cluster is fenced, as of this round: a primary refuses a
        // switchover to a fenced region (switchoverRefusal), and the fence may change at any time.
        cnpgFenced: obs.cnpg.fenced,
      });
    // The gate is asserted every round, not only on transitions: a pod created since (a scaled-up
    // writer) gets the condition, and a gate left open by a controller killed mid-demotion is
    // closed by its successor even though its machine starts in a state with no gate intent.
    // Frozen means hands off: the gate stays exactly as it is.
    if (p && run.state !== "frozen" && run.state !== "initializing")
      this.enqueue(run, { type: p.gate === "open" ? "openGate" : "closeGate" });
    await run.chain;
    const extra = [targetsCondition(obs)];
    const doc = serviceStatusDoc(
      run.actor.getSnapshot(),
      ev,
      this.published.get(def.host),
      extra,
      run.conditions,
      clock.now(),
      run.leaseAttempt,
    );
    this.o.observer?.status?.(def.name, doc);
    await this.writeStatus(run, doc);
  }

  /**
   * A stateless roundRobin service: no machine (nothing to promote, no gate); publish this region's
   * targets while it has any, and write status like any other service.
   */
  private async stepStateless(def: ServiceDef, r: ProbeRound): Promise<void> {
    const run = this.running.get(def.name);
    if (run) {
      // It was stateful before its spec changed: the machine stops.
      this.stopMachine(run);
      this.running.delete(def.name);
    }
    const obs = await this.o.world.observe(def);
    const published = statelessPublished(def, obs.targets);
    this.published.set(def.host, published);
    const prev = this.stateless.get(def.name);
    const memo: StatusMemo = {
      def,
      written: prev?.written,
      conditions: prev?.conditions ?? [],
      decision: prev?.decision,
    };
    this.stateless.set(def.name, memo);
    const ev = serviceEvidence(r.evidence, def.host);
    const self = selfQuorum(this.o.config.witnesses, ev);
    const doc = statelessStatusDoc(
      def,
      this.o.config.region,
      published,
      this.sights,
      ev,
      `${self.okWitnesses.length}/${this.o.config.witnesses.length}`,
      [targetsCondition(obs)],
      memo.conditions,
      memo.decision,
      this.o.clock.now(),
    );
    this.o.observer?.status?.(def.name, doc);
    await this.writeStatus(memo, doc);
  }

  private async writeStatus(run: StatusMemo, doc: ServiceStatusDoc): Promise<void> {
    const due = statusWriteDue(doc, run.written, this.o.clock.now(), this.o.statusRefreshMs);
    if (!due) return;
    await this.o.world.writeStatus(run.def, doc);
    run.written = due;
    run.conditions = doc.conditions;
    run.decision = doc.decision;
  }

  private startMachine(def: ServiceDef, key: string, obs: LocalObservation): Running {
    const { config, clock, log, observer } = this.o;
    const spec = machineSpec(config, def);
    const actor = createActor(serviceMachine, {
      input: {
        spec,
        clock,
        cnpg: obs.cnpg,
        restored: restoreAtStart(
          obs.restored,
          obs.cnpg,
          spec.timing,
          config.failover.margin * 1000,
          clock.now(),
        ),
      },
      clock,
    });
    const run: Running = {
      def,
      key,
      actor,
      chain: Promise.resolve(),
      state: "initializing",
      targets: obs.targets,
      lastEvidence: undefined,
      written: undefined,
      conditions: [],
      stopped: false,
      lease: undefined,
      leaseAttempt: obs.leaseAttempt,
      leaseMajority: undefined,
      failed: [],
    };
    const slog = log.child({ service: def.name });
    actor.on("*", (e) => {
      if (run.stopped) return;
      const intent = e as Intent;
      if (intent.type === "publish") {
        const rep = intent.report;
        this.published.set(def.host, {
          ...rep,
          host: def.host,
          localTargets: rep.gate === "open" ? [...run.targets] : [],
        });
        this.rebuildZone();
      }
      if (intent.type === "promoteCnpg") observer?.promoted(def.name);
      // The lease goal goes to the driver at once (it starts a round when it must contend).
      if (intent.type === "leaseGoal") run.lease?.setGoal(intent.goal);
      this.enqueue(run, intent);
    });
    actor.subscribe({
      next: (s: ServiceSnapshot) => {
        const to = stateName(s);
        if (to === run.state) return;
        slog.log("info", `${run.state} -> ${to}`, { decision: to, reason: s.context.decision.reason });
        observer?.transition(def.name, run.state, to);
        run.state = to;
      },
      error: (err: unknown) =>
        slog.log("error", "service machine failed", { reason: (err as Error).message }),
    });
    if (def.safety === "lease" && this.o.lease) {
      const world = this.o.world;
      run.lease = this.o.lease(def, {
        lastAttempt: obs.leaseAttempt,
        persist: async (a) => {
          run.leaseAttempt = a;
          if (!world.persistLeaseAttempt)
            throw new Error("this world cannot record lease attempts; lease mode cannot write");
          await world.persistLeaseAttempt(def, a);
        },
        onView: (v) => {
          if (run.stopped) return;
          if (v.reachesMajority !== null) run.leaseMajority = v.reachesMajority;
          actor.send({ type: "LEASE", lease: v });
        },
      });
    }
    this.running.set(def.name, run);
    actor.start();
    run.lease?.start();
    return run;
  }

  /** Intents of one service run one after another, in the order the machine emitted them. */
  private enqueue(run: Running, intent: Intent): void {
    run.chain = run.chain
      .then(() => (run.stopped ? undefined : this.o.world.execute(run.def, intent)))
      .catch((err: unknown) => {
        const retried = RETRIED.has(intent.type);
        if (retried) run.failed.push({ intent, state: run.state });
        this.o.log.log("error", retried ? "intent failed; retried next round" : "intent failed", {
          service: run.def.name,
          decision: intent.type,
          reason: (err as Error).message,
        });
      });
  }

  private stopMachine(run: Running): void {
    run.stopped = true;
    run.lease?.stop();
    run.actor.stop();
  }

  private rebuildZone(): void {
    const defs = this.o.world.services();
    const view = zoneView(defs, this.published, this.sights, this.o.staticView);
    for (const h of view.hosts) this.o.observer?.served(h.name, h.answer.length);
    this.o.onZone(view);
  }
}

/** TargetsResolved: whether every configured target source gave addresses. */
function targetsCondition(obs: LocalObservation): Condition {
  return obs.targetProblems.length
    ? {
        type: "TargetsResolved",
        status: "False",
        reason: "TargetProblems",
        message: obs.targetProblems.join("; "),
        lastTransitionTime: "",
      }
    : {
        type: "TargetsResolved",
        status: "True",
        reason: "Resolved",
        message: `${obs.targets.length} target address(es)`,
        lastTransitionTime: "",
      };
}
