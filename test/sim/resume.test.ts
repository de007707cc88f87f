// The resumed promotion wait (src/runtime/resume-wait.ts) under the simulator's restarts: every
// controller (re)start restores from the status its region last wrote (written on change or every
// 30 s, as the region runtime does) through resumeWait. Restart-heavy random schedules must break
// no invariant, and every resumed wait that promoted must have left the fresh minimum to rounds
// after the restart. A bounded count here; the long runs are `splitguard simulate --runs N`.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { caseConfig, restartHeavyArb } from "../../simulations/generate.ts";
import { settleMs } from "../../simulations/invariants.ts";
import { expectationsFor, runConfig } from "../../simulations/runner.ts";
import { findScenario } from "../../simulations/scenarios.ts";
import { baseConfig, type Safety } from "../../simulations/sim-config.ts";
import { World } from "../../simulations/world.ts";
import { freshMinimumMs } from "../../src/runtime/resume-wait.ts";

const H = 3_600_000;
const RUNS = Math.ceil(Number(process.env.SIM_RUNS ?? 100) / 4);
const SEED = Number(process.env.SIM_SEED ?? 20261121);

const modes: { safety: Safety; witnessClass: "uniform" | "anycast" }[] = [
  { safety: "witness", witnessClass: "uniform" },
  { safety: "lease", witnessClass: "uniform" },
  { safety: "lease", witnessClass: "anycast" },
];

describe("restart-heavy schedules: resumed promotion waits", () => {
  for (const { safety, witnessClass } of modes)
    it(`${safety}, ${witnessClass} witnesses: no invariant violated, fresh minimum kept after every resume`, async () => {
      const settle = settleMs(new World(baseConfig({ safety })));
      let resumed = 0;
      let promotedAfterResume = 0;
      await fc.assert(
        fc.asyncProperty(restartHeavyArb({ durationMs: H, witnessClass, settleMs: settle }), async (c) => {
          const out = await runConfig(caseConfig(safety, c, H), expectationsFor(c, "random"));
          expect(out.violations).toEqual([]);
          const w = out.world;
          const t = w.cfg.timing;
          const fresh = freshMinimumMs(t, t.marginMs);
          resumed += w.resumes.length;
          for (const r of w.resumes) {
            expect(r.creditMs).toBeGreaterThan(0);
            expect(r.creditMs).toBeLessThanOrEqual(t.promoteAfterMs - fresh);
            // The incarnation that resumed promoted no sooner than the fresh minimum after its
            // start (on its own clock, up to maxClockDrift fast against real time).
            for (const p of w.promotions.filter(
              (x) => x.automatic && x.region === r.region && x.incarnation === r.incarnation,
            )) {
              promotedAfterResume += 1;
              expect(p.at - r.at).toBeGreaterThanOrEqual(fresh / (1 + w.cfg.lease.maxClockDrift));
            }
          }
        }),
        { numRuns: RUNS, seed: SEED, verbose: 1, endOnFailure: true },
      );
      console.log(
        `resume ${safety}/${witnessClass}: ${RUNS} runs, ${resumed} resumed waits, ${promotedAfterResume} promotions by a resumed incarnation`,
      );
      // The schedules must reach the path they are here for.
      expect(resumed).toBeGreaterThan(0);
    });
});

describe("restart-mid-suspecting", () => {
  const sc = findScenario("restart-mid-suspecting")!;
  for (const safety of ["witness", "lease"] as const)
    it(`${safety}: resumes, promotes sooner than a whole new wait, within the bound`, async () => {
      const built = sc.build(safety);
      const out = await runConfig(built.config, built.expect);
      expect(out.violations).toEqual([]);
      expect(sc.check!(out.world)).toEqual([]);
      const r = out.world.resumes.find((x) => x.region === "us")!;
      const p = out.world.promotions.find((x) => x.region === "us")!;
      const loss = built.config.faults[0]!.at;
      console.log(
        `restart-mid-suspecting ${safety}: credit ${r.creditMs} ms, unwritten ${Math.round(r.unevidencedMs)} ms, promoted ${Math.round(p.at - r.at)} ms after the restart, ${Math.round(p.at - loss)} ms after the loss`,
      );
    });
});
