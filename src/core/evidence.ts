// THE evidence snapshot: what one probe round of a region learned (DESIGN §3). The prober
// (issue 4) produces exactly an `EvidenceRound` every probe interval, for the whole region and
// independent of how many services exist; `serviceEvidence()` derives the per-service view that
// each service's state machine consumes. There is no second definition of evidence anywhere.

/** What a witness said about a peer region (DESIGN §3). */
export type Vote = "up" | "down" | "unknown";

/** Roles a region publishes for a service in its per-service heartbeat. */
export type PublishedRole =
  | "initializing"
  | "primary"
  | "fenced"
  | "standby"
  | "promoting"
  | "demoting"
  | "frozen";

/** One service's state as a peer region publishes it (per-service heartbeat TXT, DESIGN §2). */
export interface PeerServiceReport {
  readonly role: PublishedRole;
  readonly epoch: number;
  readonly gate: "open" | "closed";
  /** CNPG `status.demotionToken`, published during a planned switchover. */
  readonly demotionToken?: string | undefined;
  /** The region that the demoting primary hands over to (planned switchover). */
  readonly handoverTo?: string | undefined;
  /** `localtargets-<host>`: this region's own targets, non-empty only while its gate is open. */
  readonly localTargets: readonly string[];
  /**
   * Lease mode: whether the region's last lease round read a majority of the lease witnesses
   * (`lm=yes|no`); undefined when it does not say. The lease failsafe counts only an explicit
   * `false`, read directly from the peer (lease-failsafe.ts).
   */
  readonly leaseMajority?: boolean | undefined;
  /**
   * The region's CNPG cluster carries the fence annotation (`cf=yes`; absent: not fenced). A fenced
   * cluster runs no Postgres, so it cannot take over: a switchover to it is refused up front
   * (switchoverRefusal in decision.ts) instead of being accepted and stalling.
   */
  readonly cnpgFenced?: boolean | undefined;
}

/** A signed region heartbeat, as read directly or through a witness. */
export interface RegionHeartbeat {
  readonly region: string;
  /** Changes on every controller start; tells a restart from a long silence. */
  readonly incarnation: number;
  readonly services: Readonly<Record<string, PeerServiceReport>>;
}

/** The answer a witness gave about one peer in this round. */
export interface PeerVote {
  readonly vote: Vote;
  /** Present on an `up` vote: the heartbeat the witness relayed. */
  readonly heartbeat?: RegionHeartbeat | undefined;
  /** Why unknown/down in words: "timeout", "SERVFAIL", "bad signature", ... */
  readonly detail?: string | undefined;
}

/** One witness resolver in one round. */
export interface WitnessResult {
  readonly witness: string;
  /** self(w): OK iff a valid signed answer echoing the nonce came back in time. */
  readonly self: "ok" | "fail";
  readonly selfDetail?: string | undefined;
  readonly peers: Readonly<Record<string, PeerVote>>;
}

/** direct(p): every NS address of p asked directly. */
export interface DirectResult {
  readonly reachable: boolean;
  readonly heartbeat?: RegionHeartbeat | undefined;
  readonly detail?: string | undefined;
}

/** CNPG's view of the local cluster (spec.replica.primary, fencing, status.demotionToken). */
export interface CnpgStatus {
  /** Whether the local cluster is the primary of the distributed topology right now. */
  readonly role: "primary" | "replica" | "unknown";
  /** `cnpg.io/fencedInstances: '["*"]'` is set. */
  readonly fenced: boolean;
  /**
   * The fence was set by splitguard (`splitguard.io/fenced-by: splitguard` beside it), not by an
   * operator. The machine only ever lifts its own fences: an operator's fence stays until they lift it.
   */
  readonly fencedByUs?: boolean | undefined;
  /** `spec.replica.primary`: the region the cluster believes is primary. */
  readonly primary?: string | undefined;
  readonly demotionToken?: string | undefined;
  /** `splitguard.io/epoch`: the fencing epoch recorded with this cluster's last promotion. */
  readonly epoch?: number | undefined;
}

export interface LocalServiceState {
  /** The local replica is streaming and within its lag budget (metrics), or the primary is up. */
  readonly replicaHealthy: boolean;
  readonly cnpg: CnpgStatus;
}

/** A FailoverOverride as the controller sees it (DESIGN §7). */
export interface Override {
  readonly action: "freeze" | "release" | "promote" | "demote" | "switchover";
  /** For promote/switchover: the region that should become primary. */
  readonly region?: string | undefined;
  /** Forced promotion with an explicit split-brain acknowledgement. */
  readonly force?: boolean | undefined;
  readonly reason: string;
  readonly id: string;
}

/** One probe round of one region: the prober's output. */
export interface EvidenceRound {
  readonly region: string;
  readonly round: number;
  /** Local clock, ms, when the round's queries were sent. */
  readonly startedAt: number;
  /** Local clock, ms, when the round's results were complete (startedAt + timeout at most). */
  readonly completedAt: number;
  readonly witnesses: readonly WitnessResult[];
  readonly direct: Readonly<Record<string, DirectResult>>;
  readonly local: Readonly<Record<string, LocalServiceState>>;
  readonly overrides: Readonly<Record<string, readonly Override[]>>;
}

/** The per-service view of a round: what one service's machine consumes. */
export interface ServiceEvidence {
  readonly service: string;
  readonly region: string;
  readonly round: number;
  readonly startedAt: number;
  readonly completedAt: number;
  readonly witnesses: readonly WitnessResult[];
  readonly direct: Readonly<Record<string, DirectResult>>;
  readonly local: LocalServiceState;
  readonly overrides: readonly Override[];
}

const UNKNOWN_LOCAL: LocalServiceState = { replicaHealthy: false, cnpg: { role: "unknown", fenced: false } };

export function serviceEvidence(round: EvidenceRound, service: string): ServiceEvidence {
  return {
    service,
    region: round.region,
    round: round.round,
    startedAt: round.startedAt,
    completedAt: round.completedAt,
    witnesses: round.witnesses,
    direct: round.direct,
    local: round.local[service] ?? UNKNOWN_LOCAL,
    overrides: round.overrides[service] ?? [],
  };
}

/**
 * What `peer` reported about `service` this round, by any path (direct first, then any witness).
 * Undefined when no path carried its heartbeat.
 */
export function peerReport(ev: ServiceEvidence, peer: string): PeerServiceReport | undefined {
  const d = ev.direct[peer];
  const viaDirect = d?.reachable ? d.heartbeat?.services[ev.service] : undefined;
  if (viaDirect) return viaDirect;
  for (const w of ev.witnesses) {
    const v = w.peers[peer];
    if (v?.vote === "up") {
      const r = v.heartbeat?.services[ev.service];
      if (r) return r;
    }
  }
  return undefined;
}

/** Any sighting of `peer` alive this round: a direct answer or an `up` vote from any witness. */
export function peerSighted(ev: ServiceEvidence, peer: string): boolean {
  if (ev.direct[peer]?.reachable) return true;
  return ev.witnesses.some((w) => w.peers[peer]?.vote === "up");
}
