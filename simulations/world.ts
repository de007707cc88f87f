// One simulated deployment: regions running the real service machine, the real quorum evaluation
// and the real lease core (through LeaseDriver and a simulated RFC 2136 transport), CNPG and the
// readiness gate as simulated actuators, all on one event queue in virtual time. The world keeps
// the ground truth: which region is writable (CNPG primary, not fenced, gate open) at every
// instant, and every transition, intent and decision.
import { type Actor, createActor } from "xstate";
import type { Intent } from "../machines/intents.ts";
import { serviceMachine } from "../machines/service-machine.ts";
import { type ServiceSnapshot, type ServiceStatus, stateName, statusOf } from "../machines/status.ts";
import type { ServiceSpec } from "../src/core/decision.ts";
import {
  type CnpgStatus,
  type LocalServiceState,
  type Override,
  type PeerServiceReport,
  type RegionHeartbeat,
  type ServiceEvidence,
  serviceEvidence,
} from "../src/core/evidence.ts";
import type { LeaseView } from "../src/core/lease-core.ts";
import { LeaseDriver } from "../src/core/lease-driver.ts";
import { LeaseWitnessStore } from "../src/core/lease-memory-transport.ts";
import { restoreAtStart } from "../src/runtime/restore-start.ts";
import {
  type Condition,
  restoredFrom,
  type StatusWritten,
  serviceStatusDoc,
  statusWriteDue,
} from "../src/runtime/service-status.ts";
import { EventQueue } from "./event-queue.ts";
import { InFlight, SimLeaseTransport } from "./lease-sim-transport.ts";
import { Network, type WitnessSpec } from "./network.ts";
import { Rng } from "./prng.ts";
import { SimProber } from "./prober.ts";
import type { Fault } from "./schedule.ts";
import { VirtualClock } from "./virtual-clock.ts";

export interface SimTiming {
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly retries: number;
  readonly fenceAfterMs: number;
  readonly promoteAfterMs: number;
  readonly holdDownMs: number;
  /** failover.margin: the timing rule's margin, which a resumed promotion wait keeps (resume-wait.ts). */
  readonly marginMs: number;
}

export interface SimConfig {
  readonly seed: number;
  readonly service: string;
  readonly safety: "witness" | "lease" | "manual";
  /** Highest priority first; the first is the initial primary. */
  readonly regions: readonly string[];
  readonly regionLoc: Readonly<Record<string, string>>;
  readonly witnesses: readonly WitnessSpec[];
  readonly leaseWitnesses: readonly { readonly name: string; readonly loc: string }[];
  readonly timing: SimTiming;
  readonly lease: {
    readonly ttlMs: number;
    readonly marginMs: number;
    readonly maxClockDrift: number;
    /** `lease.failsafe` (DESIGN §5): off unless set. */
    readonly failsafe?: boolean | undefined;
  };
  /** Clock rate per region (1 ± drift, within lease.maxClockDrift). */
  readonly clockRate: Readonly<Record<string, number>>;
  readonly actuation: {
    readonly gateMs: number;
    readonly fenceMs: number;
    readonly promoteMs: number;
    readonly demoteMs: number;
  };
  readonly resolverGiveUpMs: number;
  readonly infraCacheMs: number;
  readonly latency: { readonly nearMs: number; readonly farMs: number };
  readonly durationMs: number;
  readonly faults: readonly Fault[];
}

export interface Transition {
  readonly at: number;
  readonly region: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** Counted: after the region's first steady state and not a restore after a restart. */
  readonly counted: boolean;
}

export interface IntentRecord {
  readonly at: number;
  readonly region: string;
  readonly intent: Intent;
  readonly state: string;
}

