// Every metric splitguard exports, defined in one module (STYLE 10). The DNS hot path does not
// touch prom-client per query: it counts into plain arrays that are folded into the registry at
// scrape time, so a query costs a few array increments.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ProbeRound } from "./core/prober.ts";
import { RCODE_NAME, typeName } from "./dns/constants.ts";
import type { AnswerKind } from "./dns/rate-limit.ts";
import type { AnswerObserver, Transport } from "./dns/responder.ts";
import type { ServerObserver } from "./dns/server.ts";

const QTYPES = [1, 28, 2, 6, 16, 255, 43, 33, 15, 12, 5] as const;
const RCODES = [0, 1, 2, 3, 4, 5, 16] as const;
const TRANSPORTS: readonly Transport[] = ["udp", "tcp"];
/** Latency is timed on one query in SAMPLE_EVERY (the timer costs more than a cached answer). */
export const LATENCY_SAMPLE_EVERY = 16;

const KINDS: readonly AnswerKind[] = ["answer", "nxdomain", "error"];

export class DnsMetrics implements AnswerObserver, ServerObserver {
  /** [in, out] UDP bytes; [limited per kind ×3, slipped]: folded into counters at scrape time. */
  private readonly bytes = new Float64Array(2);
  private readonly bytesReported = new Float64Array(2);
  private readonly rrl = new Float64Array(4);
  private readonly rrlReported = new Float64Array(4);
  readonly registry: Registry;
  private readonly counts: Float64Array;
  private readonly reported: Float64Array;
  private readonly truncated = new Float64Array(2);
  private readonly truncReported = new Float64Array(2);
  readonly latency: Histogram<"transport">;
  readonly serial: Gauge;
  readonly reloads: Counter<"result">;
  readonly zoneNames: Gauge;
  private sampleTick = 0;

  constructor(registry = new Registry()) {
    this.registry = registry;
    const n = (QTYPES.length + 1) * RCODES.length * TRANSPORTS.length;
    this.counts = new Float64Array(n);
    this.reported = new Float64Array(n);
    const self = this;
    new Counter({
      name: "splitguard_dns_queries_total",
      help: "DNS queries answered, by response code, query type and transport.",
      labelNames: ["rcode", "qtype", "transport"],
      registers: [registry],
      collect() {
        for (let i = 0; i < self.counts.length; i++) {
          const d = self.counts[i]! - self.reported[i]!;
          if (d === 0) continue;
          self.reported[i] = self.counts[i]!;
          const t = i % TRANSPORTS.length;
          const r = Math.floor(i / TRANSPORTS.length) % RCODES.length;
          const q = Math.floor(i / (TRANSPORTS.length * RCODES.length));
          this.inc(
            {
              rcode: RCODE_NAME[RCODES[r]!]!,
              qtype: q < QTYPES.length ? typeName(QTYPES[q]!) : "other",
              transport: TRANSPORTS[t]!,
            },
            d,
          );
        }
      },
    });
    new Counter({
      name: "splitguard_dns_truncated_total",
      help: "UDP answers sent with TC=1 (client retries over TCP).",
      labelNames: ["transport"],
      registers: [registry],
      collect() {
        for (let t = 0; t < 2; t++) {
          const d = self.truncated[t]! - self.truncReported[t]!;
          if (d > 0) this.inc({ transport: TRANSPORTS[t]! }, d);
          self.truncReported[t] = self.truncated[t]!;
        }
      },
    });
    new Counter({
      name: "splitguard_dns_udp_bytes_total",
      help: "UDP bytes received (queries) and sent (answers); out/in is the amplification factor.",
      labelNames: ["direction"],
      registers: [registry],
      collect() {
        ["in", "out"].forEach((direction, i) => {
          const d = self.bytes[i]! - self.bytesReported[i]!;
          if (d > 0) this.inc({ direction }, d);
          self.bytesReported[i] = self.bytes[i]!;
        });
      },
    });
    new Counter({
      name: "splitguard_dns_rrl_limited_total",
      help: "UDP answers held back by response rate limiting, by kind (dropped or slipped).",
      labelNames: ["kind"],
      registers: [registry],
      collect() {
        KINDS.forEach((kind, i) => {
          const d = self.rrl[i]! - self.rrlReported[i]!;
          if (d > 0) this.inc({ kind }, d);
          self.rrlReported[i] = self.rrl[i]!;
        });
      },
    });
    new Counter({
      name: "splitguard_dns_rrl_slipped_total",
      help: "Rate-limited UDP answers sent truncated (TC=1) so real clients retry over TCP.",
      registers: [registry],
      collect() {
        const d = self.rrl[3]! - self.rrlReported[3]!;
        if (d > 0) this.inc(d);
        self.rrlReported[3] = self.rrl[3]!;
      },
    });
    this.latency = new Histogram({
      name: "splitguard_dns_answer_seconds",
      help: `Time to compute an answer, from parse to bytes (one query in ${LATENCY_SAMPLE_EVERY} is timed).`,
      labelNames: ["transport"],
      buckets: [1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2],
      registers: [registry],
    });
    this.serial = new Gauge({
      name: "splitguard_dns_zone_serial",
      help: "SOA serial of the zone being served.",
      registers: [registry],
    });
    this.zoneNames = new Gauge({
      name: "splitguard_dns_zone_names",
      help: "Names in the compiled zone.",
      registers: [registry],
    });
    this.reloads = new Counter({
      name: "splitguard_dns_reloads_total",
      help: "Zone reloads, by result (applied, unchanged, rejected).",
      labelNames: ["result"],
      registers: [registry],
    });
  }

