// Issue 8 at controller level: two regions, each a network namespace running the real
// `splitguard controller` (responder on the region's address:53) against its own kube-apiserver +
// etcd, three real unbound witnesses in their own namespaces, and real packet faults between them.
// A recorder samples every region's role, gate and CNPG designation and the host's answer through
// every witness every ~500 ms; the invariants are checked on the recording, and every scenario
// adds a row to the report (printed; reports/e2e-controller.{json,html}).
//
// The scenarios run in one world, in order, each starting from the state the previous one left
// (checked by `settle`): eu primary for 1–6, us after 7, eu after the switchover 8, us after 9,
// eu after the failback 10, us after 11.
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import { ControllerWorld } from "./support/controller-world.ts";
import { sweepStale } from "./support/netns.ts";
import { transitions } from "./support/recorder.ts";
import { scenarioKit } from "./support/scenarios.ts";

let world: ControllerWorld;
/**
 * Where a test leaves the world (the primary it settles on): a failed scenario still settles there,
 * so one failure does not cascade into the scenarios after it.
 */
let settleAfterFailure: string | undefined;
const {
  rows,
  scenario,
  settle,
  holdNoPromotion,
  switchover,
  rejoinAsStandby,
  awaitPromotion,
  waitSample,
  sleep,
  table,
  writeReports,
  PROMOTE_BOUND_MS,
} = scenarioKit(() => world, { mode: "witness", report: "e2e-controller" });