export interface Promotion {
  readonly at: number;
  readonly region: string;
  readonly epoch: number;
  /** Writable regions other than this one at the instant promoteCnpg was emitted. */
  readonly othersWritable: readonly string[];
  /** Independent recount of the raw evidence behind an automatic promotion (null for planned/override). */
  readonly audit: {
    readonly downVotes: number;
    readonly q: number;
    readonly unknownCounted: boolean;
    /**
     * The primary it followed was seen not claiming in that round, with no heartbeat anywhere
     * claiming primary or promoting: following (standby, gate closed) and of lower priority, or,
     * in lease mode, fenced. The other way a followed primary counts as gone (goneSince).
     */
    readonly followedSeenFollowing: boolean;
  } | null;
  readonly automatic: boolean;
  /** The region's controller incarnation that asked for it (Resume.incarnation). */
  readonly incarnation: number;
}

export interface Sample {
  readonly at: number;
  readonly region: string;
  readonly state: string;
  readonly gate: boolean;
  readonly cnpg: string;
  readonly writable: boolean;
  readonly selfOk: number;
  readonly votes: string;
  readonly leaseHolder: string | null;
  readonly up: boolean;
}

interface Incarnation {
  readonly clock: VirtualClock;
  readonly actor: Actor<typeof serviceMachine>;
  readonly driver: LeaseDriver | null;
  readonly n: number;
  roundTimer: unknown;
  round: number;
  stopped: boolean;
  /** Its round ends, whose status documents are built when it stops (writeStatus). */
  ends: RoundEnd[];
}

/** What the status document of a round's end is built from. */
interface RoundEnd {
  readonly snapshot: ReturnType<Actor<typeof serviceMachine>["getSnapshot"]>;
  readonly ev: ServiceEvidence;
  readonly published: PeerServiceReport | undefined;
  readonly leaseAttempt: { epoch: number; seq: number };
  readonly now: number;
}

/** A restarted controller that resumed a standby's promotion wait from the stored status. */
export interface Resume {
  readonly at: number;
  readonly region: string;
  readonly primary: string;
  /** The controller incarnation that resumed (Promotion.incarnation). */
  readonly incarnation: number;
  /** How much of the wait before the restart was credited (region clock ms). */
  readonly creditMs: number;
  /** From the last round the status showed to this start (region clock ms): the gap and the lag, never counted. */
  readonly unevidencedMs: number;
}

class RegionSim {
  up = true;
  controllerUp = true;
  gateOpen = false;
  cnpg: CnpgStatus;
  replicaUnhealthy = 0;
  /** The last snapshot of its controller (kept after a stop, for the audit, samples and final state). */
  snapshot: ServiceSnapshot | undefined;
  private statusFor: ServiceSnapshot | undefined;
  private statusMemo: ServiceStatus | undefined;
  /**
   * The FailoverService status as last written, stored as JSON like the API server stores it: what
   * a restarted controller restores from. Written at the end of a round, only on change or every
   * 30 s (the region runtime's rule), so it may lag the machine; it survives a region crash.
   */
  stored: Record<string, unknown> | undefined;
  leaseAttempt = { epoch: 0, seq: 0 };
  published: PeerServiceReport | undefined;
  inc: Incarnation | null = null;
  incarnations = 0;
  state = "down";
  steady = false;
  lastEvidence: ServiceEvidence | null = null;
  lease: LeaseView | null = null;
  readonly physicalClock: VirtualClock;

  constructor(
    readonly name: string,
    cnpg: CnpgStatus,
    clock: VirtualClock,
  ) {
    this.cnpg = cnpg;
    this.physicalClock = clock;
  }

  /**
   * The status the controller would write for its last snapshot. Built when read (a restart, an
   * audit, a sample), not on every snapshot: most snapshots are never asked for it.
   */
  get status(): ServiceStatus | undefined {
    if (this.snapshot !== this.statusFor) {
      this.statusFor = this.snapshot;
      this.statusMemo = this.snapshot && statusOf(this.snapshot);
    }
    return this.statusMemo;
  }
}

