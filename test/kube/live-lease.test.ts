// Lease mode (DESIGN §5) through the live controllers: the world of live-regions.test.ts (two API
// servers, two live controllers, three unbound witnesses; responders on 127.0.0.91 / .92:53,
// witnesses on 127.0.0.93-95) with the FailoverService in `safety: lease` and three real BIND 9
// RFC 2136 lease witnesses on 127.0.0.1 (each on its own port: BIND listens only on addresses of
// an interface, and lo carries 127.0.0.1). The lease records are read from the BIND servers
// themselves with signed queries (transportFor), the lease fields from the status.
//
// Timing (passes the timing rule and the lease rule): probe every 2 s, timeout 1.5 s, fenceAfter
// 4 s, margin 1 s, promoteAfter 12 s; lease.ttl 12 s (ttl/3 = 4 s > 2·1.5 s), lease.margin 2 s
// (≥ 2·12·0.01/0.99 + 1.5·1.01 = 1.76 s). A contender waits ttl + margin = 14 s over unchanged
// values before it takes the lease over.
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { LeaseValue } from "../../src/core/lease-transport.ts";
import {
  type RunningWitness,
  randomKey,
  startWitness,
  TEST_KEY_NAME,
  TEST_ZONE,
  transportFor,
} from "../support/witness-servers.ts";
import { dig, LiveWorld, NS, ZONE } from "./support/live-world.ts";
import { events, gates, until } from "./support/regions.ts";

const ADDR = { eu: "127.0.0.91", us: "127.0.0.92" } as const;
const TARGET = { eu: "192.0.2.10", us: "198.51.100.20" } as const;
const PROMOTE_AFTER_S = 12;
const LEASE_TTL_S = 12;
const LEASE_MARGIN_S = 2;

const key = randomKey(TEST_KEY_NAME);
const leaseWitnesses: RunningWitness[] = [];
let w: LiveWorld;

/** The lease record of service db on each BIND lease witness, read directly from it (TSIG-signed). */
async function records(): Promise<(LeaseValue | string)[]> {
  return Promise.all(
    leaseWitnesses.map(async (l) => {
      const r = await transportFor(l).read("db", 1000);
      return r.kind === "value" ? r.value : r.kind === "absent" ? "absent" : `error: ${r.reason}`;
    }),
  );
}

beforeAll(async () => {
  for (const n of ["l1", "l2", "l3"])
    leaseWitnesses.push(await startWitness(n, "bind", "127.0.0.1", key, TEST_ZONE));
  const lease = `lease:
  ttl: ${LEASE_TTL_S}
  margin: ${LEASE_MARGIN_S}
  witnesses:
${leaseWitnesses.map((l) => `    - { name: ${l.name}, address: "127.0.0.1:${l.input.port}", zone: ${TEST_ZONE}, keyName: ${TEST_KEY_NAME}, keyFile: ./lease.key }`).join("\n")}
`;
  w = new LiveWorld({
    addr: ADDR,
    target: TARGET,
    witnesses: ["127.0.0.93", "127.0.0.94", "127.0.0.95"],
    promoteAfterS: PROMOTE_AFTER_S,
    fsSpec: { safety: "lease" },
    extraConfig: lease,
    files: { "lease.key": `${key.secret.toString("base64")}\n` },
  });
  await w.start();
}, 240_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") console.log(w.logs.join("\n"));
});

afterAll(async () => {
  await w?.stop();
  await Promise.allSettled(leaseWitnesses.map((l) => l.kill()));
});

it("both healthy: eu holds the lease at epoch 1 on every BIND witness and serves; us follows", async () => {
  await w.untilSteady((e) => e.lease?.holder === "eu");
  const recs = await records();
  expect(recs).toEqual([0, 1, 2].map(() => expect.objectContaining({ holder: "eu", epoch: 1 })));
  const e = await w.status("eu");
  expect(e).toMatchObject({ role: "primary", epoch: 1, lease: { holder: "eu", epoch: 1 } });
  expect(Date.parse(e.lease!.holdUntil!)).toBeGreaterThan(Date.now());
  // us reads the same lease (a standby only observes; its first read may predate eu's write).
  const u = await until("us's status shows the lease held by eu at epoch 1", 15_000, async () => {
    const s = await w.status("us");
    return s.lease?.holder === "eu" && s.lease.epoch === 1 ? s : undefined;
  });
  expect(u).toMatchObject({ role: "standby", epoch: 1, lease: { holdUntil: null } });
  expect(await dig(ADDR.us, `db.${ZONE}`)).toEqual([TARGET.eu]);
  expect(await gates(w.envs.eu.admin, NS)).toEqual(["True", "True"]);
  expect(await gates(w.envs.us.admin, NS)).toEqual(["False", "False"]);
  console.log(`both healthy (lease): records ${JSON.stringify(recs)}`);
}, 120_000);

