// A restarted controller resumes a standby's promotion wait from status, counting only time for
// which evidence exists (docs/state-machine.md, "Timers across restarts"). Pure: the stored status
// facts, the timing and the time in; the start the machine's loss timer resumes from out.
//
// Safety point. A restart means rounds were missed: while no controller ran, the primary may have
// been seen healthy again and lost again, and nobody knows. So the stretch before the gap proves
// nothing about the primary having fenced. The resumed wait therefore needs, after the restart,
// fresh rounds that confirm the loss (down-quorum, no sighting) and our self-quorum EVERY round for
// at least the timing rule's minimum, fenceAfter + 2*interval + 2*timeout + margin, plus one more
// round (interval + timeout) for the first fresh round, which lands up to a round after the
// machine starts. That alone is the argument of an unrestarted wait (the old primary has fenced
// before we promote). Only the rest of promoteAfter, the part above the minimum that an operator
// adds against flapping, may be made up from the stretch before the restart, and only as much of
// it as status shows evidence for: from the primary's `lostSince` and our self-quorum's start to
// the last round written (`round.at`; a round not written counts nothing). The gap itself never
// counts. With promoteAfter at the minimum (the tests' 12 s) nothing is resumed.
import type { RestoredStatus } from "../../machines/service-machine.ts";
import type { ServiceTiming } from "../core/decision.ts";

/** What the stored status says about a promotion wait that was running when it was written. */
export interface SuspectFacts {
  /** The primary being waited for (status.primary). */
  readonly primary: string;
  /** Since when it was lost (down-quorum, no sighting) every round (its peer's `lostSince`). */
  readonly lostSince: number;
  /** Since when our self-quorum held every round (`restore.selfQuorumSince`). */
  readonly selfQuorumSince: number;
  /** The last round the status describes (`round.at`). */
  readonly lastRoundAt: number;
}

/** RestoredStatus plus the facts of a running promotion wait, as read from status. */
export interface StoredStatus extends RestoredStatus {
  readonly suspect?: SuspectFacts | undefined;
}

/** A stored ISO timestamp in ms since the epoch; null when absent or not a date. */
export const isoMs = (v: unknown): number | null =>
  typeof v === "string" && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : null;

/**
 * The running promotion wait in a stored status: only a standby suspecting its primary because it
 * was lost (not the seen-following or seen-fenced kinds of goneSince, which always start again).
 */
export function suspectFacts(status: Record<string, unknown>): SuspectFacts | undefined {
  const timer = status.timer as { name?: unknown } | null | undefined;
  if (status.state !== "standby.suspecting" || timer?.name !== "promoteAfter") return undefined;
  const primary = status.primary;
  if (typeof primary !== "string") return undefined;
  const peers = Array.isArray(status.peers)
    ? (status.peers as { region?: unknown; lostSince?: unknown }[])
    : [];
  const lostSince = isoMs(peers.find((p) => p.region === primary)?.lostSince);
  const selfQuorumSince = isoMs((status.restore as Record<string, unknown> | undefined)?.selfQuorumSince);
  const lastRoundAt = isoMs((status.round as Record<string, unknown> | null | undefined)?.at);
  if (lostSince === null || selfQuorumSince === null || lastRoundAt === null) return undefined;
  return { primary, lostSince, selfQuorumSince, lastRoundAt };
}

/** The least fresh confirming time a resumed wait still needs: the timing rule's minimum plus one round. */
export function freshMinimumMs(t: ServiceTiming, marginMs: number): number {
  const round = t.probeIntervalMs + t.probeTimeoutMs;
  return t.fenceAfterMs + 2 * round + marginMs + round;
}

/**
 * The status restored for a machine started at `now`, with `resume` set when the stored wait may
 * be resumed: the loss timer then starts at `now - credit`, credit being the evidenced time before
 * the restart (both the loss and our self-quorum held from its start to the last written round),
 * capped so that at least freshMinimumMs of the wait lies after `now`. Without a usable wait, or
 * with promoteAfter at or below the fresh minimum, the wait starts again from the first round.
 */
export function resumeWait(
  restored: StoredStatus | undefined,
  t: ServiceTiming,
  marginMs: number,
  now: number,
): RestoredStatus | undefined {
  if (!restored) return undefined;
  const { suspect, ...rest } = restored;
  if (!suspect || restored.role !== "standby" || restored.primary !== suspect.primary) return rest;
  const cap = t.promoteAfterMs - freshMinimumMs(t, marginMs);
  // Both differences are taken on the writer's clock (one controller wrote all three), so a clock
  // offset between the old and the new leader does not enter; a negative one means nothing to count.
  const credit = suspect.lastRoundAt - Math.max(suspect.lostSince, suspect.selfQuorumSince);
  if (cap <= 0 || credit <= 0) return rest;
  return { ...rest, resume: { primary: suspect.primary, since: now - Math.min(cap, credit) } };
}
