// The scenario harness of the e2e controller tier: runs a scenario body under the recorder,
// checks the invariants on the recording (docs/e2e.md has the bounds), adds a row to the report
// (printed; reports/<report>.json and .html) and offers the steps the scenarios share (settle,
// hold a fault, switchover, rejoin, await a promotion).
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import type { KubeObject } from "../../../src/kube/kube-client.ts";
import { FO } from "../../kube/support/fixtures.ts";
import { cnpgReportsDemotionToken } from "../../kube/support/regions.ts";
import { type ControllerWorld, NS, TIMING } from "./controller-world.ts";
import {
  type Check,
  dnsSwitchedAt,
  firstAt,
  Recorder,
  reportHtml,
  reportTable,
  type Sample,
  type ScenarioReport,
  transitions,
  twoWritable,
} from "./recorder.ts";

const REPORTS = resolve(import.meta.dirname, "../../../reports");

export interface KitOptions {
  readonly mode: "witness" | "lease";
  /** The report's file name under reports/ (without extension). */
  readonly report: string;
  /** The promotion bound from the fault when the primary is really lost (default: witness mode's). */
  readonly promoteBoundMs?: number;
}

/** unbound (infra-cache-max-rtt 1000) answers SERVFAIL for a silent server after about 6 s (docs/prober.md). */
const WITNESS_GIVE_UP_MS = 6_000;
/** Patching CNPG and the gate after the decision, and the recorder's sampling period. */
const ACTUATION_MS = 2_000;
/**
 * Witness mode's bound when the primary is really lost: promoteAfter + 2 probe rounds + the
 * witnesses' give-up + actuation (lease mode adds ttl + margin, controller-scenarios.ts).
 */
export const WITNESS_PROMOTE_BOUND_MS =
  (TIMING.promoteAfter + 2 * TIMING.interval) * 1000 + WITNESS_GIVE_UP_MS + ACTUATION_MS;