it("eu's controller stopped: us waits promoteAfter, takes the lease over at epoch 2, then promotes pg-us", async () => {
  const before = await records();
  // Until when eu believed it held the lease, as it last wrote it to status (its actual last
  // renewal is this one or a later one: its belief ended no earlier than this).
  const euHoldUntil = Date.parse((await w.status("eu")).lease!.holdUntil!);
  const stoppedAt = Date.now();
  await w.stopRegion("eu");

  const suspect = await until("us suspects eu (timer promoteAfter in status)", 60_000, async () => {
    const u = await w.status("us");
    return u.timer?.name === "promoteAfter" ? u : undefined;
  });
  expect(suspect.peers?.[0]).toMatchObject({ region: "eu", seen: "down" });
  const since = Date.parse(suspect.timer!.since);

  await until("pg-us promoted (spec.replica.primary = pg-us)", 90_000, async () => {
    return (await w.replica("us")).primary === "pg-us";
  });
  const promotedAt = Date.now();
  expect(promotedAt - since).toBeGreaterThanOrEqual(PROMOTE_AFTER_S * 1000);
  // The lease went first: every BIND witness holds us's record at epoch 2 (the epoch is the
  // fencing token the CNPG promotion carries).
  const after = await records();
  expect(after).toEqual([0, 1, 2].map(() => expect.objectContaining({ holder: "us", epoch: 2 })));
  // The contender waited ttl + margin over eu's last value: eu's belief had ended before.
  expect(promotedAt).toBeGreaterThan(euHoldUntil);
  const u = await until("us's status shows its own lease at epoch 2", 10_000, async () => {
    const s = await w.status("us");
    return s.lease?.holder === "us" && s.lease.epoch === 2 ? s : undefined;
  });
  expect(Date.parse(u.lease!.holdUntil!)).toBeGreaterThan(promotedAt);

  // CNPG's part: the promoted cluster reports its new primary; the gate opens under the lease.
  await w.cnpgPromoted("us");
  await until("us primary.serving at epoch 2", 30_000, async () => {
    const s = await w.status("us");
    return s.state === "primary.serving" && s.epoch === 2;
  });
  await until(
    "us answers its own target",
    15_000,
    async () => (await dig(ADDR.us, `db.${ZONE}`)).join() === TARGET.us,
  );
  expect(await gates(w.envs.us.admin, NS)).toEqual(["True", "True"]);
  const evs = (await events(w.envs.us.admin, NS)).map((e) => e.reason);
  expect(evs).toEqual(expect.arrayContaining(["Promoting", "Promoted"]));
  console.log(
    `lease: eu stopped -> us timer after ${((since - stoppedAt) / 1000).toFixed(1)} s; pg-us promoted ` +
      `${((promotedAt - stoppedAt) / 1000).toFixed(1)} s after the stop (${((promotedAt - since) / 1000).toFixed(1)} s ` +
      `after the timer started; promoteAfter ${PROMOTE_AFTER_S} s, ttl + margin ${LEASE_TTL_S + LEASE_MARGIN_S} s; ` +
      `${((promotedAt - euHoldUntil) / 1000).toFixed(1)} s after eu's last published holdUntil); ` +
      `records before ${JSON.stringify(before)} after ${JSON.stringify(after)}`,
  );
}, 180_000);

it("eu's controller returns: it finds us holding the lease at epoch 2, follows it and never writes the lease", async () => {
  expect((await w.replica("eu")).primary, "pg-eu still primary (stopped, not demoted)").toBe("pg-eu");
  const t0 = Date.now();
  await w.startRegion("eu");
  await until("eu standby.following us at epoch 2", 60_000, async () => {
    const e = await w.status("eu");
    return e.state === "standby.following" && e.primary === "us" && e.epoch === 2;
  });
  const followMs = Date.now() - t0;
  expect((await w.replica("eu")).primary, "pg-eu re-pointed at the new primary").toBe("pg-us");
  expect(await gates(w.envs.eu.admin, NS)).toEqual(["False", "False"]);
  await until("eu's status shows the lease held by us at epoch 2", 10_000, async () => {
    const l = (await w.status("eu")).lease;
    return l?.holder === "us" && l.epoch === 2;
  });
  // The returning region never took the lease back: every record is still us's at epoch 2.
  expect(await records()).toEqual([0, 1, 2].map(() => expect.objectContaining({ holder: "us", epoch: 2 })));
  await until("both regions answer us's target", 15_000, async () => {
    const [a, b] = await Promise.all([dig(ADDR.eu, `db.${ZONE}`), dig(ADDR.us, `db.${ZONE}`)]);
    return a.join() === TARGET.us && b.join() === TARGET.us;
  });
  expect((await w.status("us")).state).toBe("primary.serving");
  // No region ever ran primary.serving at the same epoch as another: eu's log shows no return to
  // primary.serving after its restart.
  expect(w.transitions("eu").filter((l) => / -> primary\.serving/.test(l))).toHaveLength(1);
  console.log(
    `lease: eu restarted -> following us (gate closed, pg-eu re-pointed) after ${(followMs / 1000).toFixed(1)} s`,
  );
}, 120_000);
