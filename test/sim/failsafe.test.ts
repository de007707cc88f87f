// The lease failsafe (lease.failsafe: true) under random fault schedules: it must never let two
// regions be writable at once. Split brain (invariants 1 and 2) and run errors (0) must be zero;
// the liveness findings that random lease runs hit with or without the failsafe (docs/safety.md,
// "Open findings") are printed, not asserted here. The long run: `splitguard simulate --runs N
// --safety lease --failsafe` (figures in docs/lease-witnesses.md).
import { describe, expect, it } from "vitest";
import { runRandom } from "../../simulations/runner.ts";

const RUNS = Number(process.env.SIM_RUNS ?? 100);
const SEED = Number(process.env.SIM_SEED ?? 20261121);

describe("lease failsafe, random fault schedules", () => {
  for (const witnessClass of ["uniform", "anycast"] as const)
    it(`${witnessClass} witnesses: no split brain with the failsafe on`, async () => {
      const s = await runRandom({
        safety: "lease",
        failsafe: true,
        runs: Math.ceil(RUNS / 4),
        seed: SEED,
        durationMs: 3_600_000,
        kind: "random",
        witnessClass,
      });
      const counts = Object.fromEntries(Object.entries(s.violations).map(([k, v]) => [k, v.count]));
      console.log(`failsafe ${witnessClass}: ${s.runs} runs, violations ${JSON.stringify(counts)}`);
      expect(s.runs).toBe(Math.ceil(RUNS / 4));
      expect(s.violations["0-run-completes"]).toBeUndefined();
      expect(s.violations["1-single-writer"]).toBeUndefined();
      expect(s.violations["2-fence-before-promote"]).toBeUndefined();
    });
});
