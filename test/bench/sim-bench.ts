// Benchmark (not a test): how many simulated one-hour schedules per minute this machine runs,
// lease mode, random fault schedules, one worker per core. Prints the figure.
import { cpus } from "node:os";
import { defaultJobs, runRandomParallel } from "../../simulations/parallel.ts";

const runs = Number(process.argv[2] ?? 2000);
const jobs = defaultJobs();
const t0 = performance.now();
const s = await runRandomParallel(
  { safety: "lease", runs, seed: 7, durationMs: 3_600_000, kind: "random", witnessClass: "uniform" },
  jobs,
);
const wall = performance.now() - t0;
const perMinute = Math.round((s.runs / wall) * 60_000);
console.log(
  `bench:sim: ${s.runs} simulated one-hour schedules (lease mode, random faults) in ${(wall / 1000).toFixed(1)} s on ${jobs} workers (${cpus().length} cores): ${perMinute} schedules per minute, ${Math.round(s.simulatedMs / wall)}x real time; violations: ${Object.keys(s.violations).length === 0 ? "none" : JSON.stringify(s.violations)}`,
);
