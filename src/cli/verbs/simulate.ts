// `splitguard simulate`: named scenarios and random fault schedules in virtual time, against the
// real machines, quorum evaluation and lease core (simulations/).
import { writeFileSync } from "node:fs";
import { caseConfig } from "../../../simulations/generate.ts";
import { timelineHtml } from "../../../simulations/html.ts";
import {
  INVARIANTS,
  type InvariantId,
  PROMOTION_BOUND,
  promotionBoundMs,
} from "../../../simulations/invariants.ts";
import { defaultJobs, type Progress, runRandomParallel } from "../../../simulations/parallel.ts";
import {
  expectationsFor,
  replayCase,
  runConfig,
  type Summary,
  withFailsafe,
} from "../../../simulations/runner.ts";
import { allScenarios, findScenario } from "../../../simulations/scenarios.ts";
import type { Safety } from "../../../simulations/sim-config.ts";
import { timelineText } from "../../../simulations/timeline.ts";
import { defineCommand, UsageError } from "../command.ts";
import { formatDuration, parseDuration } from "../duration.ts";

/** Runs below this count finish in seconds and print no progress. */
export const PROGRESS_MIN_RUNS = 100;

/**
 * Progress of a long `--runs` on stderr (stdout keeps the report, JSON or text): a line at every
 * tenth of the runs, with how many broke an invariant so far. `sim:long` runs for about 20 minutes.
 */
export function progressLines(
  err: (s: string) => void,
  label: string,
  total: number,
  now: () => number = () => performance.now(),
): Progress | undefined {
  if (total < PROGRESS_MIN_RUNS) return undefined;
  const t0 = now();
  let shown = 0;
  return (done, failed) => {
    const tenth = Math.floor((done * 10) / total);
    if (tenth <= shown) return;
    shown = tenth;
    const n = (x: number) => x.toLocaleString("en-US");
    err(
      `simulate: ${label} ${n(done)} of ${n(total)} (${Math.floor((done * 100) / total)}%), ${n(failed)} broke an invariant, ${formatDuration(now() - t0)} elapsed\n`,
    );
  };
}

/** `--duration`: the CLI's duration forms (duration.ts: 3600, 90m, 1h30m, 2h), at least a minute. */
export function simDuration(text: string): number {
  const d = parseDuration(text);
  if (!d.ok) throw new UsageError(`--duration ${d.error}`);
  if (d.ms < 60_000) throw new UsageError(`--duration ${text}: at least 1m of simulated time`);
  return d.ms;
}

function int(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} ${v}: must be a non-negative integer`);
  return n;
}

const secs = (ms: number | null) => (ms === null ? "-" : `${(ms / 1000).toFixed(1)}s`);

export const simulate = defineCommand({
  path: ["simulate"],
  summary: "run partition simulations in virtual time against the real state machines",
  usage:
    "[--scenario NAME | --list | --runs N [--seed S]] [--safety witness|lease|manual] [--duration 1h] [-o json] [--timeline] [--html FILE]",
  help: `Options:
  --list                 list the named scenarios, one line each
  --scenario NAME        run one named scenario
  --runs N               run N random fault schedules (fast-check), plus N/5 primary-loss schedules
  --seed S               seed of the random schedules (default 1); printed with every failure
  --path P               with --seed: replay exactly the failing case a report printed
  --kind random|primary-loss
                         with --path: which generator the failing case came from (default random);
                         with --runs: primary-loss only runs N primary-loss schedules and no
                         random ones (the promotion-time figures and their bound)
  --witnesses uniform|anycast
                         uniform: every witness gives every asker the same view (default);
                         anycast: a witness site per continent, continents may split
  --regions 2|3          only 2- or only 3-region deployments (default: both)
  --safety MODE          witness (default), lease or manual
  --failsafe             with --safety lease: lease.failsafe on (DESIGN §5)
  --duration D           simulated time per run, at least 1m (default 1h): 90m, 1h30m, 2h
  --jobs N               worker threads for --runs (default: one per core)
  -o json                machine-readable summary
  --timeline             print a readable per-region timeline (scenarios and --path replays)
  --html FILE            write a self-contained HTML/SVG timeline (scenarios and --path replays)

