// One region-level probe round (DESIGN §3): self(w) and peer(w, p) through every witness, direct(p)
// to every NS address of every peer, all at once with fresh nonces, and the per-service records of
// a peer only when its region heartbeat says they changed. The network and the clock are injected
// (STYLE 3): the shell passes a DNS transport, tests and the benchmark pass fakes.
//
// Cost per round (docs/heartbeats.md): |W|·(1 + |P|) + Σp |NS(p)| queries, whatever the number of
// services; per-service queries happen only in a round where a peer's services digest changed.
import type { Clock } from "./clock.ts";
import type { DirectResult, EvidenceRound, PeerServiceReport, RegionHeartbeat } from "./evidence.ts";
import {
  type HeartbeatKeyInput,
  type RegionHeartbeatRecord,
  type ServiceHeartbeatRecord,
  servicesDigest,
  toPeerServiceReport,
} from "./heartbeat-record.ts";
import {
  type Expect,
  type Judgement,
  judgeRegion,
  judgeService,
  type QueryOutcome,
  witnessResult,
} from "./probe-votes.ts";

export interface ServerEndpoint {
  readonly host: string;
  readonly port: number;
}

export type ProbeQType = "TXT" | "A" | "AAAA";

export interface ProbeTransport {
  /** One question (TXT unless `type` says otherwise), with the per-query timeout and retries. RD=1 when `recursive`. */
  query(server: ServerEndpoint, name: string, recursive: boolean, type?: ProbeQType): Promise<QueryOutcome>;
}

export interface ProbePlan {
  readonly zone: string;
  readonly region: string;
  /** Configured witnesses, as written in the config (`host` or `host:port`), with their endpoints. */
  readonly witnesses: readonly { readonly name: string; readonly endpoint: ServerEndpoint }[];
  /** Every other region with every one of its NS addresses. */
  readonly peers: readonly { readonly name: string; readonly nameservers: readonly ServerEndpoint[] }[];
  /** The services whose per-service heartbeats a peer publishes (the configured failover hosts). */
  readonly services: readonly string[];
  /** Verification keys: a record naming a key id is checked under that key only (heartbeat-record.ts). */
  readonly keys: readonly HeartbeatKeyInput[];
}

/** Every question of the round, for `splitguard probe` and for counting. */
export interface Observation {
  readonly path: "self" | "peer" | "direct" | "service" | "localtargets";
  readonly server: string;
  readonly peer?: string | undefined;
  readonly service?: string | undefined;
  readonly name: string;
  readonly outcome: QueryOutcome;
  /** What the answer proved, in words: "valid", "SERVFAIL", or why it is unknown. */
  readonly judgement: string;
}

export interface ProbeRound {
  readonly evidence: EvidenceRound;
  readonly observations: readonly Observation[];
}

interface KnownServices {
  readonly digest: string;
  readonly services: Readonly<Record<string, PeerServiceReport>>;
}

const SERVICE_FETCH_CONCURRENCY = 64;

const endpointText = (e: ServerEndpoint) =>
  e.host.includes(":") ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
const judgementText = (j: Judgement<unknown>) =>
  j.kind === "valid" ? "valid" : j.kind === "servfail" ? "SERVFAIL" : j.detail;

export class Prober {
  private round = 0;
  /** Per peer: the services it published under the digest we last fetched them for. */
  private readonly known = new Map<string, KnownServices>();

  constructor(
    private readonly plan: ProbePlan,
    private readonly transport: ProbeTransport,
    private readonly clock: Clock,
    /** A fresh random DNS label per call (the nonce). */
    private readonly nonce: () => string,
  ) {}