  answered(rcode: number, qtype: number, transport: Transport, truncated: boolean): void {
    let q: number = QTYPES.indexOf(qtype as (typeof QTYPES)[number]);
    if (q < 0) q = QTYPES.length;
    let r: number = RCODES.indexOf(rcode as (typeof RCODES)[number]);
    if (r < 0) r = 0;
    const t = transport === "udp" ? 0 : 1;
    this.counts[(q * RCODES.length + r) * TRANSPORTS.length + t]! += 1;
    if (truncated) this.truncated[t]! += 1;
  }

  udpBytes(inBytes: number, outBytes: number): void {
    this.bytes[0]! += inBytes;
    this.bytes[1]! += outBytes;
  }

  rateLimited(kind: AnswerKind, slipped: boolean): void {
    this.rrl[KINDS.indexOf(kind)]! += 1;
    if (slipped) this.rrl[3]! += 1;
  }

  /** True on the queries whose latency should be measured. */
  sample(): boolean {
    this.sampleTick = (this.sampleTick + 1) % LATENCY_SAMPLE_EVERY;
    return this.sampleTick === 0;
  }
}

/**
 * The prober's metrics (issue 4), with the names operators already query (DESIGN §7):
 * `splitbrain_witness_reachable{witness}`, `splitbrain_quorum_reached`,
 * `splitbrain_checks_total{witness,result}`, plus peer reachability per path and probe latency.
 */
export class ProbeMetrics {
  readonly witnessReachable: Gauge<"witness">;
  readonly quorumReached: Gauge;
  readonly checks: Counter<"witness" | "result">;
  readonly peerReachable: Gauge<"peer" | "path">;
  readonly latency: Histogram<"path">;
  readonly rounds: Counter;