export class World {
  readonly q = new EventQueue();
  readonly rng: Rng;
  readonly net: Network;
  readonly regions = new Map<string, RegionSim>();
  readonly leaseStores = new Map<string, LeaseWitnessStore>();
  readonly prober: SimProber;
  readonly transitions: Transition[] = [];
  readonly intents: IntentRecord[] = [];
  readonly promotions: Promotion[] = [];
  /** [from, to) intervals per region during which it was writable. */
  readonly writable: { region: string; from: number; to: number | null }[] = [];
  readonly samples: Sample[] = [];
  readonly overlaps: { at: number; regions: string[] }[] = [];
  readonly errors: string[] = [];
  readonly epochs: { at: number; region: string; epoch: number }[] = [];
  readonly resumes: Resume[] = [];
  private readonly overrides: Override[] = [];
  private asyncSettled = false;
  private readonly spec: (r: string) => ServiceSpec;

  constructor(readonly cfg: SimConfig) {
    this.rng = new Rng(cfg.seed);
    const nodes = [
      ...cfg.regions.map((r) => ({ id: r, loc: cfg.regionLoc[r] ?? "net" })),
      ...cfg.leaseWitnesses.map((l) => ({ id: l.name, loc: l.loc })),
    ];
    this.net = new Network(nodes, cfg.witnesses, this.rng, (a, b) =>
      a === b ? cfg.latency.nearMs : cfg.latency.farMs,
    );
    for (const l of cfg.leaseWitnesses) this.leaseStores.set(l.name, new LeaseWitnessStore());
    const timing = {
      probeIntervalMs: cfg.timing.probeIntervalMs,
      probeTimeoutMs: cfg.timing.probeTimeoutMs,
      fenceAfterMs: cfg.timing.fenceAfterMs,
      promoteAfterMs: cfg.timing.promoteAfterMs,
      holdDownMs: cfg.timing.holdDownMs,
    };
    this.spec = (r) => ({
      service: cfg.service,
      region: r,
      regions: cfg.regions,
      witnesses: cfg.witnesses.map((w) => w.name),
      safety: cfg.safety,
      timing,
      ...(cfg.safety === "lease" && cfg.lease.failsafe ? { leaseFailsafe: { ttlMs: cfg.lease.ttlMs } } : {}),
    });
    const primary = cfg.regions[0]!;
    cfg.regions.forEach((r, i) => {
      const rate = cfg.clockRate[r] ?? 1;
      const clock = new VirtualClock(this.q, rate, 1_000_000 * (i + 1), `clock of ${r}`);
      const cnpg: CnpgStatus =
        r === primary
          ? { role: "primary", fenced: false, primary }
          : { role: "replica", fenced: false, primary };
      this.regions.set(r, new RegionSim(r, cnpg, clock));
    });
    this.prober = new SimProber(
      this.net,
      {
        regions: cfg.regions,
        heartbeat: (r) => this.heartbeat(r),
        local: (r) => this.local(r),
        overrides: () => this.overridesNow(),
      },
      {
        witnesses: cfg.witnesses.map((w) => w.name),
        timeoutMs: cfg.timing.probeTimeoutMs,
        retries: cfg.timing.retries,
        resolverGiveUpMs: cfg.resolverGiveUpMs,
        infraCacheMs: cfg.infraCacheMs,
      },
      () => this.q.now,
    );
  }

  // ---- ground truth -------------------------------------------------------------------------

  isWritable(r: RegionSim): boolean {
    return r.up && r.cnpg.role === "primary" && !r.cnpg.fenced && r.gateOpen;
  }

  writableNow(): string[] {
    return [...this.regions.values()].filter((r) => this.isWritable(r)).map((r) => r.name);
  }

  private ledger(): void {
    const now = this.q.now;
    for (const r of this.regions.values()) {
      const w = this.isWritable(r);
      const open = this.writable.find((x) => x.region === r.name && x.to === null);
      if (w && !open) this.writable.push({ region: r.name, from: now, to: null });
      if (!w && open) open.to = now;
    }
    const both = this.writableNow();
    if (both.length > 1) this.overlaps.push({ at: now, regions: both });
  }

  // ---- what the prober sees -----------------------------------------------------------------