Exits 0 when every invariant held (or only a scenario's documented limit was shown), 1 otherwise.`,
  options: {
    list: { type: "boolean" },
    scenario: { type: "string" },
    runs: { type: "string" },
    seed: { type: "string" },
    path: { type: "string" },
    kind: { type: "string" },
    witnesses: { type: "string" },
    regions: { type: "string" },
    safety: { type: "string" },
    failsafe: { type: "boolean" },
    duration: { type: "string" },
    jobs: { type: "string" },
    output: { type: "string", short: "o" },
    timeline: { type: "boolean" },
    html: { type: "string" },
  },
  async run({ values: v }, io) {
    if (v.output !== undefined && v.output !== "json")
      throw new UsageError(`-o ${v.output}: only json is supported`);
    const json = v.output === "json";
    const safety = (v.safety ?? "witness") as Safety;
    if (!["witness", "lease", "manual"].includes(safety))
      throw new UsageError(`--safety ${v.safety}: witness, lease or manual`);
    const durationMs = v.duration ? simDuration(v.duration) : 3_600_000;
    if (v.list) {
      for (const s of allScenarios()) io.out(`${s.name.padEnd(28)} ${s.summary}\n`);
      return 0;
    }
    if (v.scenario !== undefined) {
      const sc = findScenario(v.scenario);
      if (!sc) throw new UsageError(`--scenario ${v.scenario}: unknown (see --list)`);
      const built = sc.build(safety, durationMs);
      const config = withFailsafe(built.config, v.failsafe === true);
      const expect = built.expect;
      const out = await runConfig(config, expect, v.html ? config.timing.probeIntervalMs * 2 : undefined);
      const known = new Set<InvariantId>(sc.knownLimits?.[safety] ?? []);
      const unexpected = out.violations.filter((x) => !known.has(x.invariant));
      const limits = out.violations.filter((x) => known.has(x.invariant));
      const checks = sc.check?.(out.world) ?? [];
      if (v.html)
        writeFileSync(
          v.html,
          timelineHtml(out.world, `splitguard simulate --scenario ${sc.name} --safety ${safety}`),
        );
      if (json) {
        io.out(
          `${JSON.stringify(
            {
              scenario: sc.name,
              safety,
              simulatedMs: durationMs,
              wallMs: Math.round(out.wallMs),
              simulatedToWall: Math.round(durationMs / out.wallMs),
              violations: out.violations,
              knownLimitShown: limits.length > 0,
              checks,
              promotionMs: out.promotionMs,
              promotionBoundMs: promotionBoundMs(out.world),
              promotionBound: {
                checks: PROMOTION_BOUND,
                maxClockDrift: out.world.cfg.lease.maxClockDrift,
                zeroDriftBoundMs: promotionBoundMs(out.world, 0),
              },
              transitions: out.transitions,
              writable: out.world.writable,
              ok: unexpected.length === 0 && checks.length === 0,
            },
            null,
            2,
          )}\n`,
        );
      } else {
        if (v.timeline) io.out(timelineText(out.world));
        io.out(`scenario ${sc.name} (${safety}): ${sc.summary}\n`);
        io.out(
          `  transitions ${out.transitions}, promotions ${out.world.promotions.length}, promotion after primary loss ${secs(out.promotionMs)} (bound ${secs(promotionBoundMs(out.world))})\n`,
        );
        for (const x of limits)
          io.out(
            `  KNOWN LIMIT  ${x.invariant} (${INVARIANTS[x.invariant]}): ${x.detail} at ${secs(x.at)}\n`,
          );
        for (const x of unexpected)
          io.out(`  VIOLATION  ${x.invariant} (${INVARIANTS[x.invariant]}): ${x.detail} at ${secs(x.at)}\n`);
        for (const c of checks) io.out(`  CHECK FAILED  ${c}\n`);
        if (unexpected.length === 0 && checks.length === 0)
          io.out(
            limits.length
              ? "  the documented limit of this mode was shown; nothing else failed\n"
              : "  ok: every invariant held\n",
          );
        if (v.html) io.out(`  timeline written to ${v.html}\n`);
      }
      return unexpected.length === 0 && checks.length === 0 ? 0 : 1;
    }
    if (v.runs === undefined && v.path === undefined)
      throw new UsageError("choose --list, --scenario NAME, --runs N, or --seed S --path P to replay");
    const runs = int("--runs", v.runs, 100);
    const seed = int("--seed", v.seed, 1);
    const jobs = v.path ? 1 : Math.max(1, int("--jobs", v.jobs, defaultJobs()));
    const witnessClass = (v.witnesses ?? "uniform") as "uniform" | "anycast";
    if (!["uniform", "anycast"].includes(witnessClass)) throw new UsageError("--witnesses uniform|anycast");
    const regions = v.regions === undefined ? undefined : (int("--regions", v.regions, 2) as 2 | 3);
    if (regions !== undefined && regions !== 2 && regions !== 3) throw new UsageError("--regions 2|3");
    const common = { safety, durationMs, witnessClass, regions, path: v.path, failsafe: v.failsafe === true };
    const flags = `${regions ? ` --regions ${regions}` : ""}${v.duration ? ` --duration ${v.duration}` : ""}${v.failsafe ? " --failsafe" : ""}`;
    if (v.kind !== undefined && v.kind !== "random" && v.kind !== "primary-loss")
      throw new UsageError("--kind random|primary-loss");
    if (v.path !== undefined) {
      // Replay exactly one reported case: same generator, seed and fast-check path.
      const kind = v.kind === "primary-loss" ? ("primaryLoss" as const) : ("random" as const);
      const one = await runRandomParallel({ ...common, runs: 1, seed, kind }, 1);
      const none = { ...one, runs: 0, violations: {}, failure: null, simulatedMs: 0, wallMs: 0 };
      const report = kind === "primaryLoss" ? summarize(none, one, flags) : summarize(one, null, flags);
      if (v.timeline || v.html) {
        const c = replayCase({ ...common, seed, kind, path: v.path });
        const config = caseConfig(safety, c, durationMs);
        const sample = v.html ? config.timing.probeIntervalMs * 2 : undefined;
        const out = await runConfig(config, expectationsFor(c, kind), sample);
        if (v.html)
          writeFileSync(
            v.html,
            timelineHtml(out.world, report.failures[0]?.replay ?? `--seed ${seed} --path ${v.path}`),
          );
        if (v.timeline && !json) io.out(timelineText(out.world));
      }
      if (json) io.out(`${JSON.stringify(report, null, 2)}\n`);
      else io.out(textReport(report));
      return report.ok ? 0 : 1;
    }
    const lossOnly = v.kind === "primary-loss";
    const randomRuns = lossOnly ? 0 : runs;
    const random = await runRandomParallel(
      { ...common, runs: randomRuns, seed, kind: "random" },
      jobs,
      progressLines(io.err, "random schedules", randomRuns),
    );
    const lossRuns = lossOnly ? runs : Math.max(1, Math.ceil(runs / 5));
    const loss = await runRandomParallel(
      { ...common, runs: lossRuns, seed: seed + 1000, kind: "primaryLoss" },
      jobs,
      progressLines(io.err, "primary-loss schedules", lossRuns),
    );
    const report = summarize(random, loss, flags);
    if (json) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else io.out(textReport(report));
    return report.ok ? 0 : 1;
  },
});