  constructor(readonly registry = new Registry()) {
    const registers = [registry];
    this.witnessReachable = new Gauge({
      name: "splitbrain_witness_reachable",
      help: "1 when the witness resolver returned our own signed heartbeat in the last round (self(w)).",
      labelNames: ["witness"],
      registers,
    });
    this.quorumReached = new Gauge({
      name: "splitbrain_quorum_reached",
      help: "1 when a quorum of the configured witnesses returned our own heartbeat in the last round.",
      registers,
    });
    this.checks = new Counter({
      name: "splitbrain_checks_total",
      help: "Witness checks by result: self_ok, self_fail, and per peer vote up, down, unknown.",
      labelNames: ["witness", "result"],
      registers,
    });
    this.peerReachable = new Gauge({
      name: "splitguard_peer_reachable",
      help: "1 when the peer was seen alive in the last round by this path (direct, or witness:<w>).",
      labelNames: ["peer", "path"],
      registers,
    });
    this.latency = new Histogram({
      name: "splitguard_probe_latency_seconds",
      help: "Time from question to answer (or give-up) per probe query, by path.",
      labelNames: ["path"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    });
    this.rounds = new Counter({
      name: "splitguard_probe_rounds_total",
      help: "Probe rounds completed.",
      registers,
    });
  }

  /** Fold one round in: `round` is the prober's output, `quorum` whether self-quorum held. */
  observe(round: ProbeRound, quorum: boolean): void {
    const ev = round.evidence;
    this.rounds.inc();
    this.quorumReached.set(quorum ? 1 : 0);
    for (const w of ev.witnesses) {
      this.witnessReachable.set({ witness: w.witness }, w.self === "ok" ? 1 : 0);
      this.checks.inc({ witness: w.witness, result: w.self === "ok" ? "self_ok" : "self_fail" });
      for (const [peer, v] of Object.entries(w.peers)) {
        this.checks.inc({ witness: w.witness, result: v.vote });
        this.peerReachable.set({ peer, path: `witness:${w.witness}` }, v.vote === "up" ? 1 : 0);
      }
    }
    for (const [peer, d] of Object.entries(ev.direct))
      this.peerReachable.set({ peer, path: "direct" }, d.reachable ? 1 : 0);
    for (const o of round.observations) this.latency.observe({ path: o.path }, o.outcome.latencyMs / 1000);
  }
}

/** A service's role as the controller reports it (one-hot in `splitguard_service_role`). */
export const ROLES = ["primary", "standby", "promoting", "demoting", "fenced", "frozen", "unknown"] as const;
export type Role = (typeof ROLES)[number];

/** The role a service machine state stands for (as machines/status.ts reports it). */
export function roleOfState(state: string): Role {
  if (state.startsWith("primary.")) return "primary";
  if (state === "standby.promoting") return "promoting";
  if (state.startsWith("standby.")) return "standby";
  if (state === "fenced" || state === "demoting" || state === "frozen") return state;
  return "unknown";
}

/** What a decision did; bounded, so it can be a label. */
export const DECISION_ACTIONS = [
  "promote",
  "demote",
  "fence",
  "unfence",
  "switchover",
  "freeze",
  "release",
  "hold",
] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** Outcome of one notification delivery (src/notify/notifier.ts). */
export type NotifyResult = "sent" | "failed" | "retried" | "dropped";

/** What the notifier reports; ControllerMetrics implements it. */
export interface NotifyObserver {
  notified(sink: "alertmanager" | "webhook", result: NotifyResult): void;
  queueDepth(n: number): void;
}

/**
 * The controller's own metrics (issue 7): what the PrometheusRule in
 * charts/splitguard/files/alerts.yaml alerts on. The controller feeds it through the set/record
 * functions below and never touches prom-client itself; every series a rule reads is created at
 * its first set, and every counter a rule takes `increase()` of starts at 0, so the first event
 * after a restart is not lost to `increase()` (which needs two samples).
 */
export class ControllerMetrics implements NotifyObserver {
  readonly registry: Registry;
  readonly region: string;
  /** The prober's metrics, on the same registry (one /metrics for the whole controller). */
  readonly probe: ProbeMetrics;
  private readonly now: () => number;
  private readonly transitions: Counter<"service" | "to">;
  private readonly role: Gauge<"service" | "region" | "role">;
  private readonly promotions: Counter<"service">;
  private readonly decisions: Counter<"service" | "action">;
  private readonly lastDecision: Gauge<"service">;
  private readonly fencedSince: Gauge<"service">;
  private readonly leaseHeld: Gauge<"service">;
  private readonly leaseLosses: Counter<"service">;
  private readonly leader: Gauge<"region">;
  private readonly overrideExpiry: Gauge<"service" | "override" | "action">;
  private readonly healthyRecords: Gauge<"name">;
  private readonly hostEndpoints: Gauge<"host">;
  private readonly notifications: Counter<"sink" | "result">;
  private readonly notifyQueue: Gauge;
  private readonly held = new Map<string, boolean>();
  private readonly regions = new Map<string, Set<string>>();
  private readonly states = new Map<string, Set<string>>();
  private readonly overrides = new Map<string, { service: string; override: string; action: string }>();

