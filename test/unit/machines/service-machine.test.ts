// Hand-pinned transitions: each test names the source state, the evidence, and the target it must
// reach (or must not), and the intents it must emit. The generated path test (service-machine.graph
// .test.ts) takes its expectations from the machine; these take them from DESIGN §4 and §5.
import { describe, expect, it } from "vitest";
import { demotingReport, evidence, harness, lease, primaryReport, standbyReport } from "./fixtures.ts";

const PRIMARY = { role: "primary" as const, fenced: false, primary: "eu" };
const REPLICA = { role: "replica" as const, fenced: false, primary: "eu" };
const healthyEu = evidence("eu", { peers: { us: { direct: true, report: standbyReport() } } });
const isolatedEu = evidence("eu", { selfOk: 0, peers: { us: { vote: "unknown" } } });
const usSeesEu = evidence("us", { peers: { eu: { direct: true, report: primaryReport() } } });
const usLostEu = evidence("us", { peers: { eu: { vote: "down" } } });

function standbyUs(safety: "witness" | "lease" | "manual" = "witness", regions?: string[]) {
  const h = harness("us", { cnpg: REPLICA, safety, regions });
  h.send(usSeesEu);
  return h;
}

describe("context size", () => {
  it("stays at 19 fields or fewer (xstate copies it with Object.assign on every assign)", () => {
    // V8 gives an object built by Object.assign({}, ...) with 20 or more keys dictionary-mode
    // properties, and every assign after that is about 50 times slower: the simulator ran at two
    // thirds of its speed with 21 fields. Group new per-peer or per-lease state into an existing
    // field (as `since` does) instead of adding one.
    const h = harness("us", { cnpg: REPLICA });
    expect(Object.keys(h.ctx()).length).toBeLessThanOrEqual(19);
  });
});

describe("initializing", () => {
  it("enters primary.atRisk for CNPG primary and serves after the first healthy round", () => {
    const h = harness("eu", { cnpg: PRIMARY });
    expect(h.state()).toBe("primary.atRisk");
    h.send(healthyEu);
    expect(h.state()).toBe("primary.serving");
    expect(h.types()).toContain("openGate");
  });

  it("enters standby.following for a replica", () => {
    expect(harness("us", { cnpg: REPLICA }).state()).toBe("standby.following");
  });

  it("enters fenced for a fenced CNPG primary", () => {
    expect(harness("eu", { cnpg: { ...PRIMARY, fenced: true } }).state()).toBe("fenced");
  });

  it("resumes a promotion decided before a restart", () => {
    const restored = {
      role: "promoting" as const,
      epoch: 2,
      primary: "eu",
      lastHealthyAt: 0,
      leaseHoldUntil: 0,
      lastRoleChangeAt: null,
    };
    const h = harness("us", { cnpg: REPLICA, restored });
    expect(h.state()).toBe("standby.promoting");
  });

  it("forgets the restored status once used: a later freeze release does not resume an old promotion", () => {
    const restored = {
      role: "promoting" as const,
      epoch: 2,
      primary: "us",
      lastHealthyAt: null,
      leaseHoldUntil: null,
      lastRoleChangeAt: null,
    };
    const h = harness("us", { cnpg: REPLICA, restored });
    expect(h.state()).toBe("standby.promoting");
    expect(h.ctx().restored).toBeUndefined();
    const freeze = { action: "freeze" as const, reason: "maintenance", id: "f1" };
    h.send(evidence("us", { overrides: [freeze] }));
    expect(h.state()).toBe("frozen");
    h.send(usSeesEu);
    expect(h.state()).not.toBe("standby.promoting");
  });

  it("never lengthens the fence deadline across a restart (restored lastHealthyAt)", () => {
    const restored = {
      role: "primary" as const,
      epoch: 1,
      primary: "eu",
      lastHealthyAt: 0,
      leaseHoldUntil: 0,
      lastRoleChangeAt: null,
    };
    const h = harness("eu", { cnpg: PRIMARY, restored, at: 50_000 });
    expect(h.state()).toBe("primary.atRisk");
    h.advance(10_000); // 60 s after the last healthy round, not 60 s after the restart
    expect(h.state()).toBe("fenced");
  });
});