function summarize(random: Summary, loss: Summary | null, replayFlags = "") {
  const violations: Record<string, { count: number; examples: unknown[] }> = {};
  for (const s of [random, loss]) {
    if (!s) continue;
    for (const [k, x] of Object.entries(s.violations)) {
      const slot = violations[k] ?? { count: 0, examples: [] };
      slot.count += x.count;
      slot.examples.push(...x.examples.map((e) => ({ ...e, fastCheckSeed: s.seed, kind: s.kind })));
      violations[k] = slot;
    }
  }
  const wallMs = random.wallMs + (loss?.wallMs ?? 0);
  const simulatedMs = random.simulatedMs + (loss?.simulatedMs ?? 0);
  const failures = [
    random.failure ? { ...random.failure, kind: "random" } : null,
    loss?.failure ? { ...loss.failure, kind: "primary-loss" } : null,
  ].filter((f) => f !== null);
  return {
    safety: random.safety,
    witnessClass: random.witnessClass,
    seed: random.seed,
    runs: { random: random.runs, primaryLoss: loss?.runs ?? 0, total: random.runs + (loss?.runs ?? 0) },
    violations,
    promotionMsAfterPrimaryLoss: loss?.promotionMs ?? null,
    // Which bound invariant 5 checked those times against, and how close they came (docs/safety.md).
    promotionBound: loss?.promotionBound ?? null,
    transitionsPerRun: random.transitionsPerRun,
    resumedWaits: {
      count: random.resumedWaits.count + (loss?.resumedWaits.count ?? 0),
      runs: random.resumedWaits.runs + (loss?.resumedWaits.runs ?? 0),
    },
    simulatedMs,
    wallMs: Math.round(wallMs),
    simulatedToWall: Math.round(simulatedMs / wallMs),
    schedulesPerMinute: Math.round(((random.runs + (loss?.runs ?? 0)) / wallMs) * 60_000),
    failures: failures.map((f) => ({
      replay: `splitguard simulate --seed ${f.seed} --path ${f.path} --kind ${f.kind} --safety ${random.safety} --witnesses ${random.witnessClass}${replayFlags}`,
      case: f.case,
      violations: f.violations,
    })),
    ok: Object.keys(violations).length === 0,
  };
}