  constructor(opts: { region: string; registry?: Registry; now?: () => number }) {
    this.region = opts.region;
    const registry = opts.registry ?? new Registry();
    this.registry = registry;
    this.now = opts.now ?? (() => 0);
    this.probe = new ProbeMetrics(registry);
    const registers = [registry];
    this.transitions = new Counter({
      name: "splitguard_transitions_total",
      help: "Service machine transitions, by service and target state.",
      labelNames: ["service", "to"],
      registers,
    });
    this.role = new Gauge({
      name: "splitguard_service_role",
      help: "1 for the role a region holds for a service as this controller sees it (its own, and its peers' from their heartbeats), 0 for the other roles.",
      labelNames: ["service", "region", "role"],
      registers,
    });
    this.promotions = new Counter({
      name: "splitbrain_promotions_total",
      help: "Promotions of this region to primary, per service (automatic, forced, or by switchover).",
      labelNames: ["service"],
      registers,
    });
    this.decisions = new Counter({
      name: "splitguard_decisions_total",
      help: "Decisions taken per service, by action.",
      labelNames: ["service", "action"],
      registers,
    });
    this.lastDecision = new Gauge({
      name: "splitguard_last_decision_timestamp_seconds",
      help: "When the last decision was taken for the service (Unix time).",
      labelNames: ["service"],
      registers,
    });
    this.fencedSince = new Gauge({
      name: "splitguard_service_fenced_since_timestamp_seconds",
      help: "Since when this region's copy of the service is fenced (Unix time); absent while not fenced.",
      labelNames: ["service"],
      registers,
    });
    this.leaseHeld = new Gauge({
      name: "splitguard_lease_held",
      help: "1 while this region holds the service's lease on a majority of lease witnesses (lease mode).",
      labelNames: ["service"],
      registers,
    });
    this.leaseLosses = new Counter({
      name: "splitguard_lease_losses_total",
      help: "Times this region stopped holding a service's lease it held (lease mode).",
      labelNames: ["service"],
      registers,
    });
    this.leader = new Gauge({
      name: "splitguard_controller_leader",
      help: "1 while this controller replica holds the leader Lease (only the leader actuates); 0 from the moment a renewal is late (its last one plus the Lease duration), not only when one fails.",
      labelNames: ["region"],
      registers,
    });
    this.overrideExpiry = new Gauge({
      name: "splitguard_override_expiry_timestamp_seconds",
      help: "Expiry (Unix time) of each FailoverOverride in force, +Inf when it has none; absent once it no longer applies.",
      labelNames: ["service", "override", "action"],
      registers,
    });
    this.healthyRecords = new Gauge({
      name: "k8gb_gslb_healthy_records",
      help: "Addresses the host's DNS answer currently carries (healthy endpoints), k8gb's name for it.",
      labelNames: ["name"],
      registers,
    });
    this.hostEndpoints = new Gauge({
      name: "splitguard_host_endpoints",
      help: "Endpoints configured for the host across all regions.",
      labelNames: ["host"],
      registers,
    });
    this.notifications = new Counter({
      name: "splitguard_notifications_total",
      help: "Event notifications by sink and result (sent, failed after every retry, retried, dropped because the queue was full).",
      labelNames: ["sink", "result"],
      registers,
    });
    this.notifyQueue = new Gauge({
      name: "splitguard_notification_queue_depth",
      help: "Notifications waiting to be delivered.",
      registers,
    });
    this.leader.set({ region: this.region }, 0);
    this.notifyQueue.set(0);
    for (const sink of ["alertmanager", "webhook"])
      for (const result of ["sent", "failed", "retried", "dropped"])
        this.notifications.inc({ sink, result }, 0);
  }

  /** One decision for a service; a promotion also counts in `splitbrain_promotions_total`. */
  recordDecision(service: string, action: DecisionAction, atMs: number): void {
    this.touch(service);
    this.decisions.inc({ service, action });
    this.lastDecision.set({ service }, atMs / 1000);
    if (action === "promote") this.promotions.inc({ service });
  }

  /**
   * The role `region` holds for `service`: this region's own, or a peer's as its heartbeat says.
   * Set a peer not seen within the alive window to "unknown": a stale "primary" of a region that
   * was failed over would otherwise read as a second primary (SplitguardTwoPrimaries).
   */
  setRole(service: string, region: string, role: Role): void {
    this.touch(service);
    const seen = this.regions.get(service) ?? new Set<string>();
    this.regions.set(service, seen.add(region));
    for (const r of ROLES) this.role.set({ service, region, role: r }, r === role ? 1 : 0);
  }