describe("primary", () => {
  it("serving -> atRisk on losing self-quorum and every direct ack; atRisk -> serving when it returns", () => {
    const h = harness("eu", { cnpg: PRIMARY });
    h.send(healthyEu);
    h.advance(5_000);
    h.send(isolatedEu);
    expect(h.state()).toBe("primary.atRisk");
    h.advance(5_000);
    h.send(healthyEu);
    expect(h.state()).toBe("primary.serving");
  });

  it("stays serving without witnesses while every peer answers directly", () => {
    const h = harness("eu", { cnpg: PRIMARY });
    h.send(healthyEu);
    h.rounds(
      120_000,
      evidence("eu", {
        selfOk: 0,
        peers: { us: { vote: "unknown", direct: true, report: standbyReport() } },
      }),
    );
    expect(h.state()).toBe("primary.serving");
  });

  it("atRisk -> fenced after fenceAfter: closes the gate and fences CNPG", () => {
    const h = harness("eu", { cnpg: PRIMARY });
    h.send(healthyEu);
    h.advance(5_000);
    h.send(isolatedEu);
    h.advance(54_000);
    expect(h.state()).toBe("primary.atRisk");
    h.advance(1_000);
    expect(h.state()).toBe("fenced");
    expect(h.types().slice(-5)).toEqual(["closeGate", "fenceCnpg", "leaseGoal", "publish", "emitEvent"]);
    expect(h.ctx().decision.reason).toMatch(/no self-quorum/);
  });

  it("yields to a newer epoch seen anywhere: closes the gate and demotes to follow it", () => {
    const h = harness("eu", { cnpg: PRIMARY });
    h.send(healthyEu);
    h.send(evidence("eu", { peers: { us: { direct: true, report: primaryReport(2) } } }));
    expect(h.state()).toBe("standby.following");
    expect(h.intents).toContainEqual({ type: "demoteCnpg", primary: "us", epoch: 2 });
    expect(h.ctx().epoch).toBe(2);
  });

  it("yields to a peer fenced at a newer epoch: the older primary is the stale one (never converged before)", () => {
    // regression-crash-before-first-status: eu restored nothing and served at epoch 1 while us had been
    // promoted at 2 and fenced; a fenced us resumes only when nobody claims primary.
    const h = harness("eu", { cnpg: PRIMARY });
    h.send(healthyEu);
    const fencedUs = { ...primaryReport(2), role: "fenced" as const, gate: "closed" as const };
    h.send(evidence("eu", { peers: { us: { direct: true, report: { ...fencedUs, epoch: 1 } } } }));
    expect(h.state()).toBe("primary.serving");
    h.send(evidence("eu", { peers: { us: { direct: true, report: fencedUs } } }));
    expect(h.state()).toBe("standby.following");
    expect(h.types()).toContain("closeGate");
    expect(h.types()).toContain("fenceCnpg");
    expect(h.intents).toContainEqual({ type: "demoteCnpg", primary: "us", epoch: 2 });
    expect(h.ctx().epoch).toBe(2);
  });

  it("lease mode: serves only while the lease is held; fenced at the lease's expiry", () => {
    const h = harness("eu", { cnpg: PRIMARY, safety: "lease" });
    h.actor.send({ type: "LEASE", lease: lease(true, 1, null, 30_000) });
    expect(h.state()).toBe("primary.serving");
    h.advance(20_000);
    h.actor.send({ type: "LEASE", lease: { ...lease(true, 1, null, 30_000), lastWriteOk: false } });
    expect(h.state()).toBe("primary.atRisk");
    h.advance(10_000);
    expect(h.state()).toBe("fenced");
  });
});

