// The per-service state machine (DESIGN §4), xstate v5. Pure: it consumes evidence rounds, lease
// views and CNPG status, and emits intents (intents.ts). Time comes only from the injected clock
// (context.clock for reading, createActor(..., { clock }) for delays), so the simulator runs this
// very machine in virtual time. docs/state-machine.md explains every state, guard and intent.
//
// Every external event (EVIDENCE, LEASE, CNPG) is first recorded in context by the root handler,
// which then raises EVALUATE; the states react only to EVALUATE and to their own delays, so every
// guard reads one consistent context.
import { and, assign, emit, not, raise, setup } from "xstate";
import type { Clock } from "../src/core/clock.ts";
import {
  type Assessment,
  assess,
  claimBeats,
  type EvidenceSummary,
  handoverTimeouts,
  healthReason,
  peersOf,
  primaryHealthy,
  priorityOf,
  type ServiceSpec,
  summarize,
  switchoverRefusal,
} from "../src/core/decision.ts";
import type { CnpgStatus, Override, PublishedRole, ServiceEvidence } from "../src/core/evidence.ts";
import type { LeaseGoal, LeaseView } from "../src/core/lease-core.ts";
import { decideFailsafe, type FailsafeDecision, type PeerFailsafeAck } from "../src/core/lease-failsafe.ts";
import type { Intent } from "./intents.ts";

/** What status keeps across restarts (FailoverService status): timers as timestamps. */
export interface RestoredStatus {
  readonly role: "primary" | "fenced" | "standby" | "promoting" | "demoting" | null;
  readonly epoch: number;
  readonly primary: string | null;
  /** Witness mode: the last round the primary was healthy (its fence deadline is this + fenceAfter). */
  readonly lastHealthyAt: number | null;
  /** Lease mode: until when the lease was last known held. */
  readonly leaseHoldUntil: number | null;
  readonly lastRoleChangeAt: number | null;
  /**
   * A standby's promotion wait resumed after a restart: the primary's loss timer (and our
   * self-quorum's) start at `since` instead of the first round. src/runtime/resume-wait.ts sets it,
   * counting only evidenced time and leaving at least the timing rule's minimum to fresh rounds;
   * the first round that does not confirm the loss drops it like any loss timer.
   */
  readonly resume?: { readonly primary: string; readonly since: number } | undefined;
  /**
   * What the restore changed of the stored status, in words (the start reason shows it): the
   * CNPG cluster records a newer epoch than status (restore-start.ts has the window).
   */
  readonly adjusted?: string | undefined;
}

export interface ServiceInput {
  readonly spec: ServiceSpec;
  readonly clock: Pick<Clock, "now">;
  readonly cnpg: CnpgStatus;
  readonly restored?: RestoredStatus | undefined;
}

export interface Decision {
  readonly at: number;
  readonly to: string;
  readonly reason: string;
  readonly evidence: EvidenceSummary;
}

export interface ServiceContext {
  readonly spec: ServiceSpec;
  readonly clock: Pick<Clock, "now">;
  readonly restored: RestoredStatus | undefined;
  /** Own epoch as primary; as a standby, the epoch of the primary it follows. */
  readonly epoch: number;
  readonly primary: string | null;
  readonly a: Assessment | null;
  readonly lease: LeaseView | null;
  /** Lease failsafe state, one record (see the field-count test: xstate copies the context). */
  readonly failsafe: FailsafeState;
  readonly cnpg: CnpgStatus;
  readonly overrides: readonly Override[];
  readonly handled: readonly string[];
  readonly lastHealthyAt: number;
  readonly leaseHoldUntil: number;
  /** Since when our own health and self-quorum have held without a gap (one record: field count). */
  readonly own: OwnSince;
  /**
   * Per peer, since when every round it has been: lost (down-quorum, no sighting); seen following
   * (standby, gate closed, nobody claiming); seen fenced (gate closed, nobody claiming). One field:
   * xstate copies the context on every assign, and V8's Object.assign leaves fast properties at 20
   * keys, which made the simulator 50% slower; keep ServiceContext at 19 fields or fewer.
   */
  readonly since: PeerSince;
  readonly lastRoleChangeAt: number | null;
  readonly handoverTo: string | null;
  /** The lease is being acquired for a planned switchover to us. */
  readonly planned: boolean;
  readonly decision: Decision;
}

interface OwnSince {
  /** Since when the own health (primaryHealthy) has held without a gap; null when it does not. */
  readonly healthySince: number | null;
  /** Since when self-quorum has held every round without a gap; null when it does not. */
  readonly selfQuorumSince: number | null;
}

export interface FailsafeState {
  /** This incarnation has held the lease at least once (the failsafe only keeps such a primary). */
  readonly everHeld: boolean;
  /** Each peer's latest direct answer; dropped in a round it does not answer directly. */
  readonly acks: Readonly<Record<string, PeerFailsafeAck>>;
}

interface PeerSince {
  readonly lost: Readonly<Record<string, number>>;
  readonly following: Readonly<Record<string, number>>;
  readonly fenced: Readonly<Record<string, number>>;
  /**
   * Seen directly (a fresh, nonce-echoing answer) as a standby at our epoch whose CNPG cluster is
   * fenced: it cannot take a handover (handoverToUs). Read only while `demoting`.
   */
  readonly refusing: Readonly<Record<string, number>>;
}

export type ServiceEvent =
  | { readonly type: "EVIDENCE"; readonly evidence: ServiceEvidence }
  | { readonly type: "LEASE"; readonly lease: LeaseView }
  | { readonly type: "CNPG"; readonly cnpg: CnpgStatus }
  | { readonly type: "EVALUATE" };

const now = (c: ServiceContext) => c.clock.now();

function activeOverride(c: ServiceContext, action: Override["action"]): Override | undefined {
  return c.overrides.find((o) => o.action === action && !c.handled.includes(o.id));
}

/** Why `target` cannot take a switchover from us now (decision.ts switchoverRefusal), in words. */
function switchoverTargetProblem(c: ServiceContext, target: string): string | undefined {
  if (target === c.spec.region || !c.spec.regions.includes(target))
    return `${target} is not another region of the service`;
  return switchoverRefusal(target, c.a?.peers[target]?.report, c.epoch);
}

function frozenNow(c: ServiceContext): boolean {
  return c.overrides.some((o) => o.action === "freeze");
}

/**
 * A claim to be primary that beats ours: a peer publishing primary/promoting with a newer epoch
 * (or the same epoch and a higher priority), or, in lease mode, the lease held by another region
 * at a newer epoch. For a fenced region, any peer that publishes a newer epoch at all: it has lived
 * through a primary we never saw, so our data is behind whatever it follows.
 */
