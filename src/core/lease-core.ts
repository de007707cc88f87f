// The lease protocol of DESIGN §5 as a pure core over the lease-witness transport: what a region
// has observed on each lease witness, whether it holds the lease, and which compare-and-swap it
// should send next. No I/O and no clock here: `now` is passed in (the region's own monotonic clock);
// lease-driver.ts does the reads and writes.
//
// The safety argument, which every choice below preserves:
//   1. Every write is a CAS (RFC 2136 §2.4.2 prerequisite), and every write attempt carries a value
//      never written before by anyone (holder, epoch, seq strictly increase per attempt, and the last
//      attempt is persisted across restarts). So "the witness still holds v" means "nobody wrote
//      since v was written".
//   2. A holder believes it holds only until S + ttl on its own clock, where S is the local time it
//      *started* its last renewal that succeeded on a majority.
//   3. A contender writes only with expected = v*, a value it has seen on a majority, and only once
//      ttl + margin have passed on its own clock since it first saw v* there. Any later successful
//      renewal by the holder wrote a majority, which intersects the contender's CAS majority: at the
//      witness in both, one CAS changed the value first and the other's prerequisite failed. So if the
//      contender succeeds, the holder's last successful write was v* itself, started before the
//      contender first saw it, and the holder's belief ended ttl*(1+d)/(1-d) - ttl before the
//      contender's wait, minus the gate-closing budget (schema.ts timingIssues, lease rule).
import { type LeaseValue, sameLeaseValue } from "./lease-transport.ts";

export interface LeaseParams {
  readonly self: string;
  readonly ttlMs: number;
  readonly marginMs: number;
  /** Configured lease witnesses; the majority is counted over all of them. */
  readonly witnesses: number;
}

/** What this region last saw on one witness. */
export interface Observation {
  /** undefined: never read successfully; null: record absent. */
  readonly value: LeaseValue | null | undefined;
  /** Local time this value was first seen there (after it was written, so never before the write began). */
  readonly firstSeenAt: number;
}

export interface Holding {
  readonly value: LeaseValue;
  /** Local start time of the last majority-successful write. */
  readonly renewedAt: number;
  readonly holdUntil: number;
}

export interface LeaseState {
  readonly observed: readonly Observation[];
  readonly holding: Holding | null;
  /** Highest epoch/seq this region ever attempted to write; persisted so values are never reused. */
  readonly lastAttempt: { readonly epoch: number; readonly seq: number };
  readonly lastWrite: { readonly at: number; readonly ok: boolean; readonly okCount: number } | null;
  /**
   * Whether the last read round reached a majority of the witnesses (null before the first round),
   * and the local time of the first round of the current unbroken run of majority rounds.
   */
  readonly reach: { readonly majority: boolean | null; readonly since: number };
}

/**
 * hold: we are primary (renew, reclaim our own record, create an absent one);
 * reclaim: a fenced primary (only renew or reclaim our own record: never take another's);
 * acquire: a standby cleared to promote (may take the lease once it is free); observe: never write.
 */
export type LeaseGoal = "hold" | "reclaim" | "acquire" | "observe";

export type LeaseAction =
  | {
      readonly kind: "write";
      readonly why: "bootstrap" | "renew" | "reclaim" | "acquire";
      /**
       * Per witness: the expected value of its CAS (null = "RRset does not exist"), or undefined
       * for a witness this write must not touch (counted as failed).
       */
      readonly expected: readonly (LeaseValue | null | undefined)[];
      readonly next: LeaseValue;
      readonly reason: string;
    }
  | { readonly kind: "wait"; readonly reason: string };

export function initialLeaseState(
  p: LeaseParams,
  lastAttempt: { epoch: number; seq: number } = { epoch: 0, seq: 0 },
): LeaseState {
  return {
    observed: Array.from({ length: p.witnesses }, () => ({ value: undefined, firstSeenAt: 0 })),
    holding: null,
    lastAttempt,
    lastWrite: null,
    reach: { majority: null, since: 0 },
  };
}

/**
 * Record how many witnesses answered this round's reads. Safety point (the lease failsafe,
 * lease-failsafe.ts): a region publishes "I cannot reach a majority" in its heartbeat, and a
 * primary whose lease lapsed may keep serving on that acknowledgement for ttl after it asked. So a
 * region that regains a majority must not take the lease on values it watched *before* it lost
 * it: its ttl + margin wait restarts at the first majority round after the gap (decide() counts
 * from max(firstSeenAt, reach.since)). Without it, a contender whose observations were old enough
 * could acquire the instant the witnesses came back, while the failsafe primary still serves.
 */
export function readRound(p: LeaseParams, s: LeaseState, answered: number, now: number): LeaseState {
  const reached = answered >= majority(p);
  if (reached === s.reach.majority) return s;
  return { ...s, reach: { majority: reached, since: reached ? now : s.reach.since } };
}

export function majority(p: LeaseParams): number {
  return Math.floor(p.witnesses / 2) + 1;
}