  private heartbeat(r: string): RegionHeartbeat | undefined {
    const reg = this.regions.get(r)!;
    if (!reg.up || !reg.controllerUp) return undefined;
    // Lease mode: whether the region's last lease round read a majority, as of this answer (the
    // real responder serves the lease driver's current view the same way).
    // (The driver's state holds it; its full view() is not needed for this one field.)
    const lm = reg.inc?.driver?.snapshot().reach.majority;
    const withLm = reg.published && lm != null ? { ...reg.published, leaseMajority: lm } : reg.published;
    // The CNPG fence as of this answer, as the real runtime refreshes it every round (cf=yes).
    const published = withLm && { ...withLm, cnpgFenced: reg.cnpg.fenced || undefined };
    return {
      region: r,
      incarnation: reg.incarnations,
      services: published ? { [this.cfg.service]: published } : {},
    };
  }

  private local(r: string): Record<string, LocalServiceState> {
    const reg = this.regions.get(r)!;
    return {
      [this.cfg.service]: { replicaHealthy: reg.up && reg.replicaUnhealthy === 0, cnpg: { ...reg.cnpg } },
    };
  }

  private overridesNow(): Record<string, readonly Override[]> {
    return { [this.cfg.service]: [...this.overrides] };
  }

  // ---- controllers ----------------------------------------------------------------------------

  private startController(reg: RegionSim): void {
    reg.incarnations += 1;
    const clock = reg.physicalClock.fork(`controller ${reg.name}#${reg.incarnations}`);
    const spec = this.spec(reg.name);
    // The live runtime's restore path: the status last written (restoredFrom, as kube-world reads
    // it) through restoreAtStart (region-runtime's startMachine), so random restarts exercise
    // resumed promotion waits and the invariants audit them.
    const stored = restoredFrom(reg.stored);
    const restored = restoreAtStart(stored, reg.cnpg, spec.timing, this.cfg.timing.marginMs, clock.now());
    if (restored?.resume && stored?.suspect)
      this.resumes.push({
        at: this.q.now,
        region: reg.name,
        primary: restored.resume.primary,
        incarnation: reg.incarnations,
        creditMs: clock.now() - restored.resume.since,
        unevidencedMs: clock.now() - stored.suspect.lastRoundAt,
      });
    const actor = createActor(serviceMachine, {
      input: { spec, clock, cnpg: { ...reg.cnpg }, restored },
      clock,
    });
    let driver: LeaseDriver | null = null;
    const inc: Incarnation = {
      clock,
      actor,
      driver: null,
      n: reg.incarnations,
      roundTimer: undefined,
      round: 0,
      stopped: false,
      ends: [],
    };
    if (this.cfg.safety === "lease") {
      const flight = new InFlight(() => {
        this.asyncSettled = true;
      });
      driver = new LeaseDriver({
        params: {
          self: reg.name,
          ttlMs: this.cfg.lease.ttlMs,
          marginMs: this.cfg.lease.marginMs,
          witnesses: this.cfg.leaseWitnesses.length,
        },
        service: this.cfg.service,
        transports: this.cfg.leaseWitnesses.map(
          (l) =>
            new SimLeaseTransport(
              l.name,
              reg.name,
              this.leaseStores.get(l.name)!,
              this.net,
              this.q,
              clock,
              flight,
            ),
        ),
        clock,
        opTimeoutMs: this.cfg.timing.probeTimeoutMs,
        lastAttempt: reg.leaseAttempt,
        persistAttempt: (a) => {
          reg.leaseAttempt = { ...a };
        },
        onView: (v) => {
          if (inc.stopped) return;
          reg.lease = v;
          actor.send({ type: "LEASE", lease: v });
        },
      });
    }
    (inc as { driver: LeaseDriver | null }).driver = driver;
    reg.inc = inc;
    actor.on("*", (intent) => {
      if (!inc.stopped) this.intent(reg, intent as Intent);
    });
    actor.subscribe({
      next: (s) => {
        if (inc.stopped) return;
        reg.snapshot = s;
        this.epochs.push({ at: this.q.now, region: reg.name, epoch: s.context.epoch });
        const name = stateName(s);
        if (name !== reg.state) {
          const from = reg.state;
          const counted = reg.steady && from !== "initializing" && name !== "initializing";
          this.transitions.push({
            at: this.q.now,
            region: reg.name,
            from,
            to: name,
            reason: s.context.decision.reason,
            counted,
          });
          if (name === "primary.serving" || name === "standby.following") reg.steady = true;
          reg.state = name;
          this.sample();
        }
      },
      error: (e) => {
        this.errors.push(`${reg.name}: machine error: ${(e as Error).message}`);
      },
    });
    reg.state = "initializing";
    reg.controllerUp = true;
    actor.start();
    driver?.start();
    const round = () => {
      if (inc.stopped) return;
      inc.round += 1;
      const started = clock.now();
      const n = inc.round;
      const ev = this.prober.round(reg.name, n, started, started + this.cfg.timing.probeTimeoutMs);
      clock.setTimeout(() => {
        if (inc.stopped) return;
        // Local state and overrides are read when the round is handed to the machine, as the
        // controller reads them when it evaluates: overrides taken when the probes left could be a
        // timeout old, and a freeze that began meanwhile would be undone by that stale view.
        const fresh = {
          ...ev,
          local: this.local(reg.name),
          overrides: this.overridesNow(),
          completedAt: clock.now(),
        };
        const sev = serviceEvidence(fresh, this.cfg.service);
        reg.lastEvidence = sev;
        actor.send({ type: "EVIDENCE", evidence: sev });
        if (!inc.stopped)
          inc.ends.push({
            snapshot: actor.getSnapshot(),
            ev: sev,
            published: reg.published,
            leaseAttempt: { ...reg.leaseAttempt },
            now: clock.now(),
          });
      }, this.cfg.timing.probeTimeoutMs);
      inc.roundTimer = clock.setTimeout(round, this.cfg.timing.probeIntervalMs);
    };
    // Rounds start at a random phase, as independent controllers do.
    inc.roundTimer = clock.setTimeout(round, this.rng.next() * this.cfg.timing.probeIntervalMs);
  }