function newerClaim(c: ServiceContext, fenced = false): { region: string; epoch: number } | undefined {
  const fromPeers = c.a?.newerPrimary;
  if (fromPeers) return fromPeers;
  const l = c.lease;
  if (
    c.spec.safety === "lease" &&
    l &&
    !l.held &&
    l.holder &&
    l.holder !== c.spec.region &&
    (l.epoch ?? 0) > c.epoch
  )
    return { region: l.holder, epoch: l.epoch! };
  if (fenced && c.a) {
    let best: { region: string; epoch: number } | undefined;
    for (const [p, f] of Object.entries(c.a.peers))
      if (f.report && f.report.epoch > c.epoch && (!best || f.report.epoch > best.epoch))
        best = { region: p, epoch: f.report.epoch };
    return best;
  }
  return undefined;
}

/**
 * A peer reports itself fenced at an epoch newer than ours. Safety point (simulator finding
 * regression-crash-before-first-status, witness seed 6006 path 939): a region that crashed before its
 * first status write came back with nothing restored and its CNPG still primary, and served at
 * epoch 1 while us, promoted at epoch 2 in the meantime, was cut off and fenced. A fenced region
 * only resumes when nobody claims primary (canResume), and an older primary yielded only to a
 * SERVING newer claim, so after the heal neither moved, for ever, and the writes us took at epoch 2
 * were never going to reach the region serving. A fenced region was primary at its epoch (fenced
 * is entered from primary only), so the epoch is a fencing token like any other: the older primary
 * yields to it (gate closed, CNPG fenced, re-pointed: never a second writer), follows it, and the
 * fenced region, now seeing nobody claim primary, resumes. Chosen over counting a fenced claim in
 * the assessment's newerPrimary: that would also move standbys, whose following rules
 * (newerToFollow) already handle a fenced primary.
 */
function fencedNewer(c: ServiceContext): boolean {
  for (const f of Object.values(c.a?.peers ?? {}))
    if (f.report?.role === "fenced" && f.report.epoch > c.epoch) return true;
  return false;
}

/** The lease failsafe's verdict now (lease-failsafe.ts); "fence" whenever it is off. */
function failsafe(c: ServiceContext): FailsafeDecision {
  const f = c.spec.leaseFailsafe;
  return decideFailsafe({
    enabled: c.spec.safety === "lease" && f !== undefined,
    now: now(c),
    self: c.spec.region,
    peers: peersOf(c.spec),
    leaseHeldUntil: c.failsafe.everHeld ? c.leaseHoldUntil : undefined,
    epoch: c.epoch,
    ttlMs: f?.ttlMs ?? 0,
    acks: new Map(Object.entries(c.failsafe.acks)),
  });
}

/** The deadline by which a primary at risk closes its gate and fences. */
export function fenceDeadline(c: ServiceContext): number {
  if (c.spec.safety === "lease") {
    // Past the lease's expiry only while the failsafe holds, and then only until the oldest
    // acknowledgement it rests on runs out (askedAt + ttl).
    if (c.spec.leaseFailsafe === undefined) return c.leaseHoldUntil;
    const d = failsafe(c);
    return d.kind === "serve" ? Math.max(d.until, c.leaseHoldUntil) : c.leaseHoldUntil;
  }
  return c.lastHealthyAt + c.spec.timing.fenceAfterMs;
}

/**
 * A peer's direct answer this round as a failsafe acknowledgement (lease-failsafe.ts). Only the
 * direct path counts: a witness resolver relaying the peer's heartbeat proves nothing about the
 * link between the two regions. A peer acknowledges us as primary when it follows our epoch (in
 * lease mode each epoch has exactly one holder) and does not claim to be primary itself.
 */
function directAcks(c: ServiceContext, ev: ServiceEvidence): Record<string, PeerFailsafeAck> {
  const out: Record<string, PeerFailsafeAck> = {};
  for (const p of peersOf(c.spec)) {
    const d = ev.direct[p];
    const r = d?.reachable ? d.heartbeat?.services[ev.service] : undefined;
    if (!r) continue;
    out[p] = {
      askedAt: ev.startedAt,
      // Only an explicit "no majority" acknowledges; a peer that does not say counts as reaching one.
      reachesMajority: r.leaseMajority !== false,
      primary: r.epoch === c.epoch && r.role !== "primary" && r.role !== "promoting" ? c.spec.region : "",
      epoch: r.epoch,
    };
  }
  return out;
}

/**
 * How long a region has been gone for promotion purposes (-1: not gone): lost (voted down by a
 * witness quorum and sighted by no path) every round, or, for the primary we follow when it has
 * lower priority than us, seen every round following (standby, gate closed) with no region
 * claiming primary anywhere. A region that alternates between the two starts again from zero.
 */
export function goneSince(c: ServiceContext, region: string): number | undefined {
  const lost = c.since.lost[region];
  if (lost !== undefined || region !== c.primary) return lost;
  // Seen following counts only when it has lower priority than us. Two regions that each follow
  // the other (a freeze or a restart in the middle of a planned switchover) would otherwise wait
  // for each other for ever; the priority order makes exactly one of them act, and the other one
  // keeps waiting for that one's claim.
  const lower = priorityOf(c.spec, region) > priorityOf(c.spec, c.spec.region);
  const following = lower ? c.since.following[region] : undefined;
  // Lease mode only, whatever its priority: a fenced primary that stays fenced, e.g. because the
  // lease was left split across the witnesses by failed contenders and its own record is on no
  // majority, can never reclaim; only a contender can mend the lease. A fenced region never
  // promotes by a timer, so no tie-break is needed, and the lease keeps it safe: the contender
  // needs a majority that the fenced region's own reclaim would have to share. Witness mode has
  // no such guard (a fenced primary may resume on its own evidence), so there it never counts.
  const fenced = c.spec.safety === "lease" ? c.since.fenced[region] : undefined;
  return following ?? fenced;
}

function goneFor(c: ServiceContext, region: string): number {
  const since = goneSince(c, region);
  return since === undefined ? -1 : now(c) - since;
}

/** How the primary we follow is gone, in words. */
function goneHow(c: ServiceContext): string {
  if (c.primary === null || c.since.lost[c.primary] !== undefined)
    return "voted down by a witness quorum and not sighted by any path";
  return c.a?.peers[c.primary]?.fencedSeen
    ? "seen fenced while no region claims primary"
    : "seen following (standby, gate closed) while no region claims primary";
}

/** Regions whose loss must be confirmed before this one promotes: the primary and every higher-priority region. */
function mustBeLost(c: ServiceContext): string[] {
  const mine = priorityOf(c.spec, c.spec.region);
  return peersOf(c.spec).filter((p) => p === c.primary || priorityOf(c.spec, p) < mine);
}

function report(c: ServiceContext, role: PublishedRole, gate: "open" | "closed"): Intent {
  return {
    type: "publish",
    report: {
      role,
      epoch: c.epoch,
      gate,
      localTargets: [],
      // Withdrawn while the target is seen refusing (fenced): the resume argument in `demoting`
      // rests on no token being offered during the whole wait it counts.
      demotionToken:
        role === "demoting" && !(c.handoverTo && c.since.refusing[c.handoverTo] !== undefined)
          ? c.cnpg.demotionToken
          : undefined,
      handoverTo: role === "demoting" ? (c.handoverTo ?? undefined) : undefined,
      ...(c.cnpg.fenced ? { cnpgFenced: true } : {}),
    },
  };
}

