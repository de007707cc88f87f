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
}

/** hold: we are (or should be) primary; acquire: promote when the lease is free; observe: never write. */
export type LeaseGoal = "hold" | "acquire" | "observe";

export type LeaseAction =
  | {
      readonly kind: "write";
      readonly why: "bootstrap" | "renew" | "reclaim" | "acquire";
      /** Per witness: the expected value of the CAS (null = "RRset does not exist"). */
      readonly expected: readonly (LeaseValue | null)[];
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
  };
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
  for (const o of s.observed) {
    if (o.value === undefined) continue;
    const same = s.observed.filter((x) => x.value !== undefined && sameLeaseValue(x.value, o.value ?? null));
    if (same.length >= q) {
      const times = same.map((x) => x.firstSeenAt).sort((a, b) => a - b);
      return { value: o.value, since: times[q - 1]!, on: same.length };
    }
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

function nextSeq(s: LeaseState, epoch: number, from: number): number {
  const attempted = s.lastAttempt.epoch === epoch ? s.lastAttempt.seq : 0;
  return Math.max(from, attempted) + 1;
}

/** The next write, or why not. Renewals are due every ttl/3 after the last write started. */
export function decide(p: LeaseParams, s: LeaseState, goal: LeaseGoal, now: number): LeaseAction {
  if (goal === "observe")
    return { kind: "wait", reason: "not contending: this region does not want the lease" };
  const n = p.witnesses;
  if (s.holding && holds(s, now)) {
    if (goal !== "hold") return { kind: "wait", reason: "holding; not renewing while not primary" };
    const since = s.lastWrite?.at ?? s.holding.renewedAt;
    if (now - since < p.ttlMs / 3 && s.lastWrite?.ok)
      return {
        kind: "wait",
        reason: `holding until ${s.holding.holdUntil}; next renewal at ${since + p.ttlMs / 3}`,
      };
    const held = s.holding.value;
    // Per witness, CAS from what it showed if that is one of our own records of this epoch (repairs a
    // witness that missed a renewal); otherwise from our value, which conflicts harmlessly.
    const expected = s.observed.map((o) =>
      o.value && o.value.holder === p.self && o.value.epoch === held.epoch ? o.value : held,
    );
    const seq = nextSeq(s, held.epoch, Math.max(...expected.map((v) => v.seq)));
    return {
      kind: "write",
      why: "renew",
      expected,
      next: { holder: p.self, epoch: held.epoch, seq },
      reason: `renewing epoch ${held.epoch} to seq ${seq}`,
    };
  }
  const m = majorityValue(p, s);
  if (!m)
    return { kind: "wait", reason: `no value on a majority (${majority(p)} of ${n}) of lease witnesses` };
  if (m.value === null && goal === "hold") {
    // Bootstrap: the record never existed; "RRset does not exist" on a majority means nobody holds.
    const epoch = maxEpochSeen(s) + 1;
    return {
      kind: "write",
      why: "bootstrap",
      expected: Array(n).fill(null),
      next: { holder: p.self, epoch, seq: 0 },
      reason: `no lease record on ${m.on} of ${n} witnesses: creating epoch ${epoch}`,
    };
  }
  if (m.value !== null && m.value.holder === p.self) {
    // Our own record still on a majority (we restarted, or renewals failed and nobody took over):
    // writing over it is a renewal; anybody contending watches exactly this value.
    const v = m.value;
    const seq = nextSeq(s, v.epoch, v.seq);
    return {
      kind: "write",
      why: "reclaim",
      expected: Array(n).fill(v),
      next: { holder: p.self, epoch: v.epoch, seq },
      reason: `our own record (epoch ${v.epoch}) is still on ${m.on} of ${n} witnesses: renewing it`,
    };
  }
  const waited = now - m.since;
  const need = p.ttlMs + p.marginMs;
  const who =
    m.value === null ? "absent" : `held by ${m.value.holder} epoch ${m.value.epoch} seq ${m.value.seq}`;
  if (waited < need)
    return {
      kind: "wait",
      reason: `lease ${who}, unchanged on a majority for ${waited} ms of the ${need} ms (ttl + margin) needed to take it`,
    };
  const epoch = maxEpochSeen(s) + 1;
  return {
    kind: "write",
    why: "acquire",
    expected: Array(n).fill(m.value),
    next: { holder: p.self, epoch, seq: 0 },
    reason: `lease ${who} unchanged for ${waited} ms >= ttl + margin: acquiring epoch ${epoch}`,
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
    reason,
  };
}
