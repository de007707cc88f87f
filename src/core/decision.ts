// The decision core: turns one per-service evidence view (plus what the machine already knows:
// its epoch, the region it believes primary) into an Assessment, the plain facts every guard of the
// service machine reads. Pure; the words in `reason` go to status and `splitguard explain`.
import { type PeerServiceReport, peerReport, peerSighted, type ServiceEvidence } from "./evidence.ts";
import type { LeaseView } from "./lease-core.ts";
import { type PeerVerdict, peerVerdict, type SelfQuorum, selfQuorum } from "./witness-quorum.ts";

export type SafetyMode = "witness" | "lease" | "manual";

export interface ServiceTiming {
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly fenceAfterMs: number;
  readonly promoteAfterMs: number;
  readonly holdDownMs: number;
}

export interface ServiceSpec {
  readonly service: string;
  readonly region: string;
  /** Every region of the service, highest priority first. */
  readonly regions: readonly string[];
  /** The configured witness resolvers (the quorum is counted over these). */
  readonly witnesses: readonly string[];
  readonly safety: SafetyMode;
  readonly timing: ServiceTiming;
  /** Lease mode with `lease.failsafe: true` (lease-failsafe.ts); acknowledgements count for ttlMs. */
  readonly leaseFailsafe?: { readonly ttlMs: number } | undefined;
}

export interface PeerFacts {
  readonly verdict: PeerVerdict;
  /** Seen alive by any path this round (direct answer or an `up` vote). */
  readonly sighted: boolean;
  readonly direct: boolean;
  /** Down-quorum and no sighting: the peer is lost as far as this round can tell. */
  readonly lost: boolean;
  /**
   * Seen, but following: its signed heartbeat says standby with the gate closed, and no peer at
   * all claims primary or promoting this round. A primary we follow that stays so is not there to
   * write (the service machine's `goneFor`).
   */
  readonly following: boolean;
  /** Seen fenced (gate closed) while no peer claims primary or promoting this round. */
  readonly fencedSeen: boolean;
  /**
   * Answered directly (fresh: it echoes our nonce) as a standby at our epoch whose CNPG cluster is
   * fenced (`cf=yes`): it cannot take a planned switchover from us (switchoverRefusal).
   */
  readonly refusing: boolean;
  readonly report: PeerServiceReport | undefined;
}

export interface Assessment {
  readonly round: number;
  readonly at: number;
  readonly self: SelfQuorum;
  readonly peers: Readonly<Record<string, PeerFacts>>;
  /** Every peer answered us directly this round. */
  readonly allPeersDirect: boolean;
  readonly replicaHealthy: boolean;
  /** A peer publishing primary/promoting with a newer claim than ours (epoch, then priority). */
  readonly newerPrimary: { readonly region: string; readonly epoch: number } | undefined;
  /** The strongest primary/promoting claim any peer publishes this round. */
  readonly strongestClaim: { readonly region: string; readonly epoch: number } | undefined;
}

export function peersOf(spec: ServiceSpec): string[] {
  return spec.regions.filter((r) => r !== spec.region);
}

export function priorityOf(spec: ServiceSpec, region: string): number {
  const i = spec.regions.indexOf(region);
  return i < 0 ? spec.regions.length : i;
}

/** True when `a`'s claim (epoch, then region priority) beats `b`'s. */
export function claimBeats(spec: ServiceSpec, a: string, aEpoch: number, b: string, bEpoch: number): boolean {
  if (aEpoch !== bEpoch) return aEpoch > bEpoch;
  return priorityOf(spec, a) < priorityOf(spec, b);
}

export function assess(spec: ServiceSpec, ev: ServiceEvidence, ownEpoch: number, at: number): Assessment {
  const peers: Record<string, PeerFacts> = {};
  let strongest: Assessment["strongestClaim"];
  for (const p of peersOf(spec)) {
    const verdict = peerVerdict(spec.witnesses, ev, p);
    const sighted = peerSighted(ev, p);
    const report = peerReport(ev, p);
    const direct = ev.direct[p]?.reachable === true;
    const directReport = direct ? ev.direct[p]?.heartbeat?.services[ev.service] : undefined;
    peers[p] = {
      verdict,
      sighted,
      direct,
      lost: verdict.downQuorum && !sighted,
      following: false,
      fencedSeen: false,
      refusing:
        directReport?.role === "standby" &&
        directReport.cnpgFenced === true &&
        directReport.epoch === ownEpoch,
      report,
    };
    if (
      report &&
      (report.role === "primary" || report.role === "promoting") &&
      (!strongest || claimBeats(spec, p, report.epoch, strongest.region, strongest.epoch))
    )
      strongest = { region: p, epoch: report.epoch };
  }
  if (!strongest)
    for (const p of peersOf(spec)) {
      const f = peers[p]!;
      if (f.sighted && f.report?.gate === "closed")
        peers[p] = { ...f, following: f.report.role === "standby", fencedSeen: f.report.role === "fenced" };
    }
  const newerPrimary =
    strongest && claimBeats(spec, strongest.region, strongest.epoch, spec.region, ownEpoch)
      ? strongest
      : undefined;
  return {
    round: ev.round,
    at,
    self: selfQuorum(spec.witnesses, ev),
    peers,
    allPeersDirect: peersOf(spec).every((p) => peers[p]!.direct),
    replicaHealthy: ev.local.replicaHealthy,
    newerPrimary,
    strongestClaim: strongest,
  };
}