/** How a planned switchover to `handoverTo` failed, in words; undefined while it may still complete. */
function handoverFailure(c: ServiceContext): string | undefined {
  const target = c.handoverTo;
  if (target === null) return undefined;
  const t = now(c);
  const w = handoverTimeouts(c.spec.timing);
  const lost = c.since.lost[target];
  // Our own self-quorum must have held as long: an isolated region sees everyone "down".
  const selfOk = c.own.selfQuorumSince !== null && t - c.own.selfQuorumSince >= w.lostMs;
  if (lost !== undefined && t - lost >= w.lostMs && selfOk)
    return `switchover target ${target} voted down by a witness quorum and not sighted by any path for ${t - lost} ms >= ${w.lostMs} ms (promoteAfter), self-quorum throughout`;
  const refusing = c.since.refusing[target];
  if (refusing !== undefined && t - refusing >= w.refusedMs)
    return `switchover target ${target} seen directly as a fenced standby at epoch ${c.epoch} for ${t - refusing} ms >= ${w.refusedMs} ms with the demotion token withdrawn: it cannot promote`;
  return undefined;
}

/** Reasons in words, one per kind of decision; the evidence summary is attached beside them. */
const WHY = {
  start: (c: ServiceContext) =>
    `restored: CNPG reports ${c.cnpg.role}${c.cnpg.fenced ? " (fenced)" : ""}, status role ${c.restored?.role ?? "none"}, epoch ${c.epoch}${c.restored?.adjusted ? ` (${c.restored.adjusted})` : ""}`,
  atRisk: (c: ServiceContext) =>
    `primary at risk: ${healthReason(c.spec, c.a, c.lease)}; fencing at ${fenceDeadline(c)} unless it recovers`,
  failsafe: (c: ServiceContext) =>
    `lease expired at ${c.leaseHoldUntil}; failsafe: ${failsafe(c).reason}; keeping the gate open until ${fenceDeadline(c)} unless a fresh acknowledgement extends it`,
  recovered: (c: ServiceContext) => `primary healthy again: ${healthReason(c.spec, c.a, c.lease)}`,
  fence: (c: ServiceContext) =>
    c.spec.safety === "lease"
      ? `lease not renewed by its expiry (${c.leaseHoldUntil})${c.spec.leaseFailsafe ? ` (failsafe: ${failsafe(c).reason})` : ""}: closing the gate and fencing CNPG so a contender can take over safely`
      : `no self-quorum and no direct acknowledgement from every peer since ${c.lastHealthyAt} (fenceAfter ${c.spec.timing.fenceAfterMs} ms): closing the gate and fencing CNPG before any standby may promote`,
  resume: (c: ServiceContext) =>
    `fenced primary may serve again: ${healthReason(c.spec, c.a, c.lease)}; no peer claims a newer epoch than ${c.epoch}`,
  follow: (c: ServiceContext) =>
    `region ${newerClaim(c, true)?.region ?? c.a?.strongestClaim?.region} claims epoch ${newerClaim(c, true)?.epoch ?? c.a?.strongestClaim?.epoch} (ours ${c.epoch}): following it`,
  suspect: (c: ServiceContext) =>
    `primary ${c.primary} ${goneHow(c)}; promotion timer (${c.spec.timing.promoteAfterMs} ms) started`,
  sighted: (c: ServiceContext) =>
    `primary ${c.primary} ${c.a?.peers[c.primary ?? ""]?.sighted ? "sighted again" : "no longer voted down by a quorum"}: back to following`,
  promote: (c: ServiceContext) =>
    `primary ${c.primary} ${goneHow(c)} for ${goneFor(c, c.primary ?? "")} ms >= promoteAfter with self-quorum every round, replica healthy, every higher-priority region lost${c.spec.safety === "lease" ? ", lease acquired" : ""}: promoting`,
  acquire: (c: ServiceContext) =>
    `primary ${c.primary} ${goneHow(c)} for ${goneFor(c, c.primary ?? "")} ms >= promoteAfter: contending for the lease before promoting`,
  leaseAcquired: (c: ServiceContext) => `lease acquired (epoch ${c.lease?.epoch}): promoting`,
  promoted: (c: ServiceContext) =>
    `CNPG reports the local cluster primary: opening the gate (epoch ${c.epoch})`,
  handover: (c: ServiceContext) =>
    `planned switchover: ${c.primary} demoted and published its demotion token for us: promoting with it`,
  switchover: (c: ServiceContext) =>
    `switchover override to ${c.handoverTo}: closing the gate and demoting CNPG`,
  overridePromote: () => "promote override for this region: promoting",
  handoverAborted: (c: ServiceContext) => `${c.primary} no longer hands over to us: back to following`,
  freeze: (c: ServiceContext) =>
    `frozen by override: ${c.overrides.find((o) => o.action === "freeze")?.reason ?? ""}`,
  release: () => "freeze override released: re-deriving the state from CNPG",
  resumeHandover: (c: ServiceContext) =>
    `freeze released mid-switchover: CNPG already replicates from ${c.handoverTo} with a demotion token; handing over again`,
  restartedHandover: (c: ServiceContext) =>
    `restarted mid-switchover (status role demoting): CNPG already follows ${c.cnpg.primary}; handing over again`,
  handoverFailed: (c: ServiceContext) =>
    `${handoverFailure(c)}; no newer epoch claimed anywhere: taking the primary role back${c.spec.safety === "lease" ? " once the lease is ours" : ""} (CNPG promoted again without a token)`,
  switchoverRefused: (c: ServiceContext) => {
    const o = activeOverride(c, "switchover");
    const target = o?.region ?? "";
    return `switchover override ${o?.id ?? ""} to ${target} refused: ${switchoverTargetProblem(c, target) ?? ""}`;
  },
  yield: (c: ServiceContext) =>
    `region ${newerClaim(c, true)?.region} claims epoch ${newerClaim(c, true)?.epoch} (ours ${c.epoch}): closing the gate, fencing CNPG (our WAL may have diverged) and re-pointing it at the newer primary`,
  unfenceReplica: (c: ServiceContext) =>
    `CNPG now follows ${c.cnpg.primary} as a replica cluster (read-only): lifting the fence splitguard set, so it can stream again`,
} as const;

type Why = keyof typeof WHY;

/** A planned switchover to us: lease mode takes the lease first (acquiring), witness mode promotes. */
const HANDOVER = [
  {
    guard: and(["handoverToUs", "leaseMode"]),
    target: "acquiring",
    actions: ["setPlanned", { type: "decide", params: { to: "standby.acquiring", why: "handover" } }],
  },
  {
    guard: "handoverToUs",
    target: "promoting",
    actions: [{ type: "decide", params: { to: "standby.promoting", why: "handover" } }],
  },
] as const;