describe("lease failsafe (lease.failsafe, DESIGN §5)", () => {
  const TTL = 30_000;
  /** eu primary whose lease (held until 30 s) stops renewing at 20 s. */
  function lapsing(failsafe: boolean) {
    const h = harness("eu", { cnpg: PRIMARY, safety: "lease", ...(failsafe ? { failsafeTtlMs: TTL } : {}) });
    h.actor.send({ type: "LEASE", lease: lease(true, 1, null, 30_000) });
    h.advance(20_000);
    h.actor.send({ type: "LEASE", lease: { ...lease(true, 1, null, 30_000), lastWriteOk: false } });
    expect(h.state()).toBe("primary.atRisk");
    return h;
  }
  /** One probe round now: us answers directly (or only through a witness) saying whether it reaches a majority. */
  function round(h: ReturnType<typeof lapsing>, o: { majority?: boolean; direct?: boolean; epoch?: number }) {
    const report = { ...standbyReport(o.epoch ?? 1), leaseMajority: o.majority };
    const ev = evidence("eu", { selfOk: 0, peers: { us: { direct: o.direct ?? true, report } } });
    h.send({ ...ev, startedAt: h.ctx().clock.now() });
  }
  function roundsFor(h: ReturnType<typeof lapsing>, ms: number, o: Parameters<typeof round>[1]) {
    for (let t = 0; t < ms; t += 5_000) {
      h.advance(5_000);
      round(h, o);
    }
  }

  it("off: fences at lease expiry even when every peer says it has no majority", () => {
    const h = lapsing(false);
    roundsFor(h, 15_000, { majority: false });
    expect(h.state()).toBe("fenced");
  });

  it("on: keeps the gate open while every peer directly acknowledges no majority; fences once one reaches it", () => {
    const h = lapsing(true);
    roundsFor(h, 120_000, { majority: false });
    expect(h.state()).toBe("primary.atRisk");
    expect(h.types()).not.toContain("closeGate");
    expect(h.ctx().decision.reason).toMatch(/failsafe: the lease expired, but every peer \(us\)/);
    h.advance(5_000);
    round(h, { majority: true });
    expect(h.state()).toBe("fenced");
    expect(h.ctx().decision.reason).toMatch(/us reaches a majority of the lease witnesses/);
  });

  it("on: a peer seen only through a witness resolver does not acknowledge", () => {
    const h = lapsing(true);
    roundsFor(h, 15_000, { majority: false, direct: false });
    expect(h.state()).toBe("fenced");
  });

  it("on: a peer that does not say (no lm= field) does not acknowledge", () => {
    const h = lapsing(true);
    roundsFor(h, 15_000, {});
    expect(h.state()).toBe("fenced");
  });

  it("on: a peer following a newer epoch does not acknowledge", () => {
    const h = lapsing(true);
    roundsFor(h, 15_000, { majority: false, epoch: 2 });
    expect(h.state()).not.toBe("primary.atRisk");
    expect(h.types()).toContain("closeGate");
  });

  it("on: when the acknowledgements stop, fences ttl after the last question was sent", () => {
    const h = lapsing(true);
    roundsFor(h, 40_000, { majority: false });
    const lastAsked = h.ctx().clock.now();
    expect(h.state()).toBe("primary.atRisk");
    h.advance(TTL - 1);
    expect(h.state()).toBe("primary.atRisk");
    h.advance(1);
    expect(h.state()).toBe("fenced");
    expect(h.ctx().decision.at).toBe(lastAsked + TTL);
  });

  it("on: a primary that never held the lease in this incarnation is not kept", () => {
    const h = harness("eu", { cnpg: PRIMARY, safety: "lease", failsafeTtlMs: TTL });
    roundsFor(h, 90_000, { majority: false });
    expect(h.state()).toBe("fenced");
  });
});

describe("fenced", () => {
  function fencedEu() {
    const h = harness("eu", { cnpg: { ...PRIMARY, fenced: true } });
    expect(h.state()).toBe("fenced");
    return h;
  }

  it("resumes only after two healthy rounds with every peer seen as a follower", () => {
    const h = fencedEu();
    h.send(healthyEu);
    expect(h.state()).toBe("fenced");
    h.rounds(15_000, healthyEu);
    expect(h.state()).toBe("primary.serving");
    expect(h.types()).toContain("unfenceCnpg");
  });

  it("does not resume while a peer cannot be seen", () => {
    const h = fencedEu();
    h.rounds(600_000, evidence("eu", { peers: { us: { vote: "down" } } }));
    expect(h.state()).toBe("fenced");
  });

  it("follows any peer publishing a newer epoch", () => {
    const h = fencedEu();
    h.send(evidence("eu", { peers: { us: { direct: true, report: standbyReport(3) } } }));
    expect(h.state()).toBe("standby.following");
    expect(h.intents).toContainEqual({ type: "demoteCnpg", primary: "us", epoch: 3 });
  });
});

