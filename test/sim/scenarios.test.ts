// Every named scenario (and every regression found by the random runs) in every safety mode.
import { describe, expect, it } from "vitest";
import { runConfig } from "../../simulations/runner.ts";
import { allScenarios, findScenario } from "../../simulations/scenarios.ts";

describe("named scenarios", () => {
  for (const sc of allScenarios())
    for (const safety of ["witness", "lease", "manual"] as const)
      it(`${sc.name} (${safety})`, async () => {
        const { config, expect: x } = sc.build(safety);
        const out = await runConfig(config, x);
        const known = new Set(sc.knownLimits?.[safety] ?? []);
        expect(out.violations.filter((v) => !known.has(v.invariant))).toEqual([]);
        expect(sc.check?.(out.world) ?? []).toEqual([]);
      });

  it("anycast-geo-partition: witness mode reports the split brain, lease mode has none", async () => {
    const sc = findScenario("anycast-geo-partition")!;
    const w = await runConfig(sc.build("witness").config, {});
    expect(w.violations.map((v) => v.invariant)).toContain("1-single-writer");
    expect(w.world.overlaps.length).toBeGreaterThan(0);
    const l = await runConfig(sc.build("lease").config, {});
    expect(l.violations).toEqual([]);
    expect(l.world.overlaps).toEqual([]);
  });

  it("restart-mid-promotion: exactly one promotion is asked of CNPG per epoch", async () => {
    const sc = findScenario("restart-mid-promotion")!;
    const out = await runConfig(sc.build("witness").config, {});
    const epochs = out.world.promotions.map((p) => p.epoch);
    expect(new Set(epochs).size).toBe(1);
    expect(out.world.final.get("us")!.writable).toBe(true);
  });
});
