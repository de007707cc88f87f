// Issue 8 at controller level in lease mode: the world of controller.test.ts (two regions running
// the real `splitguard controller` against their own API servers, three unbound witnesses) plus
// three BIND 9 lease witnesses in their own namespaces, and the FailoverService in `safety: lease`.
// The same recorder and invariants; the promotion bound adds the lease's ttl + margin (a contender
// waits that long over unchanged values before it takes the lease over).
import { afterAll, beforeAll, describe, it } from "vitest";
import { ControllerWorld, LEASE } from "./support/controller-world.ts";
import { sweepStale } from "./support/netns.ts";
import { scenarioKit } from "./support/scenarios.ts";

let world: ControllerWorld;
const witnessBound = scenarioKit(() => world, { mode: "lease", report: "unused" }).PROMOTE_BOUND_MS;
const {
  rows,
  scenario,
  settle,
  holdNoPromotion,
  awaitPromotion,
  rejoinAsStandby,
  table,
  writeReports,
  PROMOTE_BOUND_MS,
} = scenarioKit(() => world, {
  mode: "lease",
  report: "e2e-controller-lease",
  promoteBoundMs: witnessBound + (LEASE.ttl + LEASE.margin) * 1000,
});

describe("controller scenarios in lease mode (eu, us; w1-w3; BIND lease witnesses l1-l3)", () => {
  beforeAll(async () => {
    await sweepStale();
    world = await ControllerWorld.start({ regions: ["eu", "us"], witnesses: 3, safety: "lease", subnet: 79 });
    await settle("eu");
  }, 240_000);

  afterAll(async () => {
    if (rows.length) {
      writeReports();
      console.log(
        `\n${table()}\n(reports/e2e-controller-lease.json, reports/e2e-controller-lease.html; promotion bound ${PROMOTE_BOUND_MS / 1000} s)`,
      );
    }
    await world?.stop();
  }, 60_000);

  it("inter-region partition, witnesses reachable from both: no promotion, eu keeps its lease and serves", async () => {
    await scenario("eu–us partition (lease)", "no promotion; eu renews its lease and stays writable", (rec) =>
      holdNoPromotion(rec, "cut eu<->us", () => world.topology.cut("eu", "us"), true),
    );
    await settle("eu");
  });

  it("primary isolated from everything: eu's lease runs out, us takes it over and promotes", async () => {
    await scenario("primary isolated (lease)", "eu fences, us takes the lease and promotes", async (rec) => {
      const faultAt = rec.mark("isolate eu");
      await world.topology.isolate("eu");
      await awaitPromotion(rec, "us", PROMOTE_BOUND_MS - witnessBound);
      rec.mark("heal");
      await world.topology.heal();
      await rejoinAsStandby(rec, "eu");
      return { faultAt, standby: "us", promotes: true, newTarget: world.target.us };
    });
    await settle("us");
  });

  it("lease witness outage: us cannot renew and fences, eu cannot acquire: no promotion, never two writable", async () => {
    await scenario(
      "lease witness outage",
      "no promotion of eu; us may fence (no lease), never two writable",
      (rec) =>
        holdNoPromotion(
          rec,
          "isolate l1, l2, l3",
          async () => {
            for (const l of world.leaseWitnesses) await world.topology.isolate(l);
          },
          false,
          { primary: "us", standby: "eu" },
        ),
    );
    await settle("us");
  });

  it("primary region down (us's controller killed): eu takes the lease over and promotes", async () => {
    await scenario(
      "primary region down (lease)",
      "eu takes the lease and promotes, answers switch to eu",
      async (rec) => {
        const faultAt = rec.mark("kill us's controller (region down)");
        await world.killController("us", { regionDown: true });
        await awaitPromotion(rec, "eu", PROMOTE_BOUND_MS - witnessBound);
        return { faultAt, standby: "eu", promotes: true, newTarget: world.target.eu };
      },
    );
  });
});