/** suspecting → acquiring (lease) or promoting (witness), by the delay or by a later round. */
const PROMOTE = [
  {
    guard: and(["promotionDue", "leaseMode"]),
    target: "acquiring",
    actions: [{ type: "decide", params: { to: "standby.acquiring", why: "acquire" } }],
  },
  {
    guard: and(["promotionDue", not("leaseMode")]),
    target: "promoting",
    actions: [{ type: "decide", params: { to: "standby.promoting", why: "promote" } }],
  },
] as const;

/** initializing → `to` when `guard` holds (status restored or re-derived after a freeze). */
const restart = <const G extends string, const T extends string>(guard: G, to: T) =>
  ({
    guard,
    target: to,
    actions: ["clearHandover", { type: "decide", params: { to, why: "start" } }, "forgetRestored"],
  }) as const;

/** primary.atRisk → fenced: by the fenceDeadline delay, or on a round past the deadline. */
const FENCE = {
  target: "#service.fenced",
  actions: [{ type: "decide", params: { to: "fenced", why: "fence" } }],
} as const;

/** A freeze override holds everything: checked first in every state so nothing else can act. */
const FREEZE = {
  guard: "frozen",
  target: "#service.frozen",
  actions: [{ type: "decide", params: { to: "frozen", why: "freeze" } }],
} as const;

/** Adopt the newer claim: re-point CNPG at it and follow it (after `decide`: its reason names the claim). */
const ADOPT_NEWER = [
  "demoteToNewer",
  "followNewer",
  { type: "event", params: { reason: "Demoted" } },
] as const;

/** Yield to a newer claim: demote CNPG to it and follow it. */
const FOLLOW_NEWER = [
  { type: "decide", params: { to: "standby.following", why: "follow" } },
  ...ADOPT_NEWER,
] as const;

/**
 * A primary (serving or at risk) that sees a newer claim is a stale primary (DESIGN §7: it was
 * away while another region promoted; its WAL may have diverged). Safety point, in this order:
 * close the gate (no new writes through the service), fence CNPG (no writes at all, even from a
 * client that bypasses the gate or if the gate patch fails), and only then re-point CNPG at the
 * newer primary. The fence is lifted by `standby.following` (unfenceOwnReplica) once CNPG shows
 * the cluster as a replica of that primary: a replica cluster is read-only, so from then on the
 * fence protects nothing, and keeping it would make a later switchover back (failback) impossible.
 */
const PRIMARY_YIELDS = {
  guard: "newerPrimaryElsewhere",
  target: "#service.standby.following",
  actions: [
    "closeGate",
    "fenceCnpg",
    { type: "decide", params: { to: "standby.following", why: "yield" } },
    ...ADOPT_NEWER,
  ],
} as const;

/** demoting → standby.promoting when the planned switchover failed (guard handoverFailed). */
const RESUME_AFTER_HANDOVER = [
  { type: "decide", params: { to: "standby.promoting", why: "handoverFailed" } },
  "clearHandover",
  { type: "event", params: { reason: "SwitchoverAbandoned" } },
] as const;

/** An operator promotes this standby (following or suspecting). */
const OVERRIDE_PROMOTE = {
  guard: "promoteOverride",
  target: "promoting",
  actions: [
    "takePromoteOverride",
    { type: "decide", params: { to: "standby.promoting", why: "overridePromote" } },
  ],
} as const;

/** A standby on its way to promoting (suspecting, acquiring) sees a newer primary: back to following it. */
const FOLLOW_CLAIM = {
  guard: "newerToFollow",
  target: "following",
  actions: [
    "trackNewer",
    "demoteToFollowed",
    { type: "decide", params: { to: "standby.following", why: "follow" } },
  ],
} as const;