  async probe(): Promise<ProbeRound> {
    const { plan } = this;
    const startedAt = this.clock.now();
    const observations: Observation[] = [];
    const hbName = (nonce: string, region: string) => `${nonce}.${region}.hb.${plan.zone}`;
    const expect = (nonce: string, region: string): Expect => ({
      keys: plan.keys,
      zone: plan.zone,
      nonce,
      region,
    });
    const ask = async (
      path: Observation["path"],
      server: ServerEndpoint,
      region: string,
      recursive: boolean,
    ): Promise<Judgement<RegionHeartbeatRecord>> => {
      const n = this.nonce();
      const name = hbName(n, region);
      const outcome = await this.transport.query(server, name, recursive);
      const j = judgeRegion(outcome, expect(n, region));
      observations.push({
        path,
        server: endpointText(server),
        ...(path === "self" ? {} : { peer: region }),
        name,
        outcome,
        judgement: judgementText(j),
      });
      return j;
    };

    // Phase 1: every region heartbeat question at once.
    const witnessQs = plan.witnesses.map(async (w) => {
      const [self, ...peerJs] = await Promise.all([
        ask("self", w.endpoint, plan.region, true),
        ...plan.peers.map((p) => ask("peer", w.endpoint, p.name, true)),
      ]);
      return { w, self: self!, peers: peerJs };
    });
    const directQs = plan.peers.map(async (p) => ({
      p,
      answers: await Promise.all(
        p.nameservers.map(async (ns) => ({ ns, j: await ask("direct", ns, p.name, false) })),
      ),
    }));
    const [witnessAnswers, directAnswers] = await Promise.all([
      Promise.all(witnessQs),
      Promise.all(directQs),
    ]);

    // Phase 2: per-service records, only for peers whose services digest changed.
    const services = new Map<string, Readonly<Record<string, PeerServiceReport>>>();
    await Promise.all(
      plan.peers.map(async (p, pi) => {
        const direct = directAnswers[pi]!.answers;
        const valid: { record: RegionHeartbeatRecord; server: ServerEndpoint; recursive: boolean }[] = [];
        for (const a of direct)
          if (a.j.kind === "valid") valid.push({ record: a.j.record, server: a.ns, recursive: false });
        for (const wa of witnessAnswers) {
          const j = wa.peers[pi]!;
          if (j.kind === "valid") valid.push({ record: j.record, server: wa.w.endpoint, recursive: true });
        }
        if (valid.length === 0) return;
        const digest = valid[0]!.record.servicesDigest;
        const known = this.known.get(p.name);
        if (known && known.digest === digest) {
          services.set(p.name, known.services);
          return;
        }
        // Direct paths first (no resolver in between); a witness that relayed a valid heartbeat
        // carries the per-service records when the direct path is down (DESIGN §3: a token can
        // travel through a witness).
        const fetched = await this.fetchServices(p.name, valid, observations);
        services.set(p.name, fetched);
        const states = Object.entries(fetched).map(([service, r]) => ({
          service,
          role: r.role,
          epoch: r.epoch,
          gateOpen: r.gate === "open",
          demotionToken: r.demotionToken,
          handoverTo: r.handoverTo,
          localTargets: r.localTargets,
          leaseMajority: r.leaseMajority,
          cnpgFenced: r.cnpgFenced,
        }));
        // Cache only a complete, consistent view: fetched after the heartbeat that named `digest`
        // and hashing to it. Anything else is fetched again next round rather than trusted later.
        if (servicesDigest(states) === digest) this.known.set(p.name, { digest, services: fetched });
        else this.known.delete(p.name);
      }),
    );

    const heartbeatOf = (r: RegionHeartbeatRecord): RegionHeartbeat => ({
      region: r.region,
      incarnation: r.incarnation,
      services: services.get(r.region) ?? {},
    });
    const witnesses = witnessAnswers.map(({ w, self, peers }) =>
      witnessResult(
        w.name,
        self,
        Object.fromEntries(plan.peers.map((p, i) => [p.name, peers[i]!])),
        heartbeatOf,
      ),
    );
    const direct: Record<string, DirectResult> = {};
    for (const { p, answers } of directAnswers) {
      const ok = answers.find((a) => a.j.kind === "valid");
      const failed = answers
        .filter((a) => a.j.kind !== "valid")
        .map((a) => `${endpointText(a.ns)}: ${judgementText(a.j)}`);
      direct[p.name] =
        ok && ok.j.kind === "valid"
          ? {
              reachable: true,
              heartbeat: heartbeatOf(ok.j.record),
              ...(failed.length ? { detail: `partly: ${failed.join("; ")}` } : {}),
            }
          : { reachable: false, detail: failed.join("; ") };
    }
    this.round += 1;
    return {
      evidence: {
        region: plan.region,
        round: this.round,
        startedAt,
        completedAt: this.clock.now(),
        witnesses,
        direct,
        local: {},
        overrides: {},
      },
      observations,
    };
  }

