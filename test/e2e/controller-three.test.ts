// Issue 8's three-region variant at controller level (witness mode): eu, us and ap in that
// priority order, each a namespace running the real `splitguard controller` against its own
// kube-apiserver + etcd, three unbound witnesses. When the primary region goes down, both standbys
// see it lost, but only the next in priority (us) may promote: ap sees us alive, and a standby
// promotes only when every higher-priority region is lost too (docs/state-machine.md).
import { afterAll, beforeAll, describe, it } from "vitest";
import { ControllerWorld } from "./support/controller-world.ts";
import { sweepStale } from "./support/netns.ts";
import { firstAt } from "./support/recorder.ts";
import { scenarioKit } from "./support/scenarios.ts";

let world: ControllerWorld;
const report = "e2e-controller-three";
const { rows, scenario, settle, awaitPromotion, table, writeReports } = scenarioKit(() => world, {
  mode: "witness",
  report,
});

describe("controller scenarios with three regions (eu > us > ap; w1-w3)", () => {
  beforeAll(async () => {
    await sweepStale();
    world = await ControllerWorld.start({ regions: ["eu", "us", "ap"], witnesses: 3, subnet: 80 });
    await settle("eu");
  }, 240_000);

  afterAll(async () => {
    if (rows.length) {
      writeReports();
      console.log(`\nthree regions\n${table()}\n(reports/${report}.json, reports/${report}.html)`);
    }
    await world?.stop();
  }, 60_000);

  it("primary region down: only the next region in priority (us) promotes; ap keeps following", async () => {
    await scenario(
      "primary region down, three regions",
      "us promotes, ap never; answers switch to us",
      async (rec) => {
        const faultAt = rec.mark("kill eu's controller (region down)");
        await world.killController("eu", { regionDown: true });
        await awaitPromotion(rec, "us");
        const s = rec.samples;
        const apPrimary = firstAt(s, faultAt, (x) => x.regions.ap?.cnpgPrimary === "pg-ap");
        const last = s.at(-1);
        return {
          faultAt,
          standby: "us",
          promotes: true,
          newTarget: world.target.us,
          extra: [
            {
              name: "ap never designated primary",
              ok: apPrimary === undefined,
              detail:
                apPrimary === undefined ? `${s.length} samples` : `at ${(apPrimary / 1000).toFixed(1)} s`,
            },
            {
              name: "ap follows at the end",
              ok: last?.regions.ap?.state === "standby.following",
              detail: last?.regions.ap?.state ?? "no sample",
            },
          ],
        };
      },
    );
  });
});
