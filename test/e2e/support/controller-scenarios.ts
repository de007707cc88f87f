// Issue 8's controller scenarios, defined once and registered per safety mode: controller.test.ts
// runs them in `witness` mode, controller-lease.test.ts in `lease` mode (plus three BIND lease
// witnesses). Two regions, each a network namespace running the real `splitguard controller`
// against its own kube-apiserver + etcd, three real unbound witnesses, real packet faults. A
// recorder samples every region's role, gate and CNPG designation and the host's answer through
// every witness every ~500 ms; the invariants are checked on the recording and every scenario adds
// a row to the report (printed; reports/<report>.{json,html}).
//
// The scenarios run in one world, in order, each starting from the state the previous one left
// (checked by `settle`): eu primary up to "primary isolated", us after it, eu after the
// switchover, us after "primary region down", eu after the failback, us after the restart.
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import { ControllerWorld, LEASE } from "./controller-world.ts";
import { sweepStale } from "./netns.ts";
import { type Check, type Sample, transitions } from "./recorder.ts";
import { scenarioKit, WITNESS_PROMOTE_BOUND_MS } from "./scenarios.ts";

export type Mode = "witness" | "lease";

/** A contender takes an unrenewed lease over only after ttl + margin over unchanged values. */
export const promoteBoundMs = (mode: Mode) =>
  mode === "lease" ? WITNESS_PROMOTE_BOUND_MS + (LEASE.ttl + LEASE.margin) * 1000 : WITNESS_PROMOTE_BOUND_MS;

/** A persisted lease attempt as a number that must never decrease (epoch, then sequence). */
const attemptRank = (s: Sample, r: string): number | undefined => {
  const a = s.regions[r]?.leaseAttempt;
  return a ? a.epoch * 1e6 + a.seq : undefined;
};