/** Record a read of witness i; an error leaves the previous observation in place. */
export function observe(
  s: LeaseState,
  i: number,
  value: LeaseValue | null | "error",
  now: number,
): LeaseState {
  if (value === "error") return s;
  const prev = s.observed[i];
  if (prev && prev.value !== undefined && sameLeaseValue(prev.value, value)) return s;
  const observed = s.observed.slice();
  observed[i] = { value, firstSeenAt: now };
  return { ...s, observed };
}

export interface MajorityValue {
  readonly value: LeaseValue | null;
  /** Local time by which it had been seen on a majority (the q-th earliest first sighting). */
  readonly since: number;
  readonly on: number;
}

/** The value a majority of witnesses showed when last read, if there is one. */
export function majorityValue(p: LeaseParams, s: LeaseState): MajorityValue | undefined {
  const q = majority(p);
  const obs = s.observed;
  for (const o of obs) {
    const v = o.value;
    if (v === undefined) continue;
    // Counted first, the sighting times collected only for the value that has a majority: this
    // runs on every lease round and every view, and most values have none.
    let on = 0;
    for (const x of obs) if (x.value !== undefined && sameLeaseValue(x.value, v)) on += 1;
    if (on < q) continue;
    const times: number[] = [];
    for (const x of obs) if (x.value !== undefined && sameLeaseValue(x.value, v)) times.push(x.firstSeenAt);
    times.sort((a, b) => a - b);
    return { value: v, since: times[q - 1]!, on };
  }
  return undefined;
}

export function holds(s: LeaseState, now: number): boolean {
  return s.holding !== null && now < s.holding.holdUntil;
}

function maxEpochSeen(s: LeaseState): number {
  let e = s.lastAttempt.epoch;
  for (const o of s.observed) if (o.value && o.value.epoch > e) e = o.value.epoch;
  if (s.holding && s.holding.value.epoch > e) e = s.holding.value.epoch;
  return e;
}

function nextSeq(s: LeaseState, epoch: number): number {
  let seq = s.lastAttempt.epoch === epoch ? s.lastAttempt.seq : 0;
  for (const o of s.observed) if (o.value && o.value.epoch === epoch && o.value.seq > seq) seq = o.value.seq;
  if (s.holding && s.holding.value.epoch === epoch && s.holding.value.seq > seq) seq = s.holding.value.seq;
  return seq + 1;
}

const count = (xs: readonly unknown[]) => xs.filter((x) => x !== undefined).length;

/**
 * The next write, or why not. Renewals are due every ttl/3 after the last write started.
 *
 * Each CAS expects, per witness, exactly the value last read (or written) there; the witnesses a
 * write may touch depend on why it is written:
 *   renew/reclaim: witnesses showing our own record of the epoch we (re)claim, or a record of an
 *     older epoch (whoever wrote it can no longer win a majority against ours);
 *   acquire: witnesses whose value has been unchanged for ttl + margin since we first saw it. The
 *     write is useful only when that is a majority; the witness it shares with the old holder's last
 *     majority write showed, when we first saw its value, something written after that write began.
 */
