// The lease failsafe (DESIGN §5, after Patroni's failsafe_mode): a primary whose lease renewal
// failed on the lease witnesses may keep serving only while EVERY peer region directly
// acknowledges that it cannot reach a majority of the lease witnesses either, and that it still
// sees this region as the primary at this epoch. Pure: the caller gathers the peers' answers (a
// direct query, never through a resolver) and passes its own clock's `now`.
//
// Why it cannot split the brain: a region can only become primary by acquiring the lease on a
// majority of witnesses, and it may do so only after watching a majority unchanged for
// ttl + margin on its own clock. A peer's acknowledgement says "at some instant after you asked,
// I could not reach a majority". Counting it for ttl after the question was SENT (not after the
// answer arrived) means the primary stops relying on it before that peer, having regained a
// majority right after answering, could finish its ttl + margin wait; lease.margin covers the
// clock-rate difference as it does for the lease itself (schema.ts timingIssues).

export interface PeerFailsafeAck {
  /** Local time (this region's clock) at which the question was sent. */
  readonly askedAt: number;
  /** The peer reports it can read a majority of the lease witnesses. */
  readonly reachesMajority: boolean;
  /** The region the peer currently acknowledges as primary for the service ("" if none). */
  readonly primary: string;
  /** The highest lease epoch the peer knows for the service. */
  readonly epoch: number;
}

export interface FailsafeInput {
  readonly enabled: boolean;
  readonly now: number;
  readonly self: string;
  /** Every configured peer region of the service (all of them, not those that answered). */
  readonly peers: readonly string[];
  /** End of this region's lease belief (start of last majority renewal + ttl); undefined if never held. */
  readonly leaseHeldUntil: number | undefined;
  readonly epoch: number;
  readonly ttlMs: number;
  /** Latest direct answer of each peer, by region. */
  readonly acks: ReadonlyMap<string, PeerFailsafeAck>;
}

export type FailsafeDecision =
  | {
      readonly kind: "serve";
      readonly basis: "lease" | "failsafe";
      /** Re-decide no later than this (the earliest expiry among what justifies serving). */
      readonly until: number;
      readonly reason: string;
    }
  | { readonly kind: "fence"; readonly reason: string };

export function decideFailsafe(i: FailsafeInput): FailsafeDecision {
  if (i.leaseHeldUntil !== undefined && i.now < i.leaseHeldUntil)
    return { kind: "serve", basis: "lease", until: i.leaseHeldUntil, reason: "the lease is held" };
  if (!i.enabled) return { kind: "fence", reason: "the lease expired and the failsafe is disabled" };
  // Only a primary that held the lease may be kept by the failsafe: it never creates a primary.
  if (i.leaseHeldUntil === undefined)
    return { kind: "fence", reason: "this region never held the lease; the failsafe only keeps a primary" };
  const problems: string[] = [];
  let until = Number.POSITIVE_INFINITY;
  for (const peer of i.peers) {
    if (peer === i.self) continue;
    const a = i.acks.get(peer);
    if (a === undefined) {
      problems.push(`${peer} has not acknowledged`);
      continue;
    }
    const validUntil = a.askedAt + i.ttlMs;
    if (i.now >= validUntil)
      problems.push(`${peer}'s acknowledgement is ${Math.round(i.now - a.askedAt)} ms old`);
    else if (a.reachesMajority) problems.push(`${peer} reaches a majority of the lease witnesses`);
    else if (a.epoch > i.epoch) problems.push(`${peer} knows epoch ${a.epoch} > ours ${i.epoch}`);
    else if (a.primary !== i.self)
      problems.push(`${peer} acknowledges ${a.primary || "no region"} as primary`);
    else until = Math.min(until, validUntil);
  }
  if (problems.length > 0)
    return {
      kind: "fence",
      reason: `the lease expired and the failsafe does not hold: ${problems.join("; ")}`,
    };
  // With no peer at all there is nobody who could acquire the lease; Patroni keeps a lone leader
  // too. Re-decide after one ttl so a newly configured peer is asked.
  if (!Number.isFinite(until)) until = i.now + i.ttlMs;
  return {
    kind: "serve",
    basis: "failsafe",
    until,
    reason: `the lease expired, but every peer (${i.peers.filter((p) => p !== i.self).join(", ") || "none"}) acknowledges it cannot reach a majority of the lease witnesses either`,
  };
}