describe("standby", () => {
  it("following -> suspecting when a witness quorum votes the primary down and no path sees it", () => {
    const h = standbyUs();
    h.send(usLostEu);
    expect(h.state()).toBe("standby.suspecting");
  });

  it("does not suspect on unknown votes", () => {
    const h = standbyUs();
    h.rounds(300_000, evidence("us", { peers: { eu: { vote: "unknown" } } }));
    expect(h.state()).toBe("standby.following");
  });

  it("suspecting -> following on any sighting (a direct answer alone)", () => {
    const h = standbyUs();
    h.send(usLostEu);
    h.send(evidence("us", { peers: { eu: { vote: "down", direct: true } } }));
    expect(h.state()).toBe("standby.following");
  });

  it("suspecting -> promoting after promoteAfter of loss every round, then serving once CNPG is primary", () => {
    const h = standbyUs();
    h.send(usLostEu);
    h.rounds(80_000, usLostEu);
    expect(h.state()).toBe("standby.suspecting");
    h.rounds(5_000, usLostEu);
    expect(h.state()).toBe("standby.promoting");
    expect(h.intents).toContainEqual({ type: "promoteCnpg", epoch: 2, token: undefined });
    h.actor.send({ type: "CNPG", cnpg: { role: "primary", fenced: false, primary: "us" } });
    expect(h.state()).toBe("primary.serving");
    expect(h.types().slice(-5)).toContain("openGate");
  });

  it("a freeze release restarts the wait: loss counted while frozen does not shorten promoteAfter", () => {
    const h = standbyUs();
    const freeze = { action: "freeze" as const, reason: "maintenance", id: "fz" };
    const frozenLost = evidence("us", { peers: { eu: { vote: "down" } }, overrides: [freeze] });
    h.send(frozenLost);
    expect(h.state()).toBe("frozen");
    h.rounds(300_000, frozenLost); // eu lost for 5 minutes while frozen (eu cannot fence either)
    expect(h.state()).toBe("frozen");
    h.advance(5_000);
    h.send(usLostEu); // released
    h.rounds(60_000, usLostEu);
    expect(h.state(), "60 s after the release: still waiting (promoteAfter 84 s)").toBe("standby.suspecting");
    h.rounds(30_000, usLostEu);
    expect(h.state()).toBe("standby.promoting");
  });

  it("does not promote without self-quorum throughout", () => {
    const h = standbyUs();
    h.send(usLostEu);
    h.rounds(40_000, usLostEu);
    h.advance(5_000);
    h.send(evidence("us", { selfOk: 1, peers: { eu: { vote: "down" } } }));
    h.rounds(60_000, usLostEu);
    expect(h.state()).not.toBe("standby.promoting");
  });

  it("does not promote with an unhealthy replica", () => {
    const h = standbyUs();
    h.rounds(200_000, evidence("us", { replicaHealthy: false, peers: { eu: { vote: "down" } } }));
    expect(h.state()).toBe("standby.suspecting");
  });

  it("manual mode never promotes by itself", () => {
    const h = standbyUs("manual");
    h.rounds(600_000, usLostEu);
    expect(h.state()).toBe("standby.suspecting");
  });

  it("lease mode: suspecting -> acquiring -> promoting only once the lease is held", () => {
    const h = standbyUs("lease");
    h.rounds(90_000, usLostEu);
    expect(h.state()).toBe("standby.acquiring");
    expect(h.intents).toContainEqual({ type: "leaseGoal", goal: "acquire" });
    h.actor.send({ type: "LEASE", lease: lease(false, 1, "eu") });
    expect(h.state()).toBe("standby.acquiring");
    h.actor.send({ type: "LEASE", lease: lease(true, 2) });
    expect(h.state()).toBe("standby.promoting");
    expect(h.intents).toContainEqual({ type: "promoteCnpg", epoch: 2, token: undefined });
  });

  it("three regions: a lower-priority region waits while a higher-priority one is alive", () => {
    const regions = ["eu", "us", "ap"];
    const h = harness("ap", { cnpg: REPLICA, regions });
    const ev = evidence("ap", {
      peers: { eu: { vote: "down" }, us: { vote: "up", report: standbyReport() } },
    });
    h.rounds(300_000, ev);
    expect(h.state()).toBe("standby.suspecting");
    h.rounds(90_000, evidence("ap", { peers: { eu: { vote: "down" }, us: { vote: "down" } } }));
    expect(h.state()).toBe("standby.promoting");
  });

  it("holds down: no automatic promotion within holdDown of losing the primary role", () => {
    const restored = {
      role: "standby" as const,
      epoch: 2,
      primary: "eu",
      lastHealthyAt: 0,
      leaseHoldUntil: 0,
      lastRoleChangeAt: 0,
    };
    const h = harness("us", { cnpg: REPLICA, restored });
    h.rounds(300_000, usLostEu);
    expect(h.state()).toBe("standby.suspecting");
    h.rounds(320_000, usLostEu);
    expect(h.state()).toBe("standby.promoting");
  });

  it("planned switchover: promotes with the demotion token the primary published for it", () => {
    const h = standbyUs();
    const demoting = demotingReport("us");
    h.send(evidence("us", { peers: { eu: { direct: true, report: demoting } } }));
    expect(h.state()).toBe("standby.promoting");
    expect(h.intents).toContainEqual({ type: "promoteCnpg", epoch: 2, token: "tok" });
  });
});

