// Whether a demo run kept its promises, from the ledger alone (pure): the invariants of DESIGN §8
// that a two-region run on real sockets can show. Never two writable regions; a standby writable
// within its bound once the primary is really gone; no promotion while the primary kept its quorum
// (a partition between the regions) or while a freeze was on; the expected region writable at the end.
import type { LedgerEntry } from "./ledger.ts";

export interface Expectations {
  /** After `at` (ms), a region other than `lost` must become writable within `boundMs`. */
  readonly takeover?: {
    readonly at: number;
    readonly lost: string;
    readonly boundMs: number;
    readonly why: string;
  };
  /** No promotion asked of any cluster in [from, to). */
  readonly noPromotion?: readonly { readonly from: number; readonly to: number; readonly why: string }[];
  /** The one region writable when the run ends. */
  readonly endWritable?: string;
  /** No machine changes state from `from` on (nothing fails: start-up is over by then). */
  readonly quietFrom?: number;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface Verdict {
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

type Of<K extends LedgerEntry["kind"]> = Extract<LedgerEntry, { kind: K }>;
const ofKind =
  <K extends LedgerEntry["kind"]>(k: K) =>
  (e: LedgerEntry): e is Of<K> =>
    e.kind === k;

/** Replays the writable entries in order: the regions writable after each one. */
function writableSets(entries: readonly LedgerEntry[]): { at: number; set: string[] }[] {
  const now = new Set<string>();
  const out: { at: number; set: string[] }[] = [];
  for (const e of entries) {
    if (e.kind !== "writable") continue;
    if (e.writable) now.add(e.region);
    else now.delete(e.region);
    out.push({ at: e.at, set: [...now].sort() });
  }
  return out;
}

export function singleWriter(entries: readonly LedgerEntry[]): Check {
  const both = writableSets(entries).filter((x) => x.set.length > 1);
  if (both.length === 0)
    return { name: "never two writable regions", ok: true, detail: "at most one region writable throughout" };
  const first = both[0]!;
  return {
    name: "never two writable regions",
    ok: false,
    detail: `${first.set.join(" and ")} writable at once at +${s(first.at)} (${both.length} change(s) with two writers)`,
  };
}

export function takeoverWithin(
  entries: readonly LedgerEntry[],
  t: NonNullable<Expectations["takeover"]>,
): Check {
  const name = `promotion within ${s(t.boundMs)} (${t.why})`;
  const hit = entries
    .filter(ofKind("writable"))
    .find((e) => e.writable && e.region !== t.lost && e.at >= t.at);
  if (!hit)
    return { name, ok: false, detail: `no region other than ${t.lost} became writable after +${s(t.at)}` };
  const took = hit.at - t.at;
  return {
    name,
    ok: took <= t.boundMs,
    detail: `${hit.region} writable ${s(took)} after +${s(t.at)} (bound ${s(t.boundMs)})`,
  };
}

export function noPromotionIn(
  entries: readonly LedgerEntry[],
  w: NonNullable<Expectations["noPromotion"]>[number],
): Check {
  const name = `no promotion ${w.why} (+${s(w.from)} to +${s(w.to)})`;
  const first = entries.filter(ofKind("promote")).find((e) => e.at >= w.from && e.at < w.to);
  if (!first) return { name, ok: true, detail: "none asked of any cluster" };
  return { name, ok: false, detail: `${first.region} promoted at epoch ${first.epoch} at +${s(first.at)}` };
}

export function writableAtEnd(entries: readonly LedgerEntry[], region: string): Check {
  const sets = writableSets(entries);
  const last = sets.length ? sets[sets.length - 1]!.set : [];
  const ok = last.length === 1 && last[0] === region;
  return {
    name: `${region} is the one writable region at the end`,
    ok,
    detail: last.length ? `writable at the end: ${last.join(", ")}` : "no region writable at the end",
  };
}

export function quietFrom(entries: readonly LedgerEntry[], from: number): Check {
  const name = `no transition after start-up (from +${s(from)})`;
  const moved = entries.filter(ofKind("transition")).filter((e) => e.at >= from);
  const first = moved[0];
  if (!first) return { name, ok: true, detail: "every machine kept its state" };
  return {
    name,
    ok: false,
    detail: `${first.region} ${first.from} -> ${first.to} at +${s(first.at)} (${moved.length} transition(s))`,
  };
}

export function verdict(entries: readonly LedgerEntry[], expect: Expectations): Verdict {
  const checks: Check[] = [singleWriter(entries)];
  if (expect.takeover) checks.push(takeoverWithin(entries, expect.takeover));
  for (const w of expect.noPromotion ?? []) checks.push(noPromotionIn(entries, w));
  if (expect.quietFrom !== undefined) checks.push(quietFrom(entries, expect.quietFrom));
  if (expect.endWritable) checks.push(writableAtEnd(entries, expect.endWritable));
  return { ok: checks.every((c) => c.ok), checks };
}
