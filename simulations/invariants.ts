// The invariants of DESIGN §8, checked on every run against the world's ground truth.
import type { World } from "./world.ts";

/** The bound invariant 5 checks, in words (printed by `simulate -o json` beside the figures). */
export const PROMOTION_BOUND = "(promoteAfter + 2*probeInterval)/(1-d) + actuation";

export const INVARIANTS = {
  "0-run-completes": "the run itself raises no error (a stray timer, a machine exception)",
  "1-single-writer": "never two regions writable for one service at the same instant",
  "2-fence-before-promote": "no region is writable when another one is told to promote",
  "3-unknown-never-counts":
    "every automatic promotion had a down-quorum of countable votes (or its lower-priority primary was seen following)",
  "4-witnesses-down-no-change": "witnesses down everywhere: no role changes",
  "5-promotion-bound": `primary lost: a standby is writable within ${PROMOTION_BOUND}`,
  "6-heal-converges": "after heal: exactly one primary, the others follow it",
  "7-no-flapping": "no automatic promotion within holdDown of losing the role; all healthy: zero transitions",
  "8-frozen-and-epochs": "frozen: no intents and no automatic transitions; epochs only increase",
} as const;

export type InvariantId = keyof typeof INVARIANTS;

export interface Violation {
  readonly invariant: InvariantId;
  readonly at: number;
  readonly detail: string;
}

/** What this run's schedule entitles us to expect beyond the always-on invariants. */
export interface Expectations {
  /** The primary region is lost for good at this time, and nothing else fails. */
  readonly primaryLossAt?: number | undefined;
  /** Every witness is down for the whole run. */
  readonly witnessesDownAllRun?: boolean | undefined;
  /** No faults at all. */
  readonly allHealthy?: boolean | undefined;
  /** All faults healed by this time; the run lasts long enough after it to converge. */
  readonly healedBy?: number | undefined;
}

function actuationMs(w: World): number {
  const c = w.cfg;
  return (
    c.actuation.promoteMs + c.actuation.gateMs + (c.safety === "lease" ? 2 * c.timing.probeTimeoutMs : 0)
  );
}

/**
 * The promotion bound at clock drift `d` (lease.maxClockDrift unless given). The standby waits
 * promoteAfter on its own clock, which may run slow by up to d: in real time that is
 * promoteAfter/(1-d), and its probe rounds (the one that first sees the loss, the one that finds
 * the wait over) likewise take probeInterval/(1-d) each; actuation runs in real time. At d = 0 this
 * is exactly the issue's `promoteAfter + 2*probeInterval + actuation` (docs/safety.md). Leaving the
 * factor out failed a witness run whose standby clock ran 1% slow by 0.08 s (seed 1002, path 138).
 */
export function promotionBoundMs(w: World, d = w.cfg.lease.maxClockDrift): number {
  const t = w.cfg.timing;
  return (t.promoteAfterMs + 2 * t.probeIntervalMs) / (1 - d) + actuationMs(w);
}

/** How long after the last fault healed every region must have converged. */
export function settleMs(w: World): number {
  const t = w.cfg.timing;
  return t.promoteAfterMs + t.holdDownMs + 2 * t.fenceAfterMs + 6 * t.probeIntervalMs + 2 * w.cfg.lease.ttlMs;
}

export interface RunFacts {
  readonly violations: Violation[];
  /** ms from primary loss until another region was writable, when the run measured it. */
  readonly promotionMs: number | null;
  readonly transitions: number;
}