describe("a followed primary seen following (no writer anywhere)", () => {
  const freeze = { action: "freeze" as const, reason: "maintenance", id: "f1" };
  const sw = { action: "switchover" as const, region: "us", reason: "planned", id: "s1" };
  const usFollowing = evidence("eu", { peers: { us: { direct: true, report: standbyReport() } } });

  /** eu frozen as primary; meanwhile CNPG became a replica of us (no handover of ours); released. */
  function releasedAsReplicaOfUs(safety: "witness" | "lease" = "witness") {
    const h = harness("eu", { cnpg: PRIMARY, safety });
    if (safety === "lease") h.actor.send({ type: "LEASE", lease: lease(true, 1) });
    h.send(healthyEu);
    h.send(evidence("eu", { overrides: [freeze], peers: { us: { direct: true, report: standbyReport() } } }));
    expect(h.state()).toBe("frozen");
    h.actor.send({ type: "CNPG", cnpg: { role: "replica", fenced: false, primary: "us" } });
    h.send(usFollowing);
    return h;
  }

  it("a freeze released mid-switchover resumes handing over: CNPG already follows the target with the token", () => {
    const h = harness("eu", { cnpg: PRIMARY });
    h.send(healthyEu);
    h.send(evidence("eu", { overrides: [sw], peers: { us: { direct: true, report: standbyReport() } } }));
    expect(h.state()).toBe("demoting");
    h.send(
      evidence("eu", { overrides: [sw, freeze], peers: { us: { direct: true, report: standbyReport() } } }),
    );
    expect(h.state()).toBe("frozen");
    h.actor.send({
      type: "CNPG",
      cnpg: { role: "replica", fenced: false, primary: "us", demotionToken: "tok" },
    });
    h.send(usFollowing);
    expect(h.state()).toBe("demoting");
    const last = h.intents.filter((i) => i.type === "publish").at(-1);
    expect(last).toMatchObject({ report: { role: "demoting", demotionToken: "tok", handoverTo: "us" } });
  });

  it("on release, follows the region CNPG replicates from, not itself", () => {
    const h = releasedAsReplicaOfUs();
    expect(h.state()).toBe("standby.following");
    expect(h.ctx().primary).toBe("us");
  });

  it("a lower-priority primary seen following counts as gone: suspect, then promote after promoteAfter", () => {
    const h = releasedAsReplicaOfUs();
    h.send(usFollowing);
    expect(h.state()).toBe("standby.suspecting");
    h.rounds(80_000, usFollowing);
    expect(h.state()).toBe("standby.suspecting");
    h.rounds(5_000, usFollowing);
    expect(h.state()).toBe("standby.promoting");
    expect(h.intents).toContainEqual({ type: "promoteCnpg", epoch: 2, token: undefined });
  });

  it("lease mode: it only clears the region to contend; the lease still decides", () => {
    const h = releasedAsReplicaOfUs("lease");
    h.actor.send({ type: "LEASE", lease: lease(false, 1, "eu") });
    h.rounds(90_000, usFollowing);
    expect(h.state()).toBe("standby.acquiring");
    h.actor.send({ type: "LEASE", lease: lease(false, 1, "eu") });
    expect(h.state()).toBe("standby.acquiring");
    h.actor.send({ type: "LEASE", lease: lease(true, 1) });
    expect(h.state()).toBe("standby.promoting");
  });

  it("the timer restarts when the primary claims primary again, or anyone does", () => {
    const h = releasedAsReplicaOfUs();
    h.rounds(60_000, usFollowing);
    h.send(evidence("eu", { peers: { us: { direct: true, report: primaryReport(1) } } }));
    expect(h.state()).toBe("standby.following");
    h.rounds(60_000, usFollowing);
    expect(h.state()).toBe("standby.suspecting");
    const apClaims = evidence("eu", {
      peers: {
        us: { direct: true, report: standbyReport() },
        ap: { direct: true, report: primaryReport(1) },
      },
    });
    const three = harness("eu", {
      cnpg: { role: "replica", fenced: false, primary: "us" },
      regions: ["eu", "us", "ap"],
    });
    three.rounds(300_000, apClaims);
    expect(three.state()).toBe("standby.following");
  });

  it("lease mode: a primary seen fenced counts as gone whatever its priority; witness mode: never", () => {
    const fencedEu = evidence("us", {
      peers: { eu: { direct: true, report: { ...standbyReport(), role: "fenced" } } },
    });
    const l = harness("us", { cnpg: REPLICA, safety: "lease" });
    l.send(fencedEu);
    expect(l.state()).toBe("standby.suspecting");
    l.rounds(90_000, fencedEu);
    expect(l.state()).toBe("standby.acquiring");
    const w = harness("us", { cnpg: REPLICA });
    w.rounds(600_000, fencedEu);
    expect(w.state()).toBe("standby.following");
  });

  it("follows a region claiming primary when the one it follows claims nothing, at no older epoch", () => {
    const regions = ["eu", "us", "ap"];
    const restored = {
      role: "standby" as const,
      epoch: 4,
      primary: "eu",
      lastHealthyAt: null,
      leaseHoldUntil: null,
      lastRoleChangeAt: null,
    };
    const h = harness("ap", { cnpg: { role: "replica", fenced: false, primary: "eu" }, regions, restored });
    const ev = (usReport: ReturnType<typeof primaryReport>) =>
      evidence("ap", {
        peers: { eu: { direct: true, report: standbyReport(4) }, us: { direct: true, report: usReport } },
      });
    h.send(ev(primaryReport(1)));
    expect(h.ctx().primary).toBe("eu");
    h.send(ev(primaryReport(4)));
    expect(h.ctx().primary).toBe("us");
    expect(h.intents).toContainEqual({ type: "demoteCnpg", primary: "us", epoch: 4 });
  });

  it("a higher-priority primary seen following does not count: the lower-priority region waits", () => {
    const h = harness("us", { cnpg: REPLICA });
    h.rounds(600_000, evidence("us", { peers: { eu: { direct: true, report: standbyReport() } } }));
    expect(h.state()).toBe("standby.following");
  });
});

