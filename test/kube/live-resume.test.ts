// A standby's controller restarted in the middle of its promotion wait resumes it from the
// FailoverService status on a real API server, counting only evidenced time
// (src/runtime/resume-wait.ts, docs/state-machine.md "A standby's promotion wait across a
// restart"). The world of live-regions.test.ts (support/live-world.ts; responders on
// 127.0.0.101/102:53, unbound on 127.0.0.103-105) with promoteAfter 40 s, above the timing rule's
// minimum 4 + 2·2 + 2·1.5 + 1 = 12 s: the fresh minimum is 12 + 3.5 = 15.5 s, so up to 24.5 s of
// an evidenced wait carry over. Only written rounds count, so the test restarts us once status
// shows a round 20 s or more into the wait. Status is rewritten on every change and, here, every
// STATUS_REFRESH_S while nothing changes (the controller's default is 30 s): with 30 s, a change
// written 10-20 s into the wait (a witness answer late on a loaded machine) puts the next rewrite
// after the promotion at 40 s, and the test waits in vain.
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { freshMinimumMs } from "../../src/runtime/resume-wait.ts";
import { FS } from "./support/fixtures.ts";
import { LiveWorld, NS } from "./support/live-world.ts";
import { until } from "./support/regions.ts";

const PROMOTE_AFTER_S = 40;
const STATUS_REFRESH_S = 5;
const TIMING = {
  probeIntervalMs: 2_000,
  probeTimeoutMs: 1_500,
  fenceAfterMs: 4_000,
  promoteAfterMs: PROMOTE_AFTER_S * 1000,
  holdDownMs: 60_000,
};
const FRESH_MIN_MS = freshMinimumMs(TIMING, 1_000);

const w = new LiveWorld({
  addr: { eu: "127.0.0.101", us: "127.0.0.102" },
  target: { eu: "192.0.2.10", us: "198.51.100.20" },
  witnesses: ["127.0.0.103", "127.0.0.104", "127.0.0.105"],
  promoteAfterS: PROMOTE_AFTER_S,
  statusRefreshMs: STATUS_REFRESH_S * 1000,
});

beforeAll(() => w.start(), 240_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") console.log(w.logs.join("\n"));
});

afterAll(() => w.stop());

it("us's controller restarted 20 s or more into its wait for the stopped eu resumes it: promoted after the fresh minimum, not a whole promoteAfter", async () => {
  await w.untilSteady();
  await w.stopRegion("eu");
  const suspect = await until("us suspects eu (timer promoteAfter)", 60_000, async () => {
    const u = await w.status("us");
    return u.timer?.name === "promoteAfter" ? u : undefined;
  });
  const since = Date.parse(suspect.timer!.since);
  // A later round in status (a change or the refresh), the same wait.
  const written = await until("us's status rewritten with a later round", 45_000, async () => {
    const u = await w.status("us");
    const at = Date.parse((u.round as { at: string } | null)?.at ?? "");
    return u.timer?.since === suspect.timer!.since && at - since >= 20_000 ? u : undefined;
  });
  const restore = written.restore as { selfQuorumSince: string | null };
  expect(restore.selfQuorumSince, "the API server keeps restore.selfQuorumSince (CRD)").not.toBeNull();

  await w.stopRegion("us");
  const restartAt = Date.now();
  await w.startRegion("us");
  const resumed = await until("us suspecting again after the restart", 30_000, async () => {
    const u = await w.status("us");
    return u.timer?.name === "promoteAfter" && Date.parse(u.decision?.at ?? "") >= restartAt ? u : undefined;
  });
  // The resumed timer starts before the restart: the evidenced wait (capped) carried over.
  const resumedSince = Date.parse(resumed.timer!.since);
  expect(resumedSince).toBeLessThan(restartAt - 10_000);
  expect(resumedSince).toBeGreaterThanOrEqual(since);

  await until("pg-us promoted", 60_000, async () => (await w.replica("us")).primary === "pg-us");
  const fresh = Date.now() - restartAt;
  expect(fresh, "fresh rounds after the restart cover the fresh minimum").toBeGreaterThanOrEqual(
    FRESH_MIN_MS,
  );
  expect(fresh, "less than a whole promoteAfter after the restart").toBeLessThan(PROMOTE_AFTER_S * 1000);
  expect(Date.now() - since, "the whole wait, the gap included").toBeGreaterThanOrEqual(
    PROMOTE_AFTER_S * 1000,
  );
  // CNPG's part, then us serves at epoch 2.
  await w.cnpgPromoted("us");
  await until("us primary.serving at epoch 2", 30_000, async () => {
    const s = await w.status("us");
    return s.state === "primary.serving" && s.epoch === 2;
  });
  expect(((await w.envs.us.admin.get(FS(NS, "db"))).status as { role: string }).role).toBe("primary");
  console.log(
    `resume: timer started ${((restartAt - since) / 1000).toFixed(1)} s before us's restart; resumed timer since ` +
      `${((restartAt - resumedSince) / 1000).toFixed(1)} s before it; pg-us promoted ${(fresh / 1000).toFixed(1)} s ` +
      `after the restart (fresh minimum ${FRESH_MIN_MS / 1000} s, promoteAfter ${PROMOTE_AFTER_S} s), ` +
      `${((Date.now() - since) / 1000).toFixed(1)} s after the first timer started`,
  );
}, 180_000);
