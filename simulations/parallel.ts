// Random runs split over worker threads (one per core): job k runs its share with seed + k, so a
// given (runs, seed, jobs) is deterministic, and each failure still prints its own seed and path.
import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import { mergeSummaries, type RandomOptions, runRandom, type Summary } from "./runner.ts";

export type JobOptions = Omit<RandomOptions, "onRun">;

export type WorkerMessage =
  | { readonly type: "progress"; readonly done: number; readonly failed: number }
  | { readonly type: "summary"; readonly summary: Summary };

/** Runs done and runs that broke an invariant so far, over every worker. */
export type Progress = (done: number, failed: number) => void;

export async function runRandomParallel(o: JobOptions, jobs: number, progress?: Progress): Promise<Summary> {
  const n = Math.max(1, Math.min(jobs, o.runs));
  if (n === 1) return runRandom({ ...o, onRun: progress });
  const parts = Array.from({ length: n }, (_, k) => ({
    ...o,
    seed: o.seed + k,
    runs: Math.floor(o.runs / n) + (k < o.runs % n ? 1 : 0),
  }));
  const done = parts.map(() => ({ done: 0, failed: 0 }));
  const report = (k: number, d: number, f: number) => {
    done[k] = { done: d, failed: f };
    progress?.(
      done.reduce((a, x) => a + x.done, 0),
      done.reduce((a, x) => a + x.failed, 0),
    );
  };
  const t0 = performance.now();
  const results = await Promise.all(parts.map((p, k) => inWorker(p, (d, f) => report(k, d, f))));
  const merged = mergeSummaries(results);
  merged.wallMs = performance.now() - t0;
  merged.simulatedToWall = merged.simulatedMs / merged.wallMs;
  merged.seed = o.seed;
  return merged;
}

/**
 * A worker's young generation. A one-hour schedule keeps every round's end (snapshot and
 * evidence, for the status a restart reads: world.ts writeStatus) alive until its world is dropped,
 * so with the default young generation most of it survived two scavenges, was promoted and then
 * cost full collections. Measured with `npm run bench:sim` (2,000 lease schedules, 2 workers, idle
 * machine, 2026-11-22): default 1,039 per minute (223 s CPU, 560 MB peak RSS); 256 MB 1,196 per
 * minute (193 s CPU, 814 MB). At 1,000 schedules: 96 MB 988, 192 MB 1,117, 384 MB 1,173 per minute.
 */
const WORKER_YOUNG_GENERATION_MB = 256;

function inWorker(o: JobOptions, progress: Progress): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./worker.ts", import.meta.url), {
      workerData: o,
      execArgv: ["--import", "tsx"],
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    w.on("message", (m: WorkerMessage) => {
      if (m.type === "progress") progress(m.done, m.failed);
      else resolve(m.summary);
    });
    w.once("error", reject);
    w.once("exit", (code) => {
      if (code !== 0) reject(new Error(`simulation worker exited with ${code}`));
    });
  });
}

export function defaultJobs(): number {
  return Math.max(1, cpus().length);
}