  /**
   * `localtargets-<host>` asked directly of the peer's server that just gave us its signed record
   * (DESIGN §3 direct(p)), A and AAAA, and compared with the record's signed `lt=` list. The signed
   * list is what the evidence carries: an A/AAAA RRset is unsigned, so it cannot prove anything on
   * its own; the comparison shows in `splitguard probe` when a peer's zone and its heartbeat
   * disagree. Asked only when the per-service records are fetched, so the per-round cost stays flat.
   */
  private async crossCheckLocalTargets(
    peer: string,
    service: string,
    server: ServerEndpoint,
    record: ServiceHeartbeatRecord,
    observations: Observation[],
  ): Promise<void> {
    const name = `localtargets-${service}.${this.plan.zone}`;
    const answers = await Promise.all(
      (["A", "AAAA"] as const).map(async (type) => ({
        type,
        outcome: await this.transport.query(server, name, false, type),
      })),
    );
    const served: string[] = [];
    const failures: string[] = [];
    for (const { type, outcome } of answers) {
      if (outcome.kind !== "answer")
        failures.push(`${type}: ${outcome.kind === "timeout" ? "timeout" : outcome.reason}`);
      else if (outcome.rcode !== 0) failures.push(`${type}: rcode ${outcome.rcode}`);
      else served.push(...(outcome.addresses ?? []));
    }
    const signed = [...record.localTargets].sort();
    served.sort();
    const judgement =
      failures.length > 0
        ? `not checked (${failures.join("; ")})`
        : JSON.stringify(served) === JSON.stringify(signed)
          ? "matches the signed lt="
          : `differs from the signed lt= (signed ${signed.join(",") || "none"}; served ${served.join(",") || "none"})`;
    observations.push({
      path: "localtargets",
      server: endpointText(server),
      peer,
      service,
      name,
      outcome: answers[0]!.outcome,
      judgement,
    });
  }

  /** Every configured service's record from `peer`, trying the paths in order per service. */
  private async fetchServices(
    peer: string,
    paths: readonly { server: ServerEndpoint; recursive: boolean }[],
    observations: Observation[],
  ): Promise<Record<string, PeerServiceReport>> {
    const out: Record<string, PeerServiceReport> = {};
    const queue = [...this.plan.services];
    const worker = async () => {
      for (let service = queue.shift(); service !== undefined; service = queue.shift()) {
        for (const path of paths) {
          const n = this.nonce();
          const name = `${n}.${service}.${peer}.hb.${this.plan.zone}`;
          const outcome = await this.transport.query(path.server, name, path.recursive);
          const j: Judgement<ServiceHeartbeatRecord> = judgeService(
            outcome,
            { keys: this.plan.keys, zone: this.plan.zone, nonce: n, region: peer },
            service,
          );
          observations.push({
            path: "service",
            server: endpointText(path.server),
            peer,
            service,
            name,
            outcome,
            judgement: judgementText(j),
          });
          if (j.kind === "valid") {
            out[service] = toPeerServiceReport(j.record);
            if (!path.recursive)
              await this.crossCheckLocalTargets(peer, service, path.server, j.record, observations);
            break;
          }
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(SERVICE_FETCH_CONCURRENCY, queue.length) }, () => worker()),
    );
    return out;
  }
}
