// The FailoverService status the leader writes after every round (DESIGN §7): role, epoch, lease,
// per-witness and per-peer evidence of the last round, the running timer with its deadline,
// conditions, and the last decision with its reason in words. Pure: built from the machine's
// snapshot and the round. The field names are the CRD's (src/kube/crds.ts documents each), read
// by `splitguard status/explain` and by a restarted controller (restoredFrom()).
import { fenceDeadline, goneSince } from "../../machines/service-machine.ts";
import { type ServiceSnapshot, stateName, statusOf } from "../../machines/status.ts";
import { peersOf } from "../core/decision.ts";
import type { ServiceEvidence } from "../core/evidence.ts";
import type { LeaseAttempt, PublishedState } from "./actuators.ts";
import { isoMs, type StoredStatus, suspectFacts } from "./resume-wait.ts";

export interface WitnessStatus {
  readonly name: string;
  /** self(w): "ok" or "fail: <why>". */
  readonly self: string;
  /** Per peer region: "up", "down", or "unknown: <why>". */
  readonly peers: Readonly<Record<string, string>>;
}

export interface PeerStatus {
  readonly region: string;
  /** up (sighted by some path), down (a witness down-quorum, not sighted), or unknown. */
  readonly seen: "up" | "down" | "unknown";
  readonly direct: boolean;
  /** The witness votes in words. */
  readonly votes: string;
  readonly role?: string | undefined;
  readonly epoch?: number | undefined;
  readonly gate?: string | undefined;
  /** Since when it has been lost (down-quorum, no sighting) every round. */
  readonly lostSince?: string | undefined;
}

export interface TimerStatus {
  /** promoteAfter (a standby's promotion wait), fenceAfter (a primary at risk), lease (lease expiry). */
  readonly name: string;
  readonly since: string;
  readonly deadline: string;
}

export interface Condition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

export interface ServiceStatusDoc {
  readonly state: string;
  readonly role: string;
  readonly epoch: number;
  readonly primary: string | null;
  /** Witnesses that returned our own heartbeat / configured, e.g. "2/3". */
  readonly quorum: string;
  readonly lease: {
    holder: string | null;
    epoch: number | null;
    holdUntil: string | null;
    reason: string;
    /** The highest value ever attempted (recorded before it was written): never reused. */
    lastAttempt: LeaseAttempt | null;
  } | null;
  readonly witnesses: readonly WitnessStatus[];
  readonly peers: readonly PeerStatus[];
  readonly timer: TimerStatus | null;
  readonly decision: { action: string; reason: string; at: string };
  readonly published: {
    role: string;
    epoch: number;
    gate: string;
    localTargets: string[];
    handoverTo?: string | undefined;
    demotionToken?: string | undefined;
  } | null;
  /** Timers as timestamps, restored by a restarted controller (never shortening a wait). */
  readonly restore: {
    lastHealthyAt: string | null;
    leaseHoldUntil: string | null;
    lastRoleChangeAt: string | null;
    /** Since when self-quorum held every round (a resumed promotion wait counts from it). */
    selfQuorumSince: string | null;
  };
  readonly round: { number: number; at: string } | null;
  readonly conditions: readonly Condition[];
}

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();

export function runningTimer(s: ServiceSnapshot): TimerStatus | null {
  const c = s.context;
  const state = stateName(s);
  if (state === "standby.suspecting" && c.primary !== null) {
    // The promotion timer runs from when the primary became gone: lost, or (goneSince) seen
    // following or fenced without anybody claiming primary.
    const since = goneSince(c, c.primary);
    if (since === undefined) return null;
    return {
      name: "promoteAfter",
      since: iso(since)!,
      deadline: iso(since + c.spec.timing.promoteAfterMs)!,
    };
  }
  if (state === "primary.atRisk")
    return c.spec.safety === "lease"
      ? {
          name: "lease",
          since: iso(c.leaseHoldUntil - c.spec.timing.fenceAfterMs)!,
          deadline: iso(c.leaseHoldUntil)!,
        }
      : { name: "fenceAfter", since: iso(c.lastHealthyAt)!, deadline: iso(fenceDeadline(c))! };
  return null;
}

