// One worker thread of runRandomParallel: progress messages while it runs, then its summary.
import { parentPort, workerData } from "node:worker_threads";
import type { JobOptions, WorkerMessage } from "./parallel.ts";
import { runRandom } from "./runner.ts";

const post = (m: WorkerMessage) => parentPort!.postMessage(m);
const o = workerData as JobOptions;
const summary = await runRandom({
  ...o,
  // Every 1% of this worker's share (at least every run): 100 messages whatever the count.
  onRun: (done, failed) => {
    if (done === o.runs || done % Math.max(1, Math.floor(o.runs / 100)) === 0)
      post({ type: "progress", done, failed });
  },
});
post({ type: "summary", summary });
