// The promotion bound under clock drift (docs/safety.md): the simulator checks
// (promoteAfter + 2*probeInterval)/(1-d) + actuation; at d = 0 that is exactly the issue's
// promoteAfter + 2*probeInterval + actuation, and a standby whose clock runs slow needs the /(1-d).
import { describe, expect, it } from "vitest";
import { caseConfig } from "../../simulations/generate.ts";
import { PROMOTION_BOUND, promotionBoundMs } from "../../simulations/invariants.ts";
import { addBoundRun, mergeBoundFigures, noBoundFigures } from "../../simulations/promotion-bound.ts";
import { runConfig } from "../../simulations/runner.ts";
import { findScenario } from "../../simulations/scenarios.ts";
import { baseConfig, minPromoteAfterMs } from "../../simulations/sim-config.ts";

const MIN = 60_000;

describe("promotion bound", () => {
  it("reads as the issue's bound at d = 0 and grows by the slow clock's share at d", () => {
    const w = { cfg: baseConfig({ safety: "witness" }) } as Parameters<typeof promotionBoundMs>[0];
    const t = w.cfg.timing;
    const actuation = w.cfg.actuation.promoteMs + w.cfg.actuation.gateMs;
    expect(promotionBoundMs(w, 0)).toBe(t.promoteAfterMs + 2 * t.probeIntervalMs + actuation);
    expect(promotionBoundMs(w)).toBeCloseTo(
      (t.promoteAfterMs + 2 * t.probeIntervalMs) / (1 - w.cfg.lease.maxClockDrift) + actuation,
      6,
    );
    expect(PROMOTION_BOUND).toContain("/(1-d)");
  });

  // Every clock at rate 1: the drift-free bound must hold by itself, in both automatic modes, for
  // promoteAfter at the timing rule's minimum and at the default, whatever the phase of the loss.
  for (const safety of ["witness", "lease"] as const)
    it(`${safety}: with no drift every promotion is within promoteAfter + 2*probeInterval + actuation`, async () => {
      for (const tight of [false, true])
        for (const lossAt of [10 * MIN + 1_234, 17 * MIN + 4_321]) {
          const base = baseConfig({
            safety,
            seed: lossAt,
            faults: [{ kind: "crash", region: "eu", at: lossAt, for: 10 * 3_600_000 }],
          });
          const promoteAfterMs = tight ? minPromoteAfterMs(base.timing) : base.timing.promoteAfterMs;
          const cfg = { ...base, timing: { ...base.timing, promoteAfterMs } };
          const out = await runConfig(cfg, { primaryLossAt: lossAt });
          expect(out.violations).toEqual([]);
          expect(out.promotionMs).not.toBeNull();
          expect(out.promotionMs!).toBeLessThanOrEqual(promotionBoundMs(out.world, 0));
        }
    });

  it("a standby clock 1% slow needs the drift term: over the d = 0 bound, within the checked one", async () => {
    const sc = findScenario("regression-witness-slow-clock-bound")!;
    const { config, expect: x } = sc.build("witness");
    const out = await runConfig(config, x);
    expect(out.violations).toEqual([]);
    expect(out.promotionMs!).toBeGreaterThan(promotionBoundMs(out.world, 0));
    expect(out.promotionMs!).toBeLessThanOrEqual(promotionBoundMs(out.world));
    const f = addBoundRun(noBoundFigures(), out.world, 1, out.promotionMs!);
    expect(f.overZeroDriftBound).toBe(1);
    expect(f.mostOverZeroDrift!.overMs).toBeCloseTo(out.promotionMs! - promotionBoundMs(out.world, 0), 6);
    expect(f.tightest!.standbyClockRate).toBe(0.99);
  });

  it("merged figures keep the least slack and the largest excess, and add the counts", async () => {
    const c = {
      seed: 5,
      regions: 2 as const,
      witnessClass: "uniform" as const,
      clockRate: { eu: 1, us: 1 },
      promoteAfter: "default" as const,
      infraCacheMs: 0,
      faults: [{ kind: "crash" as const, region: "eu", at: 600_000, for: 7_200_000 }],
    };
    const out = await runConfig(caseConfig("witness", c, 3_600_000), { primaryLossAt: 600_000 });
    const a = addBoundRun(noBoundFigures(), out.world, 5, out.promotionMs!);
    const b = addBoundRun(noBoundFigures(), out.world, 6, promotionBoundMs(out.world, 0) + 10);
    const m = mergeBoundFigures(a, b);
    expect(m.runs).toBe(2);
    expect(m.overZeroDriftBound).toBe(1);
    expect(m.tightest!.seed).toBe(6);
    expect(m.mostOverZeroDrift!.seed).toBe(6);
    expect(mergeBoundFigures(b, a)).toEqual(m);
  });
});