export function decide(p: LeaseParams, s: LeaseState, goal: LeaseGoal, now: number): LeaseAction {
  if (goal === "observe")
    return { kind: "wait", reason: "not contending: this region does not want the lease" };
  const n = p.witnesses;
  const q = majority(p);
  const top = maxEpochSeen(s);
  const ownOrOlder = (epoch: number) =>
    s.observed.map((o) =>
      o.value === null ||
      (o.value && ((o.value.holder === p.self && o.value.epoch === epoch) || o.value.epoch < epoch))
        ? o.value
        : undefined,
    );
  if (s.holding && holds(s, now)) {
    if (goal !== "hold" && goal !== "reclaim")
      return { kind: "wait", reason: "holding; not renewing while not primary" };
    const since = s.lastWrite?.at ?? s.holding.renewedAt;
    if (now - since < p.ttlMs / 3 && s.lastWrite?.ok)
      return {
        kind: "wait",
        reason: `holding until ${s.holding.holdUntil}; next renewal at ${since + p.ttlMs / 3}`,
      };
    const epoch = s.holding.value.epoch;
    const expected = ownOrOlder(epoch);
    const seq = nextSeq(s, epoch);
    return {
      kind: "write",
      why: "renew",
      expected,
      next: { holder: p.self, epoch, seq },
      reason: `renewing epoch ${epoch} to seq ${seq} on ${count(expected)} of ${n} witnesses`,
    };
  }
  // Our own record (restart, or renewals that failed while nobody took over) on a majority: writing
  // over it is a renewal, and anyone contending watches these values. A newer epoch on a minority
  // is a contender's failed attempt: we never overwrite a newer epoch, so a witness still showing
  // ours has seen no newer one since, and no newer epoch can have won the majority that ours holds.
  let ownTop = 0;
  for (const o of s.observed)
    if (o.value && o.value.holder === p.self && o.value.epoch > ownTop) ownTop = o.value.epoch;
  const mine = s.observed.filter(
    (o) => o.value && o.value.holder === p.self && o.value.epoch === ownTop,
  ).length;
  if (ownTop > 0 && mine >= q) {
    const expected = ownOrOlder(ownTop);
    const seq = nextSeq(s, ownTop);
    return {
      kind: "write",
      why: "reclaim",
      expected,
      next: { holder: p.self, epoch: ownTop, seq },
      reason: `our own record (epoch ${ownTop}) is on ${mine} of ${n} witnesses: renewing it`,
    };
  }
  const absent = s.observed.filter((o) => o.value === null).length;
  if (goal === "hold" && absent >= q) {
    // Bootstrap: "RRset does not exist" (RFC 2136 §2.4.3) on a majority; nobody can hold a lease
    // without having written there, and a value never turns back into absence.
    const epoch = top + 1;
    const expected = s.observed.map((o) => (o.value === null ? null : undefined));
    return {
      kind: "write",
      why: "bootstrap",
      expected,
      next: { holder: p.self, epoch, seq: 0 },
      reason: `no lease record on ${absent} of ${n} witnesses: creating epoch ${epoch}`,
    };
  }
  if (goal === "reclaim")
    return { kind: "wait", reason: "fenced: our own record is not on a majority; not taking another's" };
  if (s.reach.majority === false)
    return { kind: "wait", reason: `fewer than ${q} of ${n} witnesses answered the last reads` };
  const need = p.ttlMs + p.marginMs;
  const still = s.observed.map((o) =>
    o.value !== undefined && now - Math.max(o.firstSeenAt, s.reach.since) >= need ? o.value : undefined,
  );
  const m = majorityValue(p, s);
  const who =
    m === undefined
      ? "split across witnesses"
      : m.value === null
        ? "absent"
        : `held by ${m.value.holder} epoch ${m.value.epoch} seq ${m.value.seq}`;
  if (count(still) < q) {
    const waited = m ? Math.max(0, now - m.since) : 0;
    return {
      kind: "wait",
      reason: `lease ${who}: unchanged on ${count(still)} of ${n} witnesses for ttl + margin (${need} ms; majority value seen for ${Math.round(waited)} ms)`,
    };
  }
  const epoch = top + 1;
  return {
    kind: "write",
    why: "acquire",
    expected: still,
    next: { holder: p.self, epoch, seq: 0 },
    reason: `lease ${who}, unchanged on ${count(still)} of ${n} witnesses for ttl + margin: acquiring epoch ${epoch}`,
  };
}

/** Remember the attempt before sending it (persist `lastAttempt` before the first packet leaves). */
export function attempted(s: LeaseState, next: LeaseValue): LeaseState {
  const a = s.lastAttempt;
  const later = next.epoch > a.epoch || (next.epoch === a.epoch && next.seq > a.seq);
  return later ? { ...s, lastAttempt: { epoch: next.epoch, seq: next.seq } } : s;
}

/** Apply the results of a write that started at local time `startedAt`. */
export function written(
  p: LeaseParams,
  s: LeaseState,
  next: LeaseValue,
  startedAt: number,
  ok: readonly boolean[],
): LeaseState {
  const okCount = ok.filter(Boolean).length;
  const observed = s.observed.map((o, i) => (ok[i] ? { value: next, firstSeenAt: startedAt } : o));
  const success = okCount >= majority(p);
  const holding = success ? { value: next, renewedAt: startedAt, holdUntil: startedAt + p.ttlMs } : s.holding;
  return { ...s, observed, holding, lastWrite: { at: startedAt, ok: success, okCount } };
}

/** Drop the belief (e.g. after seeing a higher epoch): never extends anything. */
export function relinquish(s: LeaseState): LeaseState {
  return { ...s, holding: null };
}

/** The lease as the state machine sees it. */
export interface LeaseView {
  readonly held: boolean;
  readonly holdUntil: number | null;
  readonly epoch: number | null;
  /** The holder a majority shows, if any. */
  readonly holder: string | null;
  readonly maxEpochSeen: number;
  readonly lastWriteOk: boolean | null;
  /** The last read round reached a majority of the witnesses (null before the first round). */
  readonly reachesMajority: boolean | null;
  readonly reason: string;
}

export function leaseView(p: LeaseParams, s: LeaseState, now: number, reason: string): LeaseView {
  const m = majorityValue(p, s);
  const held = holds(s, now);
  return {
    held,
    holdUntil: held ? s.holding!.holdUntil : null,
    epoch: held ? s.holding!.value.epoch : (m?.value?.epoch ?? null),
    holder: held ? p.self : (m?.value?.holder ?? null),
    maxEpochSeen: maxEpochSeen(s),
    lastWriteOk: s.lastWrite?.ok ?? null,
    reachesMajority: s.reach.majority,
    reason,
  };
}