describe("controller scenarios in witness mode (eu, us; w1-w3)", () => {
  beforeAll(async () => {
    await sweepStale();
    world = await ControllerWorld.start({ regions: ["eu", "us"], witnesses: 3 });
    await settle("eu");
  }, 240_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail" && settleAfterFailure)
      await settle(settleAfterFailure).catch((e) => console.log(`settling after a failure: ${e}`));
    settleAfterFailure = undefined;
  }, 90_000);

  afterAll(async () => {
    if (rows.length) {
      writeReports();
      console.log(`\n${table()}\n(reports/e2e-controller.json, reports/e2e-controller.html)`);
    }
    await world?.stop();
  }, 60_000);

  it("normal: eu writable, us following, no transition, every witness answers eu", async () => {
    await scenario("normal", "no transition, no promotion, answers eu", async (rec) => {
      await sleep(10_000);
      const s = rec.samples;
      return {
        faultAt: null,
        standby: "us",
        promotes: false,
        extra: [
          { name: "no transition", ok: transitions(s).length === 0, detail: `${transitions(s).length}` },
          {
            name: "every answer is eu's target",
            ok: s.every((x) => Object.values(x.dns).every((a) => a === world.target.eu)),
            detail: [...new Set(s.flatMap((x) => Object.values(x.dns)))].join(" "),
          },
        ],
      };
    });
  });

  it("inter-region partition, witnesses reachable from both: no promotion, eu keeps serving", async () => {
    settleAfterFailure = "eu";
    await scenario("eu–us partition", "no promotion; eu keeps quorum and stays writable", (rec) =>
      holdNoPromotion(rec, "cut eu<->us", () => world.topology.cut("eu", "us"), true),
    );
    await settle("eu");
  });

  it("standby isolated: no promotion", async () => {
    settleAfterFailure = "eu";
    // Not asserted: eu stays writable. It may not: eu loses the direct acknowledgement from us, and
    // when a witness resolves the zone through us's (silent) nameserver its answer on eu's own
    // heartbeat can come later than the probe timeout, so eu may lose self-quorum too and fence
    // (seen in 1 of 5 runs; docs/e2e.md). Safe, not available.
    await scenario("standby isolated", "no promotion; us loses quorum", (rec) =>
      holdNoPromotion(rec, "isolate us", () => world.topology.isolate("us"), false),
    );
    await settle("eu");
  });

  it("witness outage: no promotion, and eu keeps serving (us acknowledges it directly, so it never fences)", async () => {
    settleAfterFailure = "eu";
    await scenario("witness outage", "no promotion; eu keeps serving", (rec) =>
      holdNoPromotion(
        rec,
        "isolate w1, w2, w3",
        async () => {
          for (const w of world.witnesses) await world.topology.isolate(w);
        },
        true,
      ),
    );
    await settle("eu");
  });

  it("asymmetric loss: 30 % us<->witnesses, 30 % eu->us one way: no promotion", async () => {
    settleAfterFailure = "eu";
    await scenario("asymmetric loss", "no promotion; eu keeps its quorum and stays writable", (rec) =>
      holdNoPromotion(
        rec,
        "loss 0.3 us<->w1..w3, loss 0.3 eu->us",
        async () => {
          for (const w of world.witnesses) await world.topology.loss("us", w, 0.3);
          await world.topology.loss("eu", "us", 0.3, "oneWay");
        },
        true,
      ),
    );
    await settle("eu");
  });

  it("one witness flapping (w1 isolated and healed every 2 s): no promotion, eu keeps serving", async () => {
    settleAfterFailure = "eu";
    let flapping = true;
    let loop: Promise<void> | undefined;
    const flap = async () => {
      for (let cut = true; flapping; cut = !cut) {
        if (cut) await world.topology.isolate("w1");
        else for (const b of world.topology.nodeNames) if (b !== "w1") await world.topology.heal("w1", b);
        await sleep(2_000);
      }
    };
    try {
      await scenario("one witness flapping", "no promotion; eu keeps its quorum and stays writable", (rec) =>
        holdNoPromotion(
          rec,
          "w1 isolated and healed every 2 s",
          async () => {
            loop = flap();
          },
          true,
        ),
      );
    } finally {
      flapping = false;
      await loop;
    }
    await settle("eu");
  });

  it("primary isolated from everything: eu fences, us promotes within the bound, DNS follows; eu rejoins as standby", async () => {
    settleAfterFailure = "us";
    await scenario("primary isolated", "eu fences, us promotes, answers switch to us", async (rec) => {
      const faultAt = rec.mark("isolate eu");
      await world.topology.isolate("eu");
      await awaitPromotion(rec, "us");
      rec.mark("heal, flush witnesses");
      await world.topology.heal();
      await rejoinAsStandby(rec, "eu");
      return { faultAt, standby: "us", promotes: true, newTarget: world.target.us };
    });
    await settle("us");
  });

  it("planned switchover back to eu with the CNPG demotion token", async () => {
    settleAfterFailure = "eu";
    await scenario(
      "planned switchover",
      "us demotes, eu promotes with us's token, answers switch to eu",
      (rec) => switchover(rec, "us", "eu", "switchover-to-eu"),
    );
    await settle("eu");
  });

  it("primary region down (controller and responder killed): us promotes within the bound", async () => {
    settleAfterFailure = "us";
    await scenario("primary region down", "us promotes, answers switch to us", async (rec) => {
      const faultAt = rec.mark("kill eu's controller (region down)");
      await world.killController("eu", { regionDown: true });
      await awaitPromotion(rec, "us");
      return { faultAt, standby: "us", promotes: true, newTarget: world.target.us };
    });
    await settle("us");
  });

  it("failback: eu returns, follows us, then a planned switchover makes it primary again", async () => {
    settleAfterFailure = "eu";
    await scenario(
      "failback",
      "eu returns as standby (never writable beside us), then takes over by switchover",
      async (rec) => {
        rec.mark("eu back: new pods, controller restarted");
        await world.restoreRegion("eu");
        await rejoinAsStandby(rec, "eu");
        return switchover(rec, "us", "eu", "failback-to-eu");
      },
    );
    await settle("eu");
  });

  it("controller restart during promotion: us's controller killed mid-wait; the restarted one does not shorten the wait", async () => {
    await scenario(
      "controller restart during promotion",
      "us promotes after the full wait despite the restart",
      async (rec) => {
        const faultAt = rec.mark("kill eu's controller (region down)");
        await world.killController("eu", { regionDown: true });
        await waitSample(
          rec,
          "us starts promoteAfter",
          30_000,
          (s) => s.regions.us?.timer === "promoteAfter",
        );
        await sleep(3_000);
        rec.mark("kill us's controller");
        await world.killController("us");
        await sleep(1_000);
        rec.mark("restart us's controller");
        await world.startController("us");
        await awaitPromotion(rec, "us", 10_000);
        return {
          faultAt,
          standby: "us",
          promotes: true,
          boundMs: PROMOTE_BOUND_MS + 10_000,
          newTarget: world.target.us,
        };
      },
    );
  });
});