/**
 * Whether the primary may keep its gate open this round (DESIGN §5).
 * witness/manual: self-quorum, or a direct acknowledgement from every peer.
 * lease: the lease is held and its last renewal succeeded.
 */
export function primaryHealthy(spec: ServiceSpec, a: Assessment | null, lease: LeaseView | null): boolean {
  if (spec.safety === "lease") return lease?.held === true && lease.lastWriteOk === true;
  if (!a) return false;
  return a.self.ok || a.allPeersDirect;
}

export function healthReason(spec: ServiceSpec, a: Assessment | null, lease: LeaseView | null): string {
  if (spec.safety === "lease")
    return lease
      ? `lease ${lease.held ? `held until ${lease.holdUntil}` : "not held"}; ${lease.reason}`
      : "no lease round yet";
  if (!a) return "no evidence round yet";
  const direct = peersOf(spec).filter((p) => a.peers[p]!.direct);
  return `${a.self.reason}; ${direct.length} of ${peersOf(spec).length} peers answered directly`;
}

/** A compact, serialisable record of the evidence behind a decision. */
export interface EvidenceSummary {
  readonly round: number | null;
  readonly selfQuorum: string | null;
  readonly peers: Readonly<Record<string, string>>;
  readonly lease: string | null;
  readonly replicaHealthy: boolean | null;
}

export function summarize(spec: ServiceSpec, a: Assessment | null, lease: LeaseView | null): EvidenceSummary {
  const peers: Record<string, string> = {};
  if (a)
    for (const p of peersOf(spec)) {
      const f = a.peers[p]!;
      const rep = f.report ? `, reports ${f.report.role} epoch ${f.report.epoch}` : "";
      peers[p] =
        `${f.verdict.reason}; ${f.sighted ? "sighted" : "not sighted"}${f.direct ? " directly" : ""}${rep}`;
    }
  return {
    round: a?.round ?? null,
    selfQuorum: a?.self.reason ?? null,
    peers,
    lease: lease
      ? lease.held
        ? `held until ${lease.holdUntil} (epoch ${lease.epoch})`
        : `not held: ${lease.reason}`
      : null,
    replicaHealthy: a?.replicaHealthy ?? null,
  };
}

/**
 * Why a planned switchover from this primary (at `ownEpoch`) to `target` must be refused now, in
 * words; undefined when the target is ready to take over. Shared by the service machine and the
 * Kubernetes override executor, so both refuse for the same reasons. The target must be seen
 * (`report` is its latest per-service heartbeat, undefined when no path carried one this round),
 * follow us (standby at our epoch: a region behind us lacks our latest writes, one ahead of us
 * knows a primary we do not), and run Postgres (not fenced: a fenced cluster cannot promote, and a
 * switchover accepted to it stalled with no writable region, found by the e2e tier).
 */
export function switchoverRefusal(
  target: string,
  report: PeerServiceReport | undefined,
  ownEpoch: number,
): string | undefined {
  if (!report) return `target ${target} is not seen by any path (unknown or lost): it cannot take over`;
  if (report.cnpgFenced)
    return `target ${target}'s CNPG cluster is fenced (cnpg.io/fencedInstances): it runs no Postgres and cannot promote; lift the fence first`;
  if (report.role !== "standby")
    return `target ${target} reports ${report.role}, not standby: only a following standby can take over`;
  if (report.epoch !== ownEpoch)
    return `target ${target} follows epoch ${report.epoch}, not ours (${ownEpoch}): it is not replicating from this primary`;
  return undefined;
}

/**
 * How long a primary that began a planned switchover (`demoting`) waits for its target before it
 * takes its role back (DESIGN §4 `demoting`, docs/state-machine.md):
 * - lostMs: the target lost (voted down by a witness quorum, sighted by no path) in every round for
 *   promoteAfter, our own self-quorum holding throughout: exactly the wait after which a standby
 *   may promote over a lost primary, so by the timing rule a target that promoted with our token
 *   and was cut off since has fenced itself before we resume.
 * - refusedMs: the target seen directly in every round as a standby at our epoch whose CNPG is
 *   fenced (it cannot promote), for two full probe rounds after we withdrew the demotion token.
 */
export function handoverTimeouts(t: ServiceTiming): { readonly lostMs: number; readonly refusedMs: number } {
  return { lostMs: t.promoteAfterMs, refusedMs: 2 * (t.probeIntervalMs + t.probeTimeoutMs) };
}
