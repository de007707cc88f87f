// Quorum over witness resolvers (DESIGN §3). q = floor(|W|/2) + 1 over the CONFIGURED witnesses,
// never over those that happened to answer.
//
// Safety point: counting only the responders (OpenOva's first spec) lets a region that reaches
// one witness out of three call a 1-of-1 "quorum" and promote while the other two witnesses, the
// ones it cannot reach, still see the primary serving. Here a missing witness counts as a vote
// against, so an isolated region can never reach quorum on anything.
import type { ServiceEvidence, WitnessResult } from "./evidence.ts";

export function quorumSize(configured: readonly string[]): number {
  return Math.floor(configured.length / 2) + 1;
}

export interface SelfQuorum {
  readonly ok: boolean;
  readonly q: number;
  readonly okWitnesses: readonly string[];
  readonly reason: string;
}

function resultFor(results: readonly WitnessResult[], w: string): WitnessResult | undefined {
  return results.find((r) => r.witness === w);
}

/** self-quorum: at least q configured witnesses answered our own heartbeat this round. */
export function selfQuorum(
  configured: readonly string[],
  ev: Pick<ServiceEvidence, "witnesses">,
): SelfQuorum {
  const q = quorumSize(configured);
  const okWitnesses = configured.filter((w) => resultFor(ev.witnesses, w)?.self === "ok");
  const ok = okWitnesses.length >= q;
  return {
    ok,
    q,
    okWitnesses,
    reason: `self-quorum ${ok ? "held" : "lost"}: ${okWitnesses.length} of ${configured.length} witnesses reached us (need ${q})`,
  };
}

export interface PeerVerdict {
  readonly peer: string;
  /** A down-quorum: at least q configured witnesses voted down in a round where self(w) was OK. */
  readonly downQuorum: boolean;
  readonly q: number;
  readonly down: readonly string[];
  readonly up: readonly string[];
  /** Unknown votes, and down votes discarded because self(w) failed in the same round. */
  readonly unknown: readonly string[];
  readonly reason: string;
}

/**
 * Count the witnesses' votes on `peer`.
 *
 * Safety point: a `down` from a witness that could not reach *us* this round proves nothing about
 * the peer: the witness may be cut off from the whole world on our side, or the answer may be a
 * failure of our own path dressed up as SERVFAIL. Such a vote is demoted to unknown, and unknown
 * never counts toward promotion (DESIGN §8 invariant 3).
 */
export function peerVerdict(
  configured: readonly string[],
  ev: Pick<ServiceEvidence, "witnesses">,
  peer: string,
): PeerVerdict {
  const q = quorumSize(configured);
  const down: string[] = [];
  const up: string[] = [];
  const unknown: string[] = [];
  for (const w of configured) {
    const r = resultFor(ev.witnesses, w);
    const v = r?.peers[peer]?.vote ?? "unknown";
    if (v === "up") up.push(w);
    else if (v === "down" && r?.self === "ok") down.push(w);
    else unknown.push(w);
  }
  const downQuorum = down.length >= q;
  return {
    peer,
    downQuorum,
    q,
    down,
    up,
    unknown,
    reason: `${peer}: ${down.length} down, ${up.length} up, ${unknown.length} unknown of ${configured.length} witnesses (down-quorum needs ${q})`,
  };
}