export function controllerScenarios(mode: Mode): void {
  let world: ControllerWorld;
  const report = mode === "lease" ? "e2e-controller-lease" : "e2e-controller";
  const k = scenarioKit(() => world, { mode, report, promoteBoundMs: promoteBoundMs(mode) });
  /**
   * Where a test leaves the world (the primary it settles on): a failed scenario still settles
   * there, so one failure does not cascade into the scenarios after it.
   */
  let settleAfterFailure: string | undefined;
  const lease = mode === "lease";
  /** Registers a scenario that ends with `primary` serving (settled there after a failure too). */
  const step = (title: string, primary: string | undefined, body: () => Promise<void>) =>
    it(title, async () => {
      settleAfterFailure = primary;
      await body();
      if (primary) await k.settle(primary);
    });

  describe(`controller scenarios in ${mode} mode (eu, us; w1-w3${lease ? "; BIND lease witnesses l1-l3" : ""})`, () => {
    beforeAll(async () => {
      await sweepStale();
      world = await ControllerWorld.start({
        regions: ["eu", "us"],
        witnesses: 3,
        ...(lease ? { safety: "lease", subnet: 79 } : {}),
      });
      await k.settle("eu");
    }, 240_000);

    afterEach(async (ctx) => {
      if (ctx.task.result?.state === "fail" && settleAfterFailure)
        await k.settle(settleAfterFailure).catch((e) => console.log(`settling after a failure: ${e}`));
      settleAfterFailure = undefined;
    }, 90_000);

    afterAll(async () => {
      if (k.rows.length) {
        k.writeReports();
        console.log(
          `\n${mode} mode, promotion bound ${k.PROMOTE_BOUND_MS / 1000} s\n${k.table()}\n(reports/${report}.json, reports/${report}.html)`,
        );
      }
      await world?.stop();
    }, 60_000);

    // Steady state once, in witness mode; lease mode's partition scenario holds eu writable too.
    if (!lease)
      step("normal: eu writable, us following, no transition, every witness answers eu", "eu", () =>
        k.scenario("normal", "no transition, no promotion, answers eu", async (rec) => {
          await k.sleep(10_000);
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
        }),
      );

    step("inter-region partition, witnesses reachable from both: no promotion, eu keeps serving", "eu", () =>
      k.scenario(
        "eu–us partition",
        `no promotion; eu keeps ${lease ? "its lease" : "quorum"} and stays writable`,
        (rec) => k.holdNoPromotion(rec, "cut eu<->us", () => world.topology.cut("eu", "us"), true),
      ),
    );

    step("standby isolated: no promotion, eu keeps serving", "eu", () =>
      // eu loses the direct acknowledgement from us; it keeps serving on its self-quorum through
      // the witnesses (in lease mode on its renewals), which must not wait on us's silent
      // nameserver: the delegations are served with a one-hour TTL and `settle` warms every
      // witness with them after its flush (docs/e2e.md, "standby isolated").
      k.scenario("standby isolated", "no promotion; us loses quorum; eu stays writable", (rec) =>
        k.holdNoPromotion(rec, "isolate us", () => world.topology.isolate("us"), true),
      ),
    );

    if (!lease)
      step(
        "witness outage: no promotion, and eu keeps serving (us acknowledges it directly, so it never fences)",
        "eu",
        () =>
          k.scenario("witness outage", "no promotion; eu keeps serving", (rec) =>
            k.holdNoPromotion(
              rec,
              "isolate w1, w2, w3",
              async () => {
                for (const w of world.witnesses) await world.topology.isolate(w);
              },
              true,
            ),
          ),
      );

    step("asymmetric loss: 30 % us<->witnesses, 30 % eu->us one way: no promotion", "eu", () =>
      k.scenario("asymmetric loss", "no promotion; eu keeps its quorum and stays writable", (rec) =>
        k.holdNoPromotion(
          rec,
          "loss 0.3 us<->w1..w3, loss 0.3 eu->us",
          async () => {
            for (const w of world.witnesses) await world.topology.loss("us", w, 0.3);
            await world.topology.loss("eu", "us", 0.3, "oneWay");
          },
          true,
        ),
      ),
    );

    if (!lease)
      step(
        "one witness flapping (w1 isolated and healed every 2 s): no promotion, eu keeps serving",
        "eu",
        async () => {
          let flapping = true;
          let loop: Promise<void> | undefined;
          const flap = async () => {
            for (let cut = true; flapping; cut = !cut) {
              if (cut) await world.topology.isolate("w1");
              else
                for (const b of world.topology.nodeNames) if (b !== "w1") await world.topology.heal("w1", b);
              await k.sleep(2_000);
            }
          };
          try {
            await k.scenario(
              "one witness flapping",
              "no promotion; eu keeps its quorum and stays writable",
              (rec) =>
                k.holdNoPromotion(
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
        },
      );

    if (lease)
      step(
        "lease witness outage: eu cannot renew and fences, us cannot acquire: no promotion, never two writable",
        "eu",
        () =>
          k.scenario(
            "lease witness outage",
            "no promotion of us; eu may fence (no lease), never two writable",
            (rec) =>
              k.holdNoPromotion(
                rec,
                "isolate l1, l2, l3",
                async () => {
                  for (const l of world.leaseWitnesses) await world.topology.isolate(l);
                },
                false,
              ),
          ),
      );

    step(
      `primary isolated from everything: eu ${lease ? "cannot renew and fences at its lease's end, us takes the lease over" : "fences, us promotes"} within the bound, DNS follows; eu rejoins as standby`,
      "us",
      () =>
        k.scenario(
          "primary isolated",
          `eu fences, us ${lease ? "takes the lease and " : ""}promotes, answers switch to us`,
          async (rec) => {
            const faultAt = rec.mark("isolate eu");
            await world.topology.isolate("eu");
            await k.awaitPromotion(rec, "us");
            rec.mark("heal, flush witnesses");
            await world.topology.heal();
            await k.rejoinAsStandby(rec, "eu");
            return { faultAt, standby: "us", promotes: true, newTarget: world.target.us };
          },
        ),
    );

    step("planned switchover back to eu with the CNPG demotion token", "eu", () =>
      k.scenario(
        "planned switchover",
        // Lease mode: us does not give the lease back (nothing releases it), so eu takes it over
        // only after ttl + margin over unchanged values (docs/e2e.md, "Planned switchover takes
        // the lease's time").
        `us demotes${lease ? " (keeping the lease until it expires)" : ""}, eu promotes with us's token${lease ? " once the lease is its" : ""}, answers switch to eu`,
        (rec) => k.switchover(rec, "us", "eu", "switchover-to-eu"),
      ),
    );

    step("primary region down (controller and responder killed): us promotes within the bound", "us", () =>
      k.scenario(
        "primary region down",
        `us ${lease ? "takes the lease over and " : ""}promotes, answers switch to us`,
        async (rec) => {
          const faultAt = rec.mark("kill eu's controller (region down)");
          await world.killController("eu", { regionDown: true });
          await k.awaitPromotion(rec, "us");
          return { faultAt, standby: "us", promotes: true, newTarget: world.target.us };
        },
      ),
    );

    step("failback: eu returns, follows us, then a planned switchover makes it primary again", "eu", () =>
      k.scenario(
        "failback",
        "eu returns as standby (never writable beside us), then takes over by switchover",
        async (rec) => {
          rec.mark("eu back: new pods, controller restarted");
          await world.restoreRegion("eu");
          await k.rejoinAsStandby(rec, "eu");
          return k.switchover(rec, "us", "eu", "failback-to-eu");
        },
      ),
    );

    step(
      "controller restart during promotion: us's controller killed mid-wait; the restarted one does not shorten the wait",
      undefined,
      () =>
        k.scenario(
          "controller restart during promotion",
          `us promotes after the full wait despite the restart${lease ? "; its lease attempts never go back" : ""}`,
          async (rec) => {
            const faultAt = rec.mark("kill eu's controller (region down)");
            await world.killController("eu", { regionDown: true });
            await k.waitSample(
              rec,
              "us starts promoteAfter",
              30_000,
              (s) => s.regions.us?.timer === "promoteAfter",
            );
            await k.sleep(3_000);
            rec.mark("kill us's controller");
            await world.killController("us");
            await k.sleep(1_000);
            const restartAt = rec.mark("restart us's controller");
            await world.startController("us");
            await k.awaitPromotion(rec, "us", 10_000);
            const extra: Check[] = [];
            if (lease) {
              // The lease driver restores the highest value it ever attempted from status
              // (status.lease.lastAttempt) so a restart never writes a value twice: the recorded
              // attempts must never go back, and the takeover after the restart must be a new one.
              let high = 0;
              let back: Sample | undefined;
              for (const s of rec.samples) {
                const r = attemptRank(s, "us");
                if (r === undefined) continue; // an API error: no status in this sample
                if (r < high) back ??= s;
                high = Math.max(high, r);
              }
              const before = Math.max(
                0,
                ...rec.samples.filter((s) => s.t < restartAt).map((s) => attemptRank(s, "us") ?? 0),
              );
              const last = attemptRank(rec.samples.at(-1)!, "us") ?? 0;
              extra.push({
                name: "us's lease attempts never go back across the restart",
                ok: back === undefined,
                detail: back === undefined ? "monotonic" : `went back at ${(back.t / 1000).toFixed(1)} s`,
              });
              extra.push({
                name: "the restarted controller took the lease with a new attempt",
                ok: last > before,
                detail: `highest before the restart ${before}, at the end ${last} (epoch·10⁶ + seq)`,
              });
            }
            return {
              faultAt,
              standby: "us",
              promotes: true,
              boundMs: k.PROMOTE_BOUND_MS + 10_000,
              newTarget: world.target.us,
              extra,
            };
          },
        ),
    );
  });
}