export const serviceMachine = setup({
  types: {
    context: {} as ServiceContext,
    events: {} as ServiceEvent,
    input: {} as ServiceInput,
    emitted: {} as Intent,
  },
  guards: {
    // A region that comes up with CNPG primary but fenced (or status primary and CNPG unreadable)
    // must not open its gate before the resume checks: it may have been superseded while down.
    restoredFenced: ({ context: c }) =>
      (c.cnpg.role === "primary" && c.cnpg.fenced) ||
      (c.cnpg.role === "unknown" && c.restored?.role === "primary"),
    // CNPG says primary: we are primary until evidence says otherwise; enter atRisk, not serving, so
    // the fence deadline restored from status keeps running (a restart never lengthens it).
    restoredPrimary: ({ context: c }) => c.cnpg.role === "primary",
    // A promotion already decided before the restart: its intent is in the API server; finish it.
    restoredPromoting: ({ context: c }) => c.restored?.role === "promoting",
    // A freeze released in the middle of our planned switchover: CNPG already replicates from the
    // target and holds the demotion token. Keep handing over (the target promotes with the token)
    // rather than follow a region that still follows us: with nobody primary, that waited for ever.
    handingOver: ({ context: c }) =>
      c.handoverTo !== null &&
      c.cnpg.role === "replica" &&
      c.cnpg.primary === c.handoverTo &&
      c.cnpg.demotionToken !== undefined,
    // A freeze override holds everything: checked first in every state so nothing else can act.
    frozen: ({ context: c }) => frozenNow(c),
    // Released: re-derive the state from CNPG as after a restart.
    released: ({ context: c }) => !frozenNow(c),
    // Our own gate may stay open: self-quorum or every peer's direct ack (witness), lease (lease).
    healthy: ({ context: c }) => primaryHealthy(c.spec, c.a, c.lease),
    unhealthy: ({ context: c }) => !primaryHealthy(c.spec, c.a, c.lease),
    // The fence deadline has passed (checked every round as well as by the delay).
    fenceDue: ({ context: c }) => now(c) >= fenceDeadline(c),
    // Safety point (DESIGN §5, lease failsafe): the lease has expired, yet the gate may stay open
    // because EVERY peer answered directly, within ttl of our question, that it cannot reach a lease
    // majority, follows our epoch and knows none newer. No region can take the lease without a
    // majority, and a region that regains one waits ttl + margin from then (lease-core readRound),
    // beyond the ttl for which its acknowledgement counts here. Any peer silent, reaching a
    // majority, or following someone else ends it, and the primary fences as without the failsafe.
    failsafeHolds: ({ context: c }) => {
      const d = failsafe(c);
      return d.kind === "serve" && d.basis === "failsafe";
    },
    // A peer claims primary with a newer epoch (or the same epoch and higher priority): the epoch is
    // the fencing token, so the older claim yields, whatever our own evidence says.
    // Also a peer FENCED at a newer epoch (fencedNewer): it was primary at that epoch, so we are the
    // stale one even while it is not serving.
    newerPrimaryElsewhere: ({ context: c }) => newerClaim(c) !== undefined || fencedNewer(c),
    // A fenced region yields to any newer epoch it sees: it must rejoin as a replica (re-clone),
    // never resume over writes it has not got.
    superseded: ({ context: c }) => newerClaim(c, true) !== undefined,
    // A standby follows the strongest claim it sees when it beats the primary it follows now (or is
    // that primary at a higher epoch): after a failover the new primary's epoch is higher.
    // Also when the region we follow is seen not claiming primary at all while another one claims
    // it at an epoch no older than ours: a fenced primary that saw two peers at the newest epoch
    // may have picked the one that was a standby, and priority alone would keep it there for ever.
    newerToFollow: ({ context: c }) => {
      const s = c.a?.strongestClaim;
      if (!s) return false;
      if (s.region === c.primary) return s.epoch > c.epoch;
      if (c.primary === null) return true;
      const followed = c.a?.peers[c.primary]?.report;
      if (followed && followed.role !== "primary" && followed.role !== "promoting" && s.epoch >= c.epoch)
        return true;
      return claimBeats(c.spec, s.region, s.epoch, c.primary, c.epoch);
    },
    // An operator asked this primary to hand over to another region, and that region is there to
    // take it: sighted, following us (standby at our epoch), its CNPG not fenced (switchoverRefusal).
    switchoverRequested: ({ context: c }) => {
      const o = activeOverride(c, "switchover");
      return o?.region !== undefined && switchoverTargetProblem(c, o.region) === undefined;
    },
    // A switchover to a target that cannot take it is refused up front, with the reason in words,
    // instead of being accepted and stalling with no writable region (a fenced target never promotes).
    switchoverRefused: ({ context: c }) => {
      const o = activeOverride(c, "switchover");
      return o !== undefined && switchoverTargetProblem(c, o.region ?? "") !== undefined;
    },
    // The primary we follow has demoted for us and published its CNPG demotion token. Never while
    // our own CNPG is fenced: a fenced cluster runs no Postgres, so the promotion could not complete
    // and the old primary, seeing our `promoting` claim, would follow it: no writable region at all.
    handoverToUs: ({ context: c }) => {
      const r = c.primary ? c.a?.peers[c.primary]?.report : undefined;
      return (
        !c.cnpg.fenced &&
        r?.role === "demoting" &&
        r.handoverTo === c.spec.region &&
        r.demotionToken !== undefined
      );
    },
    // Safety point (planned switchover that failed): the old primary takes its role back only when
    // the target can no longer promote with our token (handoverFailure, decision.ts
    // handoverTimeouts) and no region claims a newer epoch (checked first in `demoting`):
    // - target lost for promoteAfter with our self-quorum throughout: the same evidence on which a
    //   standby promotes over a lost primary. A target that did promote with our token and was cut
    //   off since has, by the timing rule, fenced itself (no self-quorum, no ack from us) before
    //   promoteAfter ran out, and a fenced region never resumes over a peer claiming primary
    //   (canResume) nor promotes again without seeing our token, which we no longer publish.
    // - target seen directly, every round for two full probe rounds, as a fenced standby at our
    //   epoch, while we withdrew the token: a target that had read the token before the withdrawal
    //   would be publishing `promoting` by the last of those rounds (it publishes on entry, and a
    //   direct answer is fresh: it echoes our nonce), and a fenced one never takes it (handoverToUs).
    // The token itself is single-use in CNPG (lastPromotionToken), but it is not what keeps the
    // target from promoting after we resume: the evidence above is. Our promotion raises the epoch
    // past every epoch we have seen, so a target that comes back sees our newer claim and follows.
    // Lease mode: in addition, we promote only once our own compare-and-swap won the lease, so at
    // most one of us holds the epoch we act on (lease-core.ts).
    handoverFailed: ({ context: c }) => handoverFailure(c) !== undefined,
    manualMode: ({ context: c }) => c.spec.safety === "manual",
    // Held now by our own latest compare-and-swap (not a view from before the handover ran out).
    leaseHeld: ({ context: c }) =>
      c.lease?.held === true && c.lease.lastWriteOk === true && (c.lease.holdUntil ?? 0) > now(c),
    // Restarted while handing over: status says demoting and CNPG already follows another region.
    // Without this a restart forgot the target and followed it while it followed us: both waited.
    restoredDemoting: ({ context: c }) =>
      c.restored?.role === "demoting" &&
      c.cnpg.role === "replica" &&
      c.cnpg.primary !== undefined &&
      c.cnpg.primary !== c.spec.region,
    // CNPG shows the cluster as a replica of the primary we follow while a fence splitguard set
    // (a stale primary's, see PRIMARY_YIELDS) is still on: lift it. A replica cluster is read-only;
    // the fence only kept Postgres from running. An operator's fence (no fenced-by mark) is theirs.
    unfenceOwnReplica: ({ context: c }) =>
      c.cnpg.fenced &&
      c.cnpg.fencedByUs === true &&
      c.cnpg.role === "replica" &&
      c.primary !== null &&
      c.primary !== c.spec.region &&
      c.cnpg.primary === c.primary,
    // An operator promotes this region: forced, or only when the primary is not sighted this round.
    promoteOverride: ({ context: c }) => {
      const o = activeOverride(c, "promote");
      if (!o || o.region !== c.spec.region) return false;
      return o.force === true || !c.primary || !c.a?.peers[c.primary]?.sighted;
    },
    // Suspect only what a witness quorum votes down AND no path sees (DESIGN §4 standby.following).
    // Or, when it has lower priority than us, seen following with nobody claiming primary (goneFor).
    primaryLost: ({ context: c }) => c.primary !== null && goneFor(c, c.primary) >= 0,
    primaryNotLost: ({ context: c }) => c.primary === null || goneFor(c, c.primary) < 0,
    // Safety point (DESIGN §5, invariant 2): promote only after the primary was lost in EVERY round
    // for promoteAfter, which by the timing rule exceeds the primary's fenceAfter plus two probe
    // rounds and the margin: a primary that still had quorum was seen by the same witnesses and
    // reset our timer, and a primary that did not has fenced itself before this fires. Self-quorum
    // must have held throughout (an isolated standby sees everyone "down"). Every higher-priority
    // region must be lost too, so two standbys never both promote; a region demoted within
    // holdDown does not promote automatically (no flapping), and manual mode never does.
    promotionDue: ({ context: c }) => {
      if (c.spec.safety === "manual" || c.primary === null || !c.a) return false;
      const t = now(c);
      const need = c.spec.timing.promoteAfterMs;
      if (goneFor(c, c.primary) < need) return false;
      if (!mustBeLost(c).every((p) => goneFor(c, p) >= need)) return false;
      if (c.own.selfQuorumSince === null || t - c.own.selfQuorumSince < need) return false;
      if (!c.a.replicaHealthy) return false;
      if (c.lastRoleChangeAt !== null && t - c.lastRoleChangeAt < c.spec.timing.holdDownMs) return false;
      return true;
    },
    leaseMode: ({ context: c }) => c.spec.safety === "lease",
    // Lease mode: promote only once our own CAS won the lease (lease-core.ts has the argument).
    leaseAcquired: ({ context: c }) => c.lease?.held === true,
    // The promotion is done when CNPG reports the local cluster primary and unfenced, and (lease
    // mode) we still hold the lease: the gate opens only under a lease.
    promotionComplete: ({ context: c }) =>
      c.cnpg.role === "primary" && !c.cnpg.fenced && (c.spec.safety !== "lease" || c.lease?.held === true),
    // This acquisition is a planned handover, not a failover (the primary is alive and demoting).
    planned: ({ context: c }) => c.planned,
    // Safety point: a fenced primary opens again only when (witness/manual) it has been healthy for
    // two full probe rounds, so every standby has seen it alive and reset its timer, and every peer
    // is sighted reporting a claim no newer than ours; (lease) it
    // re-won its own lease record, which nobody can have replaced unseen. Without the peer check a
    // primary that was fenced by an isolation could reopen next to the standby promoted meanwhile.
    canResume: ({ context: c }) => {
      if (!primaryHealthy(c.spec, c.a, c.lease) || !c.a) return false;
      if (c.spec.safety === "lease") return true;
      const t = now(c);
      const dwell = 2 * (c.spec.timing.probeIntervalMs + c.spec.timing.probeTimeoutMs);
      if (c.own.healthySince === null || t - c.own.healthySince < dwell) return false;
      // A peer we cannot see may have promoted after we last saw it and died since: our data would be
      // behind its writes. So every peer must be seen; otherwise we stay fenced (an operator can
      // promote with a forced override after checking which copy is newest).
      return peersOf(c.spec).every((p) => {
        const r = c.a!.peers[p]!.report;
        return r !== undefined && r.role !== "primary" && r.role !== "promoting" && r.epoch <= c.epoch;
      });
    },
  },
  actions: {
    record: assign(({ context: c, event }) => {
      const t = now(c);
      if (event.type === "CNPG") return { cnpg: event.cnpg };
      if (event.type === "LEASE") {
        const lease = event.lease;
        const healthy = primaryHealthy(c.spec, c.a, lease);
        return {
          lease,
          failsafe: lease.held && !c.failsafe.everHeld ? { ...c.failsafe, everHeld: true } : c.failsafe,
          // Holding the lease at epoch e makes e our fencing token (epochs only increase).
          epoch: lease.held && lease.epoch !== null && lease.epoch > c.epoch ? lease.epoch : c.epoch,
          leaseHoldUntil: lease.held && lease.holdUntil !== null ? lease.holdUntil : c.leaseHoldUntil,
          own: { ...c.own, healthySince: healthy ? (c.own.healthySince ?? t) : null },
        };
      }
      if (event.type !== "EVIDENCE") return {};
      const ev = event.evidence;
      const a = assess(c.spec, ev, c.epoch, t);
      const lost: Record<string, number> = {};
      const following: Record<string, number> = {};
      const fenced: Record<string, number> = {};
      const refusing: Record<string, number> = {};
      for (const p of peersOf(c.spec)) {
        const f = a.peers[p]!;
        if (f.lost) lost[p] = c.since.lost[p] ?? t;
        if (f.following) following[p] = c.since.following[p] ?? t;
        if (f.fencedSeen) fenced[p] = c.since.fenced[p] ?? t;
        if (f.refusing) refusing[p] = c.since.refusing[p] ?? t;
      }
      const healthy = primaryHealthy(c.spec, a, c.lease);
      const witnessHealthy = c.spec.safety !== "lease" && healthy;
      return {
        a,
        cnpg: ev.local.cnpg.role === "unknown" ? c.cnpg : ev.local.cnpg,
        overrides: ev.overrides,
        since: { lost, following, fenced, refusing },
        failsafe: c.spec.leaseFailsafe ? { ...c.failsafe, acks: directAcks(c, ev) } : c.failsafe,
        own: {
          selfQuorumSince: a.self.ok ? (c.own.selfQuorumSince ?? t) : null,
          healthySince: healthy ? (c.own.healthySince ?? t) : null,
        },
        lastHealthyAt: witnessHealthy ? t : c.lastHealthyAt,
      };
    }),
    evaluate: raise({ type: "EVALUATE" }),
    decide: assign(({ context: c }, p: { to: string; why: Why }) => ({
      decision: { at: now(c), to: p.to, reason: WHY[p.why](c), evidence: summarize(c.spec, c.a, c.lease) },
    })),
    publish: emit(({ context: c }, p: { role: PublishedRole; gate: "open" | "closed" }) =>
      report(c, p.role, p.gate),
    ),
    openGate: emit({ type: "openGate" } as Intent),
    closeGate: emit({ type: "closeGate" } as Intent),
    fenceCnpg: emit({ type: "fenceCnpg" } as Intent),
    unfenceCnpg: emit({ type: "unfenceCnpg" } as Intent),
    promoteCnpg: emit(({ context: c }, p: { token: boolean }) => ({
      type: "promoteCnpg" as const,
      epoch: c.epoch,
      token: p.token && c.primary ? c.a?.peers[c.primary]?.report?.demotionToken : undefined,
    })),
    demoteToNewer: emit(({ context: c }) => ({
      type: "demoteCnpg" as const,
      primary: newerClaim(c, true)!.region,
      epoch: newerClaim(c, true)!.epoch,
    })),
    // Our own epoch: the target promotes at a newer one and records it itself.
    demoteToHandover: emit(({ context: c }) => ({
      type: "demoteCnpg" as const,
      primary: c.handoverTo!,
      epoch: c.epoch,
    })),
    leaseGoal: emit(({ context: c }, p: { goal: LeaseGoal }) =>
      c.spec.safety === "lease"
        ? { type: "leaseGoal" as const, goal: p.goal }
        : { type: "leaseGoal" as const, goal: "observe" as const },
    ),
    event: emit(({ context: c }, p: { reason: string }) => ({
      type: "emitEvent" as const,
      reason: p.reason,
      message: c.decision.reason,
    })),
    becomePrimary: assign(({ context: c }) => ({ primary: c.spec.region })),
    // Re-derived as a replica while context still names ourselves primary (a freeze released in
    // the middle of a switchover): follow the region CNPG replicates from; a standby "following"
    // itself never suspects anyone. A primary restored from status is kept: CNPG may not have been
    // re-pointed at a newer primary yet, and following an older one could pass over the newer one.
    followCnpg: assign(({ context: c }) =>
      (c.primary === null || c.primary === c.spec.region) &&
      c.cnpg.role === "replica" &&
      c.cnpg.primary &&
      c.cnpg.primary !== c.spec.region
        ? { primary: c.cnpg.primary }
        : {},
    ),
    followNewer: assign(({ context: c }) => ({
      primary: newerClaim(c, true)!.region,
      epoch: newerClaim(c, true)!.epoch,
      lastRoleChangeAt: c.primary === c.spec.region ? now(c) : c.lastRoleChangeAt,
    })),
    /** Track a newer primary while following (re-point CNPG at it). */
    trackNewer: assign(({ context: c }) => ({
      primary: c.a!.strongestClaim!.region,
      epoch: c.a!.strongestClaim!.epoch,
    })),
    demoteToFollowed: emit(({ context: c }) => ({
      type: "demoteCnpg" as const,
      primary: c.primary!,
      epoch: c.epoch,
    })),
    newEpoch: assign(({ context: c }) => {
      if (c.spec.safety === "lease" && c.lease?.held && c.lease.epoch !== null)
        return { epoch: c.lease.epoch };
      let e = c.epoch;
      for (const f of Object.values(c.a?.peers ?? {})) if (f.report && f.report.epoch > e) e = f.report.epoch;
      return { epoch: e + 1 };
    }),
    roleChanged: assign(({ context: c }) => ({ lastRoleChangeAt: now(c) })),
    // Safety point: a freeze stops fencing as well as promoting, so a primary cut off during a
    // freeze is still writable at the release. Loss time counted while frozen must not shorten a
    // standby's wait after it: every peer wait restarts at the release, so a standby waits the
    // whole promoteAfter and the old primary (whose own fence deadline is not reset) fences first.
    restartPeerWaits: assign(() => ({ since: { lost: {}, following: {}, fenced: {}, refusing: {} } })),
    takeSwitchover: assign(({ context: c }) => {
      const o = activeOverride(c, "switchover")!;
      return { handoverTo: o.region ?? null, handled: [...c.handled, o.id] };
    }),
    takePromoteOverride: assign(({ context: c }) => ({
      handled: [...c.handled, activeOverride(c, "promote")!.id],
    })),
    clearHandover: assign({ handoverTo: null }),
    handoverFromCnpg: assign(({ context: c }) => ({ handoverTo: c.cnpg.primary ?? null })),
    takeRefusedSwitchover: assign(({ context: c }) => ({
      handled: [...c.handled, activeOverride(c, "switchover")!.id],
    })),
    // The status restored at start describes that start only: a later release from a freeze must
    // re-derive from CNPG alone (a stale "promoting" re-promoted a region over a newer primary).
    forgetRestored: assign({ restored: undefined }),
    setPlanned: assign({ planned: true }),
    clearPlanned: assign({ planned: false }),
  },
  delays: {
    fenceDeadline: ({ context: c }) => Math.max(0, fenceDeadline(c) - now(c)),
    promoteAfter: ({ context: c }) => c.spec.timing.promoteAfterMs,
  },
}).createMachine({
  id: "service",
  context: ({ input }) => {
    const t = input.clock.now();
    const r = input.restored;
    const primary =
      r?.primary ?? input.cnpg.primary ?? (input.cnpg.role === "primary" ? input.spec.region : null);
    // Only for the primary this standby follows (never ourselves, never another region: a loss
    // timer of a higher-priority region would count towards mustBeLost).
    const resumed =
      r?.resume && r.resume.primary === primary && primary !== input.spec.region ? r.resume.since : null;
    return {
      spec: input.spec,
      clock: input.clock,
      restored: r,
      epoch: r?.epoch ?? 1,
      primary,
      a: null,
      lease: null,
      failsafe: { everHeld: false, acks: {} },
      cnpg: input.cnpg,
      overrides: [],
      handled: [],
      // Restored deadlines are kept, never pushed later; a fresh start gets one full fenceAfter.
      lastHealthyAt: r?.lastHealthyAt ?? t,
      leaseHoldUntil: r?.leaseHoldUntil ?? t + input.spec.timing.fenceAfterMs,
      own: { healthySince: null, selfQuorumSince: resumed },
      since: {
        lost: resumed !== null && primary !== null ? { [primary]: resumed } : {},
        following: {},
        fenced: {},
        refusing: {},
      },
      lastRoleChangeAt: r?.lastRoleChangeAt ?? null,
      handoverTo: null,
      planned: false,
      decision: {
        at: t,
        to: "initializing",
        reason: "starting",
        evidence: summarize(input.spec, null, null),
      },
    };
  },
  on: {
    EVIDENCE: { actions: ["record", "evaluate"] },
    LEASE: { actions: ["record", "evaluate"] },
    CNPG: { actions: ["record", "evaluate"] },
  },
  initial: "initializing",
  states: {
    initializing: {
      // handoverTo survives only into `demoting` (handingOver); every other start forgets it.
      always: [
        restart("restoredFenced", "fenced"),
        restart("restoredPrimary", "primary.atRisk"),
        restart("restoredPromoting", "standby.promoting"),
        {
          guard: "handingOver",
          target: "demoting",
          actions: [{ type: "decide", params: { to: "demoting", why: "resumeHandover" } }, "forgetRestored"],
        },
        {
          guard: "restoredDemoting",
          target: "demoting",
          actions: [
            "handoverFromCnpg",
            { type: "decide", params: { to: "demoting", why: "restartedHandover" } },
            "forgetRestored",
          ],
        },
        {
          target: "standby.following",
          actions: [
            "clearHandover",
            "followCnpg",
            { type: "decide", params: { to: "standby.following", why: "start" } },
            "forgetRestored",
          ],
        },
      ],
    },
    primary: {
      entry: ["becomePrimary", { type: "leaseGoal", params: { goal: "hold" } }],
      initial: "serving",
      states: {
        serving: {
          entry: ["openGate", { type: "publish", params: { role: "primary", gate: "open" } }],
          on: {
            EVALUATE: [
              FREEZE,
              PRIMARY_YIELDS,
              {
                guard: "switchoverRequested",
                target: "#service.demoting",
                actions: [
                  "takeSwitchover",
                  { type: "decide", params: { to: "demoting", why: "switchover" } },
                ],
              },
              {
                // Stays serving; the override is handled (rejected) and the reason goes to status.
                guard: "switchoverRefused",
                actions: [
                  { type: "decide", params: { to: "primary.serving", why: "switchoverRefused" } },
                  "takeRefusedSwitchover",
                  { type: "event", params: { reason: "OverrideRejected" } },
                ],
              },
              {
                guard: "unhealthy",
                target: "atRisk",
                actions: [{ type: "decide", params: { to: "primary.atRisk", why: "atRisk" } }],
              },
            ],
          },
        },
        atRisk: {
          entry: [{ type: "publish", params: { role: "primary", gate: "open" } }],
          after: {
            fenceDeadline: [
              {
                // Re-entered to schedule the next deadline: the acknowledgements it rests on expire.
                guard: "failsafeHolds",
                target: "atRisk",
                reenter: true,
                actions: [{ type: "decide", params: { to: "primary.atRisk", why: "failsafe" } }],
              },
              FENCE,
            ],
          },
          on: {
            EVALUATE: [
              FREEZE,
              PRIMARY_YIELDS,
              {
                guard: "healthy",
                target: "serving",
                actions: [{ type: "decide", params: { to: "primary.serving", why: "recovered" } }],
              },
              { guard: "fenceDue", ...FENCE },
            ],
          },
        },
      },
    },
    fenced: {
      // Safety point: closing the gate stops new writes through the service at once; fencing CNPG
      // (fencedInstances ["*"]) stops the database itself, so a client that bypasses the gate, or a
      // gate patch that fails, still cannot write to a primary that may have been superseded.
      entry: [
        "closeGate",
        "fenceCnpg",
        { type: "leaseGoal", params: { goal: "reclaim" } },
        { type: "publish", params: { role: "fenced", gate: "closed" } },
        { type: "event", params: { reason: "Fenced" } },
      ],
      on: {
        EVALUATE: [
          FREEZE,
          { guard: "superseded", target: "standby.following", actions: FOLLOW_NEWER },
          {
            guard: "canResume",
            target: "primary.serving",
            actions: [
              { type: "decide", params: { to: "primary.serving", why: "resume" } },
              "unfenceCnpg",
              { type: "event", params: { reason: "Resumed" } },
            ],
          },
        ],
      },
    },
    standby: {
      initial: "following",
      states: {
        following: {
          entry: [
            "clearPlanned",
            { type: "leaseGoal", params: { goal: "observe" } },
            { type: "publish", params: { role: "standby", gate: "closed" } },
          ],
          on: {
            EVALUATE: [
              FREEZE,
              ...HANDOVER,
              OVERRIDE_PROMOTE,
              {
                guard: "newerToFollow",
                actions: [
                  "trackNewer",
                  "demoteToFollowed",
                  { type: "publish", params: { role: "standby", gate: "closed" } },
                ],
              },
              {
                guard: "unfenceOwnReplica",
                actions: [
                  { type: "decide", params: { to: "standby.following", why: "unfenceReplica" } },
                  "unfenceCnpg",
                  { type: "event", params: { reason: "Unfenced" } },
                ],
              },
              {
                guard: "primaryLost",
                target: "suspecting",
                actions: [{ type: "decide", params: { to: "standby.suspecting", why: "suspect" } }],
              },
            ],
          },
        },
        suspecting: {
          after: { promoteAfter: PROMOTE },
          on: {
            EVALUATE: [
              FREEZE,
              ...HANDOVER,
              OVERRIDE_PROMOTE,
              FOLLOW_CLAIM,
              {
                guard: "primaryNotLost",
                target: "following",
                actions: [{ type: "decide", params: { to: "standby.following", why: "sighted" } }],
              },
              ...PROMOTE,
            ],
          },
        },
        acquiring: {
          entry: [{ type: "leaseGoal", params: { goal: "acquire" } }],
          on: {
            EVALUATE: [
              FREEZE,
              {
                guard: "leaseAcquired",
                target: "promoting",
                actions: [{ type: "decide", params: { to: "standby.promoting", why: "leaseAcquired" } }],
              },
              FOLLOW_CLAIM,
              {
                guard: and(["primaryNotLost", not("planned")]),
                target: "following",
                actions: [{ type: "decide", params: { to: "standby.following", why: "sighted" } }],
              },
              {
                guard: and(["planned", not("handoverToUs")]),
                target: "following",
                actions: [{ type: "decide", params: { to: "standby.following", why: "handoverAborted" } }],
              },
            ],
          },
        },
        promoting: {
          // Safety point: the epoch is raised and published before CNPG is asked to promote, so any
          // region that later sees us sees the newer fencing token and yields to it.
          entry: [
            "newEpoch",
            { type: "leaseGoal", params: { goal: "hold" } },
            { type: "publish", params: { role: "promoting", gate: "closed" } },
            { type: "promoteCnpg", params: { token: true } },
            { type: "event", params: { reason: "Promoting" } },
          ],
          on: {
            EVALUATE: [
              FREEZE,
              {
                guard: "promotionComplete",
                target: "#service.primary.serving",
                actions: [
                  "roleChanged",
                  { type: "decide", params: { to: "primary.serving", why: "promoted" } },
                  { type: "event", params: { reason: "Promoted" } },
                ],
              },
            ],
          },
        },
      },
    },
    demoting: {
      // Planned switchover: the gate closes before CNPG demotes, so no write is accepted by a region
      // that is about to stop being primary; the target promotes only with our demotion token.
      entry: [
        "closeGate",
        "demoteToHandover",
        { type: "leaseGoal", params: { goal: "observe" } },
        { type: "publish", params: { role: "demoting", gate: "closed" } },
        { type: "event", params: { reason: "Switchover" } },
      ],
      on: {
        EVALUATE: [
          FREEZE,
          {
            guard: "newerPrimaryElsewhere",
            target: "standby.following",
            actions: [
              // decide first: its reason names the claim, which followNewer then adopts.
              { type: "decide", params: { to: "standby.following", why: "follow" } },
              // Safety point (epochs only increase): CNPG already follows the target, but this
              // records the newer epoch on the cluster (one annotation patch, no re-point) before
              // the next status write. A region lost in between restored the older epoch from
              // status (seed 2 path 6499, regression-handover-epoch-before-status).
              "demoteToNewer",
              "followNewer",
              "clearHandover",
            ],
          },
          // The handover failed (handoverFailed has the argument): take the role back. Witness
          // mode promotes CNPG again at once (no token: a forced promotion of our own cluster, which
          // is still on our timeline since nobody promoted). Lease mode first wins the lease.
          // Manual mode waits in `demoting` for an operator (a promote override), as for any promotion.
          {
            guard: and(["handoverFailed", not("leaseMode"), not("manualMode")]),
            target: "#service.standby.promoting",
            actions: RESUME_AFTER_HANDOVER,
          },
          {
            guard: and(["handoverFailed", "leaseMode", "leaseHeld"]),
            target: "#service.standby.promoting",
            actions: RESUME_AFTER_HANDOVER,
          },
          {
            guard: and(["handoverFailed", "leaseMode"]),
            actions: [
              { type: "leaseGoal", params: { goal: "acquire" } },
              { type: "publish", params: { role: "demoting", gate: "closed" } },
            ],
          },
          // Republish every round: the demotion token appears in CNPG status after the demotion (and
          // is withdrawn while the target is seen fenced).
          {
            actions: [
              { type: "leaseGoal", params: { goal: "observe" } },
              { type: "publish", params: { role: "demoting", gate: "closed" } },
            ],
          },
        ],
      },
    },
    frozen: {
      // No intents at all while frozen: the gate, CNPG and the lease stay exactly as they are.
      on: {
        EVALUATE: [
          {
            guard: "released",
            target: "initializing",
            actions: ["restartPeerWaits", { type: "decide", params: { to: "initializing", why: "release" } }],
          },
        ],
      },
    },
  },
});