  /**
   * The status an incarnation wrote: at each round's end its document, written when statusWriteDue
   * says so. Built from the recorded round ends when the incarnation stops (only a later start
   * reads it), in order, which gives the same writes as building it every round at a fraction of
   * the cost (snapshots and evidence are immutable).
   */
  private writeStatus(reg: RegionSim, inc: Incarnation): void {
    let written: StatusWritten | undefined;
    let conditions: readonly Condition[] = [];
    let last: ReturnType<typeof serviceStatusDoc> | undefined;
    for (const e of inc.ends) {
      const published = e.published && { ...e.published, host: this.cfg.service };
      const doc = serviceStatusDoc(e.snapshot, e.ev, published, [], conditions, e.now, e.leaseAttempt);
      const due = statusWriteDue(doc, written, e.now);
      if (!due) continue;
      last = doc;
      written = due;
      conditions = doc.conditions;
    }
    inc.ends = [];
    if (last) reg.stored = JSON.parse(JSON.stringify(last)) as Record<string, unknown>;
  }

  private stopController(reg: RegionSim, persist = true): void {
    const inc = reg.inc;
    if (!inc) return;
    if (persist) this.writeStatus(reg, inc);
    inc.stopped = true;
    inc.driver?.stop();
    inc.actor.stop();
    inc.clock.stop();
    reg.inc = null;
    reg.controllerUp = false;
    reg.lease = null;
    reg.state = "down";
  }

  // ---- actuators ------------------------------------------------------------------------------

  private later(ms: number, fn: () => void): void {
    this.q.schedule(this.q.now + ms, fn);
  }

  private notifyCnpg(reg: RegionSim): void {
    this.ledger();
    if (reg.inc && !reg.inc.stopped) reg.inc.actor.send({ type: "CNPG", cnpg: { ...reg.cnpg } });
  }