export function scenarioKit(world: () => ControllerWorld, kit: KitOptions) {
  const PROMOTE_BOUND_MS = kit.promoteBoundMs ?? WITNESS_PROMOTE_BOUND_MS;
  /** Once the new primary is writable, every witness answers its target within TTL + one probe round (+ one sample). */
  const DNS_BOUND_MS = (TIMING.ttl + TIMING.interval) * 1000 + 1_000;
  /** How long a no-promotion scenario holds its fault: past the promotion bound, with room to spare. */
  const HOLD_MS = PROMOTE_BOUND_MS + 2_000;

  const rows: ScenarioReport[] = [];

  interface Outcome {
    /** When the fault (or kill, or override) was applied; null for the normal run. */
    readonly faultAt: number | null;
    /** The region whose promotion is watched. */
    readonly standby: string;
    readonly promotes: boolean;
    /** A planned promotion (override): no detection, bound `boundMs`. */
    readonly planned?: boolean;
    readonly boundMs?: number;
    /** The target every witness must answer after the promotion. */
    readonly newTarget?: string;
    readonly extra?: readonly Check[];
  }

  const latest = (rec: Recorder): Sample | undefined => rec.samples.at(-1);

  /** Waits until the latest sample satisfies `pred` (returns its time). */
  async function waitSample(
    rec: Recorder,
    what: string,
    ms: number,
    pred: (s: Sample) => boolean,
  ): Promise<number> {
    const end = Date.now() + ms;
    let seen = rec.samples.length;
    while (Date.now() < end) {
      for (; seen < rec.samples.length; seen++) if (pred(rec.samples[seen]!)) return rec.samples[seen]!.t;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `timed out after ${ms} ms waiting for ${what}; last sample ${JSON.stringify(latest(rec))}`,
    );
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  function analyse(
    scenario: string,
    expectation: string,
    rec: Recorder,
    o: Outcome | undefined,
    err: unknown,
  ): ScenarioReport {
    const s = rec.samples;
    const checks: Check[] = [];
    const both = twoWritable(s);
    checks.push({
      name: "never two writable regions",
      ok: both.length === 0,
      detail: both.length
        ? `${both.length} samples, first at ${(both[0]!.t / 1000).toFixed(1)} s`
        : `${s.length} samples`,
    });
    let detection: number | null = null;
    let promotion: number | null = null;
    let dns: number | null = null;
    let writableMs: number | null = null;
    if (o) {
      const from = o.faultAt ?? 0;
      const sb = o.standby;
      const det = o.planned ? undefined : firstAt(s, from, (x) => x.regions[sb]?.timer === "promoteAfter");
      const pro = firstAt(s, from, (x) => x.regions[sb]?.cnpgPrimary === `pg-${sb}`);
      detection = det === undefined ? null : det - from;
      promotion = pro === undefined ? null : pro - from;
      if (o.promotes) {
        const bound = o.boundMs ?? PROMOTE_BOUND_MS;
        checks.push({
          name: `${sb} promoted within ${(bound / 1000).toFixed(0)} s`,
          ok: promotion !== null && promotion <= bound,
          detail: promotion === null ? "no promotion recorded" : `${(promotion / 1000).toFixed(1)} s`,
        });
        if (!o.planned && det !== undefined && pro !== undefined)
          checks.push({
            name: "promoteAfter waited out",
            // Both times are sampled (±1 period): a promotion a full period early would show.
            ok: pro - det >= TIMING.promoteAfter * 1000 - 1_000,
            detail: `${((pro - det) / 1000).toFixed(1)} s from the first sample with the timer`,
          });
        // The promotion is complete when the new primary is writable (CNPG primary and its gate
        // open): from then on its responder answers its target, and the witnesses follow within the
        // TTL of what they cached plus one probe round.
        const writable =
          pro === undefined ? undefined : firstAt(s, pro, (x) => x.regions[sb]?.writable === true);
        writableMs = writable === undefined ? null : writable - from;
        if (o.newTarget && writable !== undefined) {
          const d = dnsSwitchedAt(s, writable, o.newTarget);
          dns = d === undefined ? null : d - from;
          checks.push({
            name: `DNS through every witness switched within TTL + one round (${DNS_BOUND_MS / 1000} s)`,
            ok: d !== undefined && d - writable <= DNS_BOUND_MS,
            detail:
              d === undefined
                ? `never all ${o.newTarget}`
                : `${((d - writable) / 1000).toFixed(1)} s after ${sb} became writable`,
          });
        }
      } else {
        checks.push({
          name: `no promotion of ${sb}`,
          ok: promotion === null,
          detail: promotion === null ? "none" : `promoted at ${(promotion / 1000).toFixed(1)} s`,
        });
      }
      checks.push(...(o.extra ?? []));
    }
    if (err)
      checks.push({
        name: "scenario ran to its end",
        ok: false,
        detail: String((err as Error).message ?? err),
      });
    return {
      scenario,
      mode: kit.mode,
      expectation,
      faultAt: o?.faultAt ?? null,
      detectionMs: detection,
      promotionMs: promotion,
      writableMs,
      dnsSwitchMs: dns,
      transitions: transitions(s).map(
        (t) => `${(t.t / 1000).toFixed(1)} s ${t.region}: ${t.from} -> ${t.to}`,
      ),
      checks,
      verdict: checks.every((c) => c.ok) ? "pass" : "fail",
      durationMs: rec.now(),
      marks: rec.marks,
      samples: s,
    };
  }

  function writeReports(): void {
    mkdirSync(REPORTS, { recursive: true });
    writeFileSync(join(REPORTS, `${kit.report}.json`), `${JSON.stringify(rows, null, 1)}\n`);
    writeFileSync(join(REPORTS, `${kit.report}.html`), reportHtml(rows));
  }

  async function scenario(name: string, expectation: string, body: (rec: Recorder) => Promise<Outcome>) {
    const rec = new Recorder((t0) => world().sample(t0));
    let outcome: Outcome | undefined;
    let err: unknown;
    try {
      outcome = await body(rec);
    } catch (e) {
      err = e;
    } finally {
      await rec.stop();
    }
    const row = analyse(name, expectation, rec, outcome, err);
    rows.push(row);
    writeReports();
    console.log(
      `${name}: ${row.verdict}; detection ${row.detectionMs ?? "-"} ms, promotion ${row.promotionMs ?? "-"} ms, DNS ${row.dnsSwitchMs ?? "-"} ms\n  ${row.transitions.join("\n  ")}\n  ${row.checks.map((c) => `${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`).join("\n  ")}`,
    );
    if (row.verdict === "fail")
      for (const r of world().regions) {
        // The witness evidence each time it changed in the samples (status as last written).
        let last = "";
        const changes: string[] = [];
        for (const s of rec.samples) {
          const ev = s.regions[r]?.evidence ?? "";
          if (ev !== last) changes.push(`${(s.t / 1000).toFixed(1)} s ${ev}`);
          last = ev;
        }
        console.log(`--- ${r} witness evidence in status\n  ${changes.join("\n  ")}`);
        console.log(`--- ${r} controller log (tail)\n${world().controllerLog(r).slice(-4000)}`);
      }
    if (err) throw err;
    expect(row.checks.filter((c) => !c.ok)).toEqual([]);
  }

  /** Heals every fault, flushes the witnesses, and waits for `primary` serving with every witness answering it. */
  async function settle(primary: string): Promise<void> {
    await world().topology.heal();
    await world().flushWitnesses();
    const end = Date.now() + 60_000;
    let last: Sample | undefined;
    while (Date.now() < end) {
      last = await world().sample(Date.now());
      const ok =
        Object.entries(last.regions).every(([r, v]) =>
          !v.alive
            ? true
            : r === primary
              ? v.state === "primary.serving" && v.writable
              : v.state === "standby.following",
        ) && Object.values(last.dns).every((a) => a === world().target[primary]);
      if (ok) return;
      await sleep(500);
    }
    throw new Error(`not settled with ${primary} primary within 60 s: ${JSON.stringify(last)}`);
  }

  /**
   * Holds a fault for HOLD_MS; the standby must not promote, and (if asked) the primary must stay
   * writable throughout.
   */
  async function holdNoPromotion(
    rec: Recorder,
    what: string,
    apply: () => Promise<void>,
    primaryStaysWritable: boolean,
    roles: { primary: string; standby: string } = { primary: "eu", standby: "us" },
  ): Promise<Outcome> {
    const faultAt = rec.mark(what);
    await apply();
    await sleep(HOLD_MS);
    rec.mark("heal");
    const during = rec.samples.filter((s) => s.t >= faultAt);
    const extra: Check[] = [];
    if (primaryStaysWritable) {
      const lapses = during.filter((s) => !s.regions[roles.primary]?.writable);
      extra.push({
        name: `${roles.primary} stays writable`,
        ok: lapses.length === 0,
        detail: lapses.length ? `${lapses.length} samples not writable` : `${during.length} samples`,
      });
    }
    return { faultAt, standby: roles.standby, promotes: false, extra };
  }

  /** Creates a switchover override in `from` (the current primary) handing over to `to`, with CNPG's token. */
  async function switchover(rec: Recorder, from: string, to: string, name: string): Promise<Outcome> {
    const token = `tok-${name}`;
    const cnpg = cnpgReportsDemotionToken(world().env(from), NS, `pg-${from}`, token);
    try {
      // A region that just rejoined may still carry its own CNPG fence for a round or two (its
      // machine lifts it once CNPG follows the new primary), and the primary refuses a switchover
      // to a fenced or unseen target (Rejected, with the reason). An operator retries once the fence
      // is lifted; so does this step, within the scenario's bound, and it logs every refusal.
      await waitSample(
        rec,
        `pg-${to} unfenced`,
        30_000,
        (s) => !(s.regions[to]?.cnpgStatus ?? "").includes("fenced"),
      );
      const faultAt = rec.mark(`FailoverOverride switchover to ${to} (in ${from})`);
      const admin = world().env(from).admin;
      for (let attempt = 0; ; attempt++) {
        const o = attempt ? `${name}-${attempt}` : name;
        await admin.create(FO(NS), {
          apiVersion: "splitguard.io/v1alpha1",
          kind: "FailoverOverride",
          metadata: { name: o },
          spec: { service: "db", action: "switchover", region: to, reason: `e2e: ${name}` },
        });
        let st: { phase?: string; message?: string } = {};
        for (let i = 0; i < 40 && !st.phase; i++) {
          st = ((await admin.get<KubeObject>(FO(NS, o))).status ?? {}) as typeof st;
          if (!st.phase) await sleep(250);
        }
        if (st.phase !== "Rejected") break;
        if (attempt >= 4) throw new Error(`switchover to ${to} refused ${attempt + 1} times: ${st.message}`);
        rec.mark(`override ${o} refused (${st.message}); retrying`);
        await sleep(2_000);
      }
      const pro = await waitSample(
        rec,
        `pg-${to} promoted`,
        60_000,
        (s) => s.regions[to]?.cnpgPrimary === `pg-${to}`,
      );
      await waitSample(rec, "DNS switched", pro - rec.now() + DNS_BOUND_MS + 3_000, (s) =>
        Object.values(s.dns).every((a) => a === world().target[to]),
      ).catch(() => undefined);
      return {
        faultAt,
        standby: to,
        promotes: true,
        planned: true,
        boundMs: 30_000,
        newTarget: world().target[to],
      };
    } finally {
      cnpg.stop();
    }
  }

  /**
   * A returning region (healed or restarted): the witnesses forget it was silent, it must follow the
   * new primary, and then the operator's runbook runs. A region that fenced its CNPG cluster (lost
   * quorum as primary) stays fenced as a standby, since it may hold writes the new primary never got:
   * the runbook re-clones it and lifts the fence. Without that, a later switchover to it stalls in
   * standby.promoting (promotionComplete needs the cluster unfenced) after the old primary demoted.
   */
  async function rejoinAsStandby(rec: Recorder, r: string): Promise<void> {
    await world().flushWitnesses();
    await waitSample(
      rec,
      `${r} standby.following`,
      60_000,
      (s) => s.regions[r]?.state === "standby.following",
    );
    if (await world().operatorUnfence(r)) rec.mark(`operator: pg-${r} re-cloned, fence lifted`);
  }

  /** Waits for `standby`'s promotion (its CNPG cluster designated primary) and then the DNS switch. */
  async function awaitPromotion(rec: Recorder, standby: string, extraMs = 0): Promise<void> {
    await waitSample(
      rec,
      `pg-${standby} promoted`,
      PROMOTE_BOUND_MS + extraMs + 10_000,
      (s) => s.regions[standby]?.cnpgPrimary === `pg-${standby}`,
    );
    await waitSample(rec, "DNS switched", DNS_BOUND_MS + 3_000, (s) =>
      Object.values(s.dns).every((a) => a === world().target[standby]),
    ).catch(() => undefined); // the analysis reports it
  }
  return {
    rows,
    scenario,
    settle,
    holdNoPromotion,
    switchover,
    rejoinAsStandby,
    awaitPromotion,
    waitSample,
    sleep,
    table: () => reportTable(rows),
    writeReports,
    PROMOTE_BOUND_MS,
  };
}