export function serviceStatusDoc(
  s: ServiceSnapshot,
  ev: ServiceEvidence | undefined,
  published: PublishedState | undefined,
  extraConditions: readonly Condition[],
  previous: readonly Condition[],
  now: number,
  leaseAttempt?: LeaseAttempt | undefined,
): ServiceStatusDoc {
  const st = statusOf(s);
  const c = s.context;
  const a = c.a;
  const configured = c.spec.witnesses;
  const witnesses: WitnessStatus[] = configured.map((w) => {
    const r = ev?.witnesses.find((x) => x.witness === w);
    const peers: Record<string, string> = {};
    for (const p of peersOf(c.spec)) {
      const v = r?.peers[p];
      peers[p] = !v ? "unknown: not asked" : v.vote === "unknown" ? `unknown: ${v.detail ?? "?"}` : v.vote;
    }
    return {
      name: w,
      self: !r ? "unknown: no round yet" : r.self === "ok" ? "ok" : `fail: ${r.selfDetail ?? "?"}`,
      peers,
    };
  });
  const peers: PeerStatus[] = peersOf(c.spec).map((p) => {
    const f = a?.peers[p];
    const rep = f?.report;
    return {
      region: p,
      seen: !f ? "unknown" : f.sighted ? "up" : f.lost ? "down" : "unknown",
      direct: f?.direct ?? false,
      votes: f?.verdict.reason ?? "no round yet",
      ...(rep ? { role: rep.role, epoch: rep.epoch, gate: rep.gate } : {}),
      ...(c.since.lost[p] !== undefined ? { lostSince: iso(c.since.lost[p])! } : {}),
    };
  });
  const okCount = a ? a.self.okWitnesses.length : 0;
  const conditions: Condition[] = [
    condition(
      previous,
      "SelfQuorum",
      a ? (a.self.ok ? "True" : "False") : "Unknown",
      a ? (a.self.ok ? "QuorumHeld" : "QuorumLost") : "NoRound",
      a?.self.reason ?? "no probe round yet",
      now,
    ),
    condition(
      previous,
      "Serving",
      published?.gate === "open" ? "True" : "False",
      published?.gate === "open" ? "GateOpen" : "GateClosed",
      published?.gate === "open"
        ? `this region serves the service (targets ${published.localTargets.join(", ") || "none"})`
        : `this region's gate is closed (${st.state})`,
      now,
    ),
    ...extraConditions.map((x) => condition(previous, x.type, x.status, x.reason, x.message, now)),
  ];
  const lease = c.lease;
  return {
    state: st.state,
    role: stateName(s) === "frozen" ? "frozen" : (st.role ?? "standby"),
    epoch: st.epoch,
    primary: st.primary,
    quorum: `${okCount}/${configured.length}`,
    lease:
      c.spec.safety === "lease"
        ? {
            holder: lease?.holder ?? null,
            epoch: lease?.epoch ?? null,
            holdUntil: iso(lease?.holdUntil),
            reason: lease?.reason ?? "no lease round yet",
            lastAttempt: leaseAttempt ?? null,
          }
        : null,
    witnesses,
    peers,
    timer: runningTimer(s),
    decision: { action: st.decision.to, reason: st.decision.reason, at: iso(st.decision.at)! },
    published: published
      ? {
          role: published.role,
          epoch: published.epoch,
          gate: published.gate,
          localTargets: [...published.localTargets],
          ...(published.handoverTo ? { handoverTo: published.handoverTo } : {}),
          ...(published.demotionToken ? { demotionToken: published.demotionToken } : {}),
        }
      : null,
    restore: {
      lastHealthyAt: iso(st.lastHealthyAt),
      leaseHoldUntil: c.spec.safety === "lease" ? iso(st.leaseHoldUntil) : null,
      lastRoleChangeAt: iso(st.lastRoleChangeAt),
      selfQuorumSince: iso(c.own.selfQuorumSince),
    },
    round: ev ? { number: ev.round, at: iso(ev.completedAt)! } : null,
    conditions,
  };
}

/** Status is written on every change, and at least this often while nothing changes. */
export const STATUS_REFRESH_MS = 30_000;

/** What a status writer remembers of its last write. */
export interface StatusWritten {
  /** The written document without its round (JSON). */
  readonly text: string;
  readonly at: number;
}

/**
 * Whether `doc` is due to be written at `now` (the region runtime's rule, which the simulator
 * shares): when its content changed since `last`, the round aside, or `refreshMs` passed. Returns
 * what to remember once it is written, or null when nothing is due. So the stored `round.at` lags
 * the last round by up to `refreshMs` while nothing changes; a restarted controller's resumed wait
 * (resume-wait.ts) counts only up to the round written.
 */
export function statusWriteDue(
  doc: ServiceStatusDoc,
  last: StatusWritten | undefined,
  now: number,
  refreshMs: number = STATUS_REFRESH_MS,
): StatusWritten | null {
  const { round: _round, ...content } = doc;
  const text = JSON.stringify(content);
  if (last && text === last.text && now - last.at < refreshMs) return null;
  return { text, at: now };
}

/** A condition whose lastTransitionTime moves only when its status changes. */
export function condition(
  previous: readonly Condition[],
  type: string,
  status: Condition["status"],
  reason: string,
  message: string,
  now: number,
): Condition {
  const prev = previous.find((p) => p.type === type);
  const at = prev && prev.status === status ? prev.lastTransitionTime : iso(now)!;
  return { type, status, reason, message, lastTransitionTime: at };
}

/** What a (re)started machine restores from the stored status (machines/service-machine.ts). */
export function restoredFrom(status: Record<string, unknown> | undefined): StoredStatus | undefined {
  if (!status || typeof status.epoch !== "number") return undefined;
  const restore = (status.restore ?? {}) as Record<string, unknown>;
  const role = status.role;
  return {
    role:
      role === "primary" ||
      role === "fenced" ||
      role === "standby" ||
      role === "promoting" ||
      role === "demoting"
        ? role
        : null,
    epoch: status.epoch,
    primary: typeof status.primary === "string" ? status.primary : null,
    lastHealthyAt: isoMs(restore.lastHealthyAt),
    leaseHoldUntil: isoMs(restore.leaseHoldUntil),
    lastRoleChangeAt: isoMs(restore.lastRoleChangeAt),
    suspect: suspectFacts(status),
  };
}