  private intent(reg: RegionSim, i: Intent): void {
    const a = this.cfg.actuation;
    this.intents.push({ at: this.q.now, region: reg.name, intent: i, state: reg.state });
    switch (i.type) {
      case "openGate":
        this.later(a.gateMs, () => {
          if (reg.up) reg.gateOpen = true;
          this.ledger();
        });
        break;
      case "closeGate":
        this.later(a.gateMs, () => {
          reg.gateOpen = false;
          this.ledger();
        });
        break;
      case "fenceCnpg":
        this.later(a.fenceMs, () => {
          reg.cnpg = { ...reg.cnpg, fenced: true, fencedByUs: true };
          this.notifyCnpg(reg);
        });
        break;
      case "unfenceCnpg":
        this.later(a.fenceMs, () => {
          reg.cnpg = { ...reg.cnpg, fenced: false, fencedByUs: false };
          this.notifyCnpg(reg);
        });
        break;
      case "promoteCnpg": {
        const others = this.writableNow().filter((r) => r !== reg.name);
        // Emitted on entry to promoting, before the snapshot updates: reg.state is where it came from.
        const planned = reg.inc?.actor.getSnapshot().context.planned === true;
        const auto = reg.state === "standby.suspecting" || (reg.state === "standby.acquiring" && !planned);
        this.promotions.push({
          at: this.q.now,
          region: reg.name,
          epoch: i.epoch,
          othersWritable: others,
          audit: auto ? this.audit(reg) : null,
          automatic: !!auto,
          incarnation: reg.incarnations,
        });
        this.later(a.promoteMs, () => {
          // promotePatch records the epoch on the cluster (splitguard.io/epoch).
          reg.cnpg = { role: "primary", fenced: false, primary: reg.name, epoch: i.epoch };
          this.notifyCnpg(reg);
        });
        break;
      }
      case "demoteCnpg":
        this.later(a.demoteMs, () => {
          const was = reg.cnpg.role === "primary";
          // Asking a replica to follow the primary it already follows changes nothing in CNPG: the
          // demotion token of its last demotion stays in status.
          const same = !was && reg.cnpg.primary === i.primary;
          reg.cnpg = {
            role: "replica",
            // Re-pointing a cluster leaves its annotations alone: a fenced one stays fenced (CNPG).
            fenced: reg.cnpg.fenced,
            fencedByUs: reg.cnpg.fencedByUs,
            primary: i.primary,
            // demotePatch records the epoch followed when newer than the cluster's (splitguard.io/epoch).
            epoch: Math.max(reg.cnpg.epoch ?? 0, i.epoch),
            demotionToken: was
              ? `token-${reg.name}-${Math.round(this.q.now)}`
              : same
                ? reg.cnpg.demotionToken
                : undefined,
          };
          this.notifyCnpg(reg);
        });
        break;
      case "publish":
        reg.published = i.report;
        break;
      case "leaseGoal":
        reg.inc?.driver?.setGoal(i.goal);
        break;
      case "emitEvent":
        break;
    }
  }