function textReport(r: ReturnType<typeof summarize>): string {
  const lines = [
    `simulate: safety ${r.safety}, witnesses ${r.witnessClass}, seed ${r.seed}`,
    `  runs: ${r.runs.random} random schedules + ${r.runs.primaryLoss} primary-loss schedules`,
    `  violations: ${Object.keys(r.violations).length === 0 ? "none" : ""}`,
  ];
  for (const [k, x] of Object.entries(r.violations))
    lines.push(
      `    ${k} (${INVARIANTS[k as InvariantId]}): ${x.count} runs, e.g. ${JSON.stringify(x.examples[0])}`,
    );
  const p = r.promotionMsAfterPrimaryLoss;
  if (p)
    lines.push(
      `  promotion after primary loss: p50 ${secs(p.p50)}, p99 ${secs(p.p99)}, max ${secs(p.max)} (${p.count} runs)`,
    );
  const b = r.promotionBound;
  if (b?.tightest)
    lines.push(
      `  bound checked: ${b.checks}, d = ${b.maxClockDrift}; least slack ${secs(b.tightest.slackMs)} (${secs(b.tightest.promotionMs)} of ${secs(b.tightest.boundMs)}); ${b.overZeroDriftBound} runs over the d = 0 bound${b.mostOverZeroDrift ? ` (at most by ${secs(b.mostOverZeroDrift.overMs)})` : ""}`,
    );
  lines.push(
    `  transitions per run: mean ${r.transitionsPerRun.mean.toFixed(2)}, max ${r.transitionsPerRun.max}`,
    `  restarts that resumed a promotion wait from status: ${r.resumedWaits.count} in ${r.resumedWaits.runs} runs`,
    `  simulated ${(r.simulatedMs / 3_600_000).toFixed(1)} h in ${(r.wallMs / 1000).toFixed(1)} s wall: ${r.simulatedToWall}x, ${r.schedulesPerMinute} schedules/min`,
  );
  for (const f of r.failures)
    lines.push(`  FAILED: replay with: ${f.replay}`, `    case: ${JSON.stringify(f.case)}`);
  return `${lines.join("\n")}\n`;
}