export function checkInvariants(w: World, x: Expectations): RunFacts {
  const v: Violation[] = [];
  for (const o of w.overlaps)
    v.push({ invariant: "1-single-writer", at: o.at, detail: `writable at once: ${o.regions.join(", ")}` });
  for (const p of w.promotions) {
    if (p.othersWritable.length > 0)
      v.push({
        invariant: "2-fence-before-promote",
        at: p.at,
        detail: `${p.region} told to promote while ${p.othersWritable.join(", ")} writable`,
      });
    if (p.audit && p.audit.downVotes < p.audit.q && !p.audit.followedSeenFollowing)
      v.push({
        invariant: "3-unknown-never-counts",
        at: p.at,
        detail: `${p.region} promoted on ${p.audit.downVotes} countable down votes (q=${p.audit.q}), its primary not seen following either`,
      });
  }
  const roleChanges = w.transitions.filter(
    (t) =>
      t.counted &&
      (t.to === "standby.promoting" || (t.from.startsWith("primary") && t.to.startsWith("standby"))),
  );
  if (x.witnessesDownAllRun)
    for (const t of roleChanges)
      v.push({
        invariant: "4-witnesses-down-no-change",
        at: t.at,
        detail: `${t.region}: ${t.from} -> ${t.to}`,
      });

  let promotionMs: number | null = null;
  if (x.primaryLossAt !== undefined) {
    const primary = w.cfg.regions[0]!;
    const first = w.writable.find((iv) => iv.region !== primary && iv.from >= x.primaryLossAt!);
    promotionMs = first ? first.from - x.primaryLossAt : null;
    const bound = promotionBoundMs(w);
    if (
      w.cfg.safety !== "manual" &&
      x.primaryLossAt + bound <= w.cfg.durationMs &&
      (promotionMs === null || promotionMs > bound)
    )
      v.push({
        invariant: "5-promotion-bound",
        at: x.primaryLossAt,
        detail: `no standby writable within ${bound} ms of losing ${primary} (${promotionMs === null ? "never" : `${promotionMs} ms`})`,
      });
  }

  if (x.healedBy !== undefined && x.healedBy + settleMs(w) <= w.cfg.durationMs) {
    const writers = [...w.final.entries()].filter(([, s]) => s.writable).map(([r]) => r);
    if (writers.length !== 1)
      v.push({
        invariant: "6-heal-converges",
        at: w.cfg.durationMs,
        detail: `${writers.length} writable regions after heal`,
      });
    else
      for (const [r, s] of w.final)
        if (
          r !== writers[0] &&
          (s.state !== "standby.following" || s.cnpg.role !== "replica" || s.cnpg.primary !== writers[0])
        )
          v.push({
            invariant: "6-heal-converges",
            at: w.cfg.durationMs,
            detail: `${r} is ${s.state}, CNPG ${s.cnpg.role} following ${s.cnpg.primary}, not following ${writers[0]}`,
          });
  }

  const hold = w.cfg.timing.holdDownMs;
  for (const p of w.promotions) {
    if (!p.automatic) continue;
    const lost = w.transitions
      .filter((t) => t.region === p.region && t.at <= p.at)
      .filter(
        (t) =>
          (t.from.startsWith("primary") || t.from === "fenced" || t.from === "demoting") &&
          t.to.startsWith("standby"),
      )
      .at(-1);
    // holdDown runs on the region's own clock: up to (1 + d) fast against real time.
    if (lost && p.at - lost.at < hold / (1 + w.cfg.lease.maxClockDrift))
      v.push({
        invariant: "7-no-flapping",
        at: p.at,
        detail: `${p.region} promoted ${Math.round(p.at - lost.at)} ms after losing the role`,
      });
  }
  const counted = w.transitions.filter((t) => t.counted).length;
  if (x.allHealthy && counted > 0)
    v.push({
      invariant: "7-no-flapping",
      at: w.transitions.find((t) => t.counted)!.at,
      detail: `${counted} transitions with every region healthy`,
    });

  const windows = w.frozenWindows();
  const frozenAt = new Map<string, number | null>();
  for (const t of w.transitions) {
    if (t.to === "frozen") frozenAt.set(t.region, t.at);
    else if (t.from === "frozen") {
      if (windows.some((win) => t.at < win.to && t.at >= win.from))
        v.push({
          invariant: "8-frozen-and-epochs",
          at: t.at,
          detail: `${t.region} left frozen while the freeze was active`,
        });
      frozenAt.set(t.region, null);
    }
  }
  for (const i of w.intents)
    if (i.state === "frozen" && windows.some((win) => i.at >= win.from && i.at < win.to))
      v.push({
        invariant: "8-frozen-and-epochs",
        at: i.at,
        detail: `${i.region} emitted ${i.intent.type} while frozen`,
      });
  const lastEpoch = new Map<string, number>();
  for (const e of w.epochs) {
    const prev = lastEpoch.get(e.region) ?? 0;
    if (e.epoch < prev)
      v.push({
        invariant: "8-frozen-and-epochs",
        at: e.at,
        detail: `${e.region} epoch went down ${prev} -> ${e.epoch}`,
      });
    lastEpoch.set(e.region, Math.max(prev, e.epoch));
  }
  for (const e of w.errors) v.push({ invariant: "0-run-completes", at: w.q.now, detail: e });
  return { violations: v, promotionMs, transitions: counted };
}