  /** Recount, from the raw evidence and independently of witness-quorum.ts, the votes behind a promotion. */
  private audit(reg: RegionSim): Promotion["audit"] {
    const ev = reg.lastEvidence;
    const primary = reg.status?.primary;
    if (!ev || !primary) return { downVotes: 0, q: 1, unknownCounted: false, followedSeenFollowing: false };
    const names = this.cfg.witnesses.map((w) => w.name);
    let down = 0;
    let unknownCounted = false;
    for (const n of names) {
      const r = ev.witnesses.find((w) => w.witness === n);
      const v = r?.peers[primary]?.vote;
      if (v === "down" && r?.self === "ok") down += 1;
      if (v === "unknown" && r === undefined) unknownCounted = true;
    }
    // Every heartbeat that reached us this round, by any path, recounted from the raw evidence.
    const beats = [
      ...Object.values(ev.direct).map((d) => d.heartbeat),
      ...ev.witnesses.flatMap((w) => Object.values(w.peers).map((p) => p.heartbeat)),
    ].filter((h) => h !== undefined);
    const svc = (h: (typeof beats)[number]) => h.services[this.cfg.service];
    const claimed = beats.some((h) => svc(h)?.role === "primary" || svc(h)?.role === "promoting");
    const lower = this.cfg.regions.indexOf(primary) > this.cfg.regions.indexOf(reg.name);
    const seen = (role: string) =>
      beats.some((h) => h.region === primary && svc(h)?.role === role && svc(h)?.gate === "closed");
    const followedSeenFollowing =
      !claimed && ((lower && seen("standby")) || (this.cfg.safety === "lease" && seen("fenced")));
    return { downVotes: down, q: Math.floor(names.length / 2) + 1, unknownCounted, followedSeenFollowing };
  }

  // ---- faults -------------------------------------------------------------------------------

  private linkDown(a: string, b: string, delta: 1 | -1): void {
    this.net.setLinkDown(a, b, delta);
    this.net.setLinkDown(b, a, delta);
  }

  private othersOf(node: string): string[] {
    return this.net.nodes().filter((n) => n !== node);
  }

  private crash(reg: RegionSim, delta: 1 | -1): void {
    if (delta === 1) {
      if (!reg.up) return;
      this.stopController(reg);
      reg.up = false;
      reg.gateOpen = false;
      this.net.setNodeDown(reg.name, 1);
      this.ledger();
    } else {
      if (reg.up) return;
      reg.up = true;
      this.net.setNodeDown(reg.name, -1);
      this.startController(reg);
      this.ledger();
    }
  }

  private applyFault(f: Fault): void {
    const end = (fn: () => void) => {
      if ("for" in f) this.q.schedule(f.at + f.for, fn);
    };
    switch (f.kind) {
      case "crash": {
        const reg = this.regions.get(f.region)!;
        if (!reg.up) return;
        this.crash(reg, 1);
        end(() => this.crash(reg, -1));
        break;
      }
      case "restart": {
        const reg = this.regions.get(f.region)!;
        if (!reg.up || !reg.controllerUp) return;
        this.stopController(reg);
        this.net.setNodeDown(reg.name, 1);
        end(() => {
          this.net.setNodeDown(reg.name, -1);
          if (reg.up && !reg.controllerUp) this.startController(reg);
        });
        break;
      }
      case "cut":
        this.linkDown(f.a, f.b, 1);
        end(() => this.linkDown(f.a, f.b, -1));
        break;
      case "oneway":
        this.net.setLinkDown(f.from, f.to, 1);
        end(() => this.net.setLinkDown(f.from, f.to, -1));
        break;
      case "isolate":
        for (const n of this.othersOf(f.region)) this.linkDown(f.region, n, 1);
        end(() => {
          for (const n of this.othersOf(f.region)) this.linkDown(f.region, n, -1);
        });
        break;
      case "flaky":
        this.net.setLoss(f.a, f.b, f.loss, true);
        this.net.setLoss(f.b, f.a, f.loss, true);
        end(() => {
          this.net.setLoss(f.a, f.b, f.loss, false);
          this.net.setLoss(f.b, f.a, f.loss, false);
        });
        break;
      case "nodeDown":
        this.net.setNodeDown(f.node, 1);
        end(() => this.net.setNodeDown(f.node, -1));
        break;
      case "geoSplit": {
        const pairs: [string, string][] = [];
        for (const a of this.net.nodes())
          for (const b of this.net.nodes())
            if (f.left.includes(this.net.locOf(a)) && f.right.includes(this.net.locOf(b))) pairs.push([a, b]);
        for (const [a, b] of pairs) this.linkDown(a, b, 1);
        end(() => {
          for (const [a, b] of pairs) this.linkDown(a, b, -1);
        });
        break;
      }
      case "replicaUnhealthy": {
        const reg = this.regions.get(f.region)!;
        reg.replicaUnhealthy += 1;
        end(() => {
          reg.replicaUnhealthy -= 1;
        });
        break;
      }
      case "switchover": {
        const o: Override = {
          action: "switchover",
          region: f.to,
          reason: "planned switchover",
          id: `sw-${f.at}`,
        };
        this.overrides.push(o);
        // The operator deletes the override once the switchover is done (one hold-down later).
        this.q.schedule(f.at + this.cfg.timing.holdDownMs, () =>
          this.overrides.splice(this.overrides.indexOf(o), 1),
        );
        break;
      }
      case "freeze": {
        const o: Override = { action: "freeze", reason: "maintenance", id: `fr-${f.at}` };
        this.overrides.push(o);
        end(() => this.overrides.splice(this.overrides.indexOf(o), 1));
        break;
      }
    }
  }

