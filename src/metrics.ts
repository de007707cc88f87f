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

/**
 * The long-running controller's metrics: the prober's (ProbeMetrics) plus the machines' and the
 * zone's, with the names operators already query (DESIGN §7): `splitbrain_promotions_total`,
 * `k8gb_gslb_healthy_records`, and splitguard's own transition counter.
 */
export class RuntimeMetrics {
  readonly probe: ProbeMetrics;
  readonly promotions: Counter<"service">;
  readonly transitions: Counter<"service" | "to">;
  readonly healthyRecords: Gauge<"name">;

  constructor(readonly registry = new Registry()) {
    const registers = [registry];
    this.probe = new ProbeMetrics(registry);
    this.promotions = new Counter({
      name: "splitbrain_promotions_total",
      help: "Promotions of the local CNPG cluster this controller asked for, by service.",
      labelNames: ["service"],
      registers,
    });
    this.transitions = new Counter({
      name: "splitguard_transitions_total",
      help: "Service machine transitions, by service and target state.",
      labelNames: ["service", "to"],
      registers,
    });
    this.healthyRecords = new Gauge({
      name: "k8gb_gslb_healthy_records",
      help: "Addresses the responder answers for the host right now (k8gb-compatible name).",
      labelNames: ["name"],
      registers,
    });
  }

  round(r: ProbeRound, quorum: boolean): void {
    this.probe.observe(r, quorum);
  }
  transition(service: string, _from: string, to: string): void {
    this.transitions.inc({ service, to });
  }
  promoted(service: string): void {
    this.promotions.inc({ service });
  }
  served(host: string, records: number): void {
    this.healthyRecords.set({ name: host }, records);
  }
}