  /** Fenced since `sinceMs` (from status, so it survives restarts), or `null` when not fenced. */
  setFenced(service: string, sinceMs: number | null): void {
    if (sinceMs === null) this.fencedSince.remove({ service });
    else this.fencedSince.set({ service }, sinceMs / 1000);
  }

  /** Lease mode: whether this region holds the lease; a held → not held change counts a loss. */
  setLeaseHeld(service: string, held: boolean): void {
    if (!this.held.has(service)) this.leaseLosses.inc({ service }, 0);
    if (this.held.get(service) === true && !held) this.leaseLosses.inc({ service });
    this.held.set(service, held);
    this.leaseHeld.set({ service }, held ? 1 : 0);
  }

  setLeader(leading: boolean): void {
    this.leader.set({ region: this.region }, leading ? 1 : 0);
  }

  /** An override in force: `expiresAtMs` undefined when it has no expiry. */
  setOverrideActive(
    service: string,
    override: string,
    action: string,
    expiresAtMs: number | undefined,
  ): void {
    const key = `${service}/${override}`;
    const prev = this.overrides.get(key);
    if (prev && prev.action !== action) this.overrideExpiry.remove(prev);
    const labels = { service, override, action };
    this.overrides.set(key, labels);
    this.overrideExpiry.set(
      labels,
      expiresAtMs === undefined ? Number.POSITIVE_INFINITY : expiresAtMs / 1000,
    );
  }

  /** The override no longer applies (released, expired and marked so, or deleted). */
  clearOverride(service: string, override: string): void {
    const key = `${service}/${override}`;
    const prev = this.overrides.get(key);
    if (prev) this.overrideExpiry.remove(prev);
    this.overrides.delete(key);
  }

  /** How many of a host's endpoints its answer carries (`up`) out of those configured (`total`). */
  setHostEndpointsUp(host: string, up: number, total: number): void {
    this.healthyRecords.set({ name: host }, up);
    this.hostEndpoints.set({ host }, total);
  }

  /** A service or host is gone from the configuration: drop its series. */
  forgetService(service: string): void {
    for (const m of [this.fencedSince, this.leaseHeld, this.leaseLosses, this.lastDecision, this.promotions])
      m.remove({ service });
    for (const role of ROLES)
      for (const region of this.regions.get(service) ?? []) this.role.remove({ service, region, role });
    for (const action of DECISION_ACTIONS) this.decisions.remove({ service, action });
    for (const to of this.states.get(service) ?? []) this.transitions.remove({ service, to });
    this.states.delete(service);
    for (const [key, labels] of this.overrides)
      if (labels.service === service) {
        this.overrideExpiry.remove(labels);
        this.overrides.delete(key);
      }
    this.held.delete(service);
    this.regions.delete(service);
  }

  forgetHost(host: string): void {
    this.healthyRecords.remove({ name: host });
    this.hostEndpoints.remove({ host });
  }

  // The region runtime's observer (round, transition, promoted, served): the same calls, so the
  // runtime can report through this class.

  round(r: ProbeRound, quorum: boolean): void {
    this.probe.observe(r, quorum);
  }

  /** A machine transition of a local service; the role follows the state it entered. */
  transition(service: string, _from: string, to: string): void {
    this.transitions.inc({ service, to });
    this.states.set(service, (this.states.get(service) ?? new Set<string>()).add(to));
    this.setRole(service, this.region, roleOfState(to));
  }

  promoted(service: string): void {
    this.recordDecision(service, "promote", this.now());
  }

  served(host: string, records: number): void {
    this.healthyRecords.set({ name: host }, records);
  }

  notified(sink: "alertmanager" | "webhook", result: NotifyResult): void {
    this.notifications.inc({ sink, result });
  }

  queueDepth(n: number): void {
    this.notifyQueue.set(n);
  }

  /** First sight of a service: its promotion counter starts at 0 (see the class comment). */
  private touch(service: string): void {
    this.promotions.inc({ service }, 0);
  }
}
