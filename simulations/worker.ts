// One worker thread of runRandomParallel.
import { parentPort, workerData } from "node:worker_threads";
import type { JobOptions } from "./parallel.ts";
import { runRandom } from "./runner.ts";

const summary = await runRandom(workerData as JobOptions);
parentPort!.postMessage(summary);