  // ---- running ------------------------------------------------------------------------------

  frozenWindows(): { from: number; to: number }[] {
    return this.cfg.faults
      .filter((f) => f.kind === "freeze")
      .map((f) => ({ from: f.at, to: f.at + (f as { for: number }).for }));
  }

  private sample(): void {
    const now = this.q.now;
    for (const r of this.regions.values()) {
      const ev = r.lastEvidence;
      const primary = r.status?.primary;
      this.samples.push({
        at: now,
        region: r.name,
        state: r.state,
        gate: r.gateOpen,
        cnpg: `${r.cnpg.role}${r.cnpg.fenced ? "+fenced" : ""}`,
        writable: this.isWritable(r),
        selfOk: ev ? ev.witnesses.filter((w) => w.self === "ok").length : 0,
        votes:
          ev && primary && primary !== r.name
            ? ev.witnesses.map((w) => (w.peers[primary]?.vote ?? "unknown")[0]).join("")
            : "",
        leaseHolder: r.lease?.holder ?? null,
        up: r.up,
      });
    }
  }

  async run(opts: { sampleEveryMs?: number } = {}): Promise<void> {
    for (const reg of this.regions.values()) this.startController(reg);
    for (const f of this.cfg.faults) this.q.schedule(f.at, () => this.applyFault(f));
    if (opts.sampleEveryMs) {
      const every = opts.sampleEveryMs;
      const tick = () => {
        this.sample();
        if (this.q.now + every <= this.cfg.durationMs) this.q.schedule(this.q.now + every, tick);
      };
      this.q.schedule(0, tick);
    }
    this.ledger();
    for (;;) {
      const t = this.q.peekTime();
      if (t === undefined || t > this.cfg.durationMs) break;
      const e = this.q.pop()!;
      this.q.now = e.at;
      if (e.fn) {
        try {
          e.fn();
        } catch (err) {
          this.errors.push(`at ${e.at}: ${(err as Error).stack ?? String(err)}`);
          break;
        }
      }
      if (this.asyncSettled) {
        this.asyncSettled = false;
        // Let promise continuations (the lease driver awaiting the simulated transport) run at
        // this same virtual instant before the next event.
        await new Promise<void>((r) => setImmediate(r));
        while (this.asyncSettled) {
          this.asyncSettled = false;
          await new Promise<void>((r) => setImmediate(r));
        }
      }
    }
    this.q.now = this.cfg.durationMs;
    for (const w of this.writable) if (w.to === null) w.to = this.cfg.durationMs;
    this.sample();
    for (const reg of this.regions.values())
      this.final.set(reg.name, {
        state: reg.state,
        cnpg: { ...reg.cnpg },
        up: reg.up,
        gate: reg.gateOpen,
        writable: this.isWritable(reg),
        epoch: reg.status?.epoch ?? 0,
      });
    for (const reg of this.regions.values()) this.stopController(reg, false);
  }

  /** Each region as the run ended (before the controllers were stopped). */
  readonly final = new Map<
    string,
    { state: string; cnpg: CnpgStatus; up: boolean; gate: boolean; writable: boolean; epoch: number }
  >();
}