describe("overrides", () => {
  const freeze = { action: "freeze" as const, reason: "maintenance", id: "f1" };

  it("frozen: no intents and no transitions whatever the evidence, until released", () => {
    const h = standbyUs();
    h.send(evidence("us", { overrides: [freeze], peers: { eu: { vote: "down" } } }));
    expect(h.state()).toBe("frozen");
    const before = h.intents.length;
    h.rounds(600_000, evidence("us", { overrides: [freeze], peers: { eu: { vote: "down" } } }));
    expect(h.state()).toBe("frozen");
    expect(h.intents.length).toBe(before);
    h.send(usSeesEu);
    expect(h.state()).toBe("standby.following");
  });

  it("switchover: the primary closes its gate and demotes to the target, publishing the token", () => {
    const h = harness("eu", { cnpg: PRIMARY });
    const sw = { action: "switchover" as const, region: "us", reason: "planned", id: "s1" };
    h.send(healthyEu);
    h.send(evidence("eu", { overrides: [sw], peers: { us: { direct: true, report: standbyReport() } } }));
    expect(h.state()).toBe("demoting");
    expect(h.types()).toContain("closeGate");
    expect(h.intents).toContainEqual({ type: "demoteCnpg", primary: "us", epoch: 1 });
    h.send(evidence("eu", { overrides: [sw], peers: { us: { direct: true, report: primaryReport(2) } } }));
    expect(h.state()).toBe("standby.following");
    // The follow records the target's epoch on the cluster before any status write can (restore).
    expect(h.intents).toContainEqual({ type: "demoteCnpg", primary: "us", epoch: 2 });
    expect(h.ctx().epoch).toBe(2);
  });

  it("switchover is refused when the target is not a follower in sight", () => {
    const h = harness("eu", { cnpg: PRIMARY });
    const sw = { action: "switchover" as const, region: "us", reason: "planned", id: "s1" };
    h.send(healthyEu);
    h.send(evidence("eu", { overrides: [sw], peers: { us: { vote: "down" } } }));
    expect(h.state()).not.toBe("demoting");
  });
});
