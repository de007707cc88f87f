// Pinned tests for three safety defects of the service machine (docs/state-machine.md, "Stale
// primaries and failed handovers"): a returning stale primary fenced before it is re-pointed; a
// switchover to a fenced or unseen target refused up front; a switchover whose target never takes
// over ends with the old primary taking its role back, never with two writable regions.
import { describe, expect, it } from "vitest";
import type { Intent } from "../../../machines/intents.ts";
import type { PeerServiceReport } from "../../../src/core/evidence.ts";
import { demotingReport, evidence, harness, lease, primaryReport, standbyReport } from "./fixtures.ts";

const PRIMARY = { role: "primary" as const, fenced: false, primary: "eu" };
const REPLICA = { role: "replica" as const, fenced: false, primary: "eu" };
const healthyEu = evidence("eu", { peers: { us: { direct: true, report: standbyReport() } } });
const fencedStandby = (epoch = 1): PeerServiceReport => ({ ...standbyReport(epoch), cnpgFenced: true });
const sw = { action: "switchover" as const, region: "us", reason: "planned", id: "s1" };

/** The index of the first intent matching `type` (and `extra`), -1 when none. */
const at = (intents: Intent[], type: Intent["type"], extra: Record<string, unknown> = {}) =>
  intents.findIndex((i) => i.type === type && Object.entries(extra).every(([k, v]) => (i as never)[k] === v));

describe("a returning stale primary (DESIGN §7, issue 6)", () => {
  function staleEu() {
    const h = harness("eu", { cnpg: PRIMARY });
    h.send(healthyEu);
    h.send(evidence("eu", { peers: { us: { direct: true, report: primaryReport(2) } } }));
    return h;
  }

  it("closes the gate, fences CNPG, then re-points it at the newer primary, in that order", () => {
    const h = staleEu();
    expect(h.state()).toBe("standby.following");
    const close = h.intents.findLastIndex((i) => i.type === "closeGate");
    const fence = at(h.intents, "fenceCnpg");
    const demote = at(h.intents, "demoteCnpg", { primary: "us" });
    expect(close).toBeGreaterThanOrEqual(0);
    expect(fence).toBeGreaterThan(close);
    expect(demote).toBeGreaterThan(fence);
    expect(h.ctx().decision.reason).toMatch(/fencing CNPG .*re-pointing it/);
  });

  it("lifts its own fence once CNPG shows the cluster as a replica of the new primary", () => {
    const h = staleEu();
    // Fenced, not yet re-pointed: the fence stays.
    h.actor.send({ type: "CNPG", cnpg: { role: "primary", fenced: true, fencedByUs: true, primary: "eu" } });
    h.send(evidence("eu", { peers: { us: { direct: true, report: primaryReport(2) } } }));
    expect(h.types()).not.toContain("unfenceCnpg");
    h.actor.send({ type: "CNPG", cnpg: { role: "replica", fenced: true, fencedByUs: true, primary: "us" } });
    expect(h.state()).toBe("standby.following");
    expect(h.types().at(-2)).toBe("unfenceCnpg");
    expect(h.ctx().decision.reason).toMatch(/replica cluster .*lifting the fence/);
  });

  it("never lifts an operator's fence (no fenced-by mark)", () => {
    const h = staleEu();
    h.actor.send({ type: "CNPG", cnpg: { role: "replica", fenced: true, primary: "us" } });
    h.send(evidence("eu", { peers: { us: { direct: true, report: primaryReport(2) } } }));
    expect(h.types()).not.toContain("unfenceCnpg");
  });
});

describe("switchover to a target that cannot take over (issue 3)", () => {
  it("is refused up front when the target's CNPG is fenced: stays serving, reason in words, Event", () => {
    const h = harness("eu", { cnpg: PRIMARY });
    h.send(healthyEu);
    h.send(evidence("eu", { overrides: [sw], peers: { us: { direct: true, report: fencedStandby() } } }));
    expect(h.state()).toBe("primary.serving");
    expect(h.types()).not.toContain("demoteCnpg");
    expect(h.ctx().decision.reason).toMatch(/switchover override s1 to us refused: .*fenced/);
    expect(h.intents).toContainEqual(
      expect.objectContaining({ type: "emitEvent", reason: "OverrideRejected" }),
    );
    // Refused is final: the same override is not taken later when the target is unfenced.
    h.send(evidence("eu", { overrides: [sw], peers: { us: { direct: true, report: standbyReport() } } }));
    expect(h.state()).toBe("primary.serving");
  });

  it("is refused when the target is not seen by any path", () => {
    const h = harness("eu", { cnpg: PRIMARY });
    h.send(healthyEu);
    h.send(evidence("eu", { overrides: [sw], peers: { us: { vote: "unknown" } } }));
    expect(h.state()).toBe("primary.serving");
    expect(h.ctx().decision.reason).toMatch(/not seen by any path/);
  });

  it("a fenced standby never takes a handover (its promotion could not complete)", () => {
    const h = harness("us", { cnpg: { ...REPLICA, fenced: true } });
    h.send(evidence("us", { peers: { eu: { direct: true, report: demotingReport("us") } } }));
    expect(h.state()).toBe("standby.following");
    expect(h.types()).not.toContain("promoteCnpg");
  });
});

describe("a switchover whose target never takes over (issue 3)", () => {
  function demotingEu(safety: "witness" | "lease" | "manual" = "witness") {
    const h = harness("eu", { cnpg: PRIMARY, safety });
    if (safety === "lease") h.actor.send({ type: "LEASE", lease: lease(true, 1) });
    h.send(healthyEu);
    h.send(evidence("eu", { overrides: [sw], peers: { us: { direct: true, report: standbyReport() } } }));
    expect(h.state()).toBe("demoting");
    h.actor.send({
      type: "CNPG",
      cnpg: { role: "replica", fenced: false, primary: "us", demotionToken: "tok" },
    });
    return h;
  }
  const usLost = evidence("eu", { overrides: [sw], peers: { us: { vote: "down" } } });

  it("target lost: resumes after promoteAfter (not before), CNPG promoted again without a token at a newer epoch", () => {
    const h = demotingEu();
    // Lost from the first round at 5 s: 80 s of loss at 85 s, 85 s (>= promoteAfter 84 s) at 90 s.
    h.rounds(85_000, usLost);
    expect(h.state()).toBe("demoting");
    h.rounds(5_000, usLost);
    expect(h.state()).toBe("standby.promoting");
    expect(h.intents.at(at(h.intents, "promoteCnpg"))).toEqual({
      type: "promoteCnpg",
      epoch: 2,
      token: undefined,
    });
    expect(h.ctx().decision.reason).toMatch(/voted down .* >= 84000 ms \(promoteAfter\)/);
    h.actor.send({ type: "CNPG", cnpg: { role: "primary", fenced: false, primary: "eu" } });
    expect(h.state()).toBe("primary.serving");
  });

  it("target lost but we lacked self-quorum: stays demoting", () => {
    const h = demotingEu();
    h.rounds(300_000, evidence("eu", { selfOk: 1, overrides: [sw], peers: { us: { vote: "down" } } }));
    expect(h.state()).toBe("demoting");
  });

  it("target claims a newer epoch at any time: follows it, never resumes", () => {
    const h = demotingEu();
    h.rounds(60_000, usLost);
    h.send(evidence("eu", { overrides: [sw], peers: { us: { direct: true, report: primaryReport(2) } } }));
    expect(h.state()).toBe("standby.following");
    expect(h.types()).not.toContain("promoteCnpg");
  });

  it("target seen fenced: withdraws the token at once, resumes after two full probe rounds", () => {
    const h = demotingEu();
    const refusing = evidence("eu", {
      overrides: [sw],
      peers: { us: { direct: true, report: fencedStandby() } },
    });
    h.send(refusing);
    const last = h.intents.filter((i) => i.type === "publish").at(-1);
    expect(last).toMatchObject({ report: { role: "demoting", demotionToken: undefined, handoverTo: "us" } });
    h.rounds(10_000, refusing);
    expect(h.state()).toBe("demoting");
    h.rounds(5_000, refusing);
    expect(h.state()).toBe("standby.promoting");
    expect(h.ctx().decision.reason).toMatch(/fenced standby .* token withdrawn/);
  });

  it("target seen fenced only through a witness (not directly): no resume on that evidence", () => {
    const h = demotingEu();
    h.rounds(60_000, evidence("eu", { overrides: [sw], peers: { us: { report: fencedStandby() } } }));
    expect(h.state()).toBe("demoting");
  });

  it("lease mode: contends for the lease and resumes only once it holds it", () => {
    const h = demotingEu("lease");
    // `demoting` observes the lease only: it runs out and nobody renews it.
    h.actor.send({ type: "LEASE", lease: lease(false, 1) });
    h.rounds(90_000, usLost);
    expect(h.state()).toBe("demoting");
    expect(h.intents.at(-2)).toEqual({ type: "leaseGoal", goal: "acquire" });
    h.actor.send({ type: "LEASE", lease: lease(true, 2) });
    expect(h.state()).toBe("standby.promoting");
    expect(h.intents).toContainEqual({ type: "promoteCnpg", epoch: 2, token: undefined });
  });

  it("manual mode: waits in demoting for an operator", () => {
    const h = demotingEu("manual");
    h.rounds(300_000, usLost);
    expect(h.state()).toBe("demoting");
  });

  it("restarted mid-handover (status demoting, CNPG following the target): hands over again at once", () => {
    const h = harness("eu", {
      cnpg: { role: "replica", fenced: false, primary: "us", demotionToken: "tok" },
      restored: {
        role: "demoting",
        epoch: 1,
        primary: "eu",
        lastHealthyAt: 0,
        leaseHoldUntil: 0,
        lastRoleChangeAt: null,
      },
    });
    expect(h.state()).toBe("demoting");
    expect(h.ctx().handoverTo).toBe("us");
    h.send(healthyEu);
    const last = h.intents.filter((i) => i.type === "publish").at(-1);
    expect(last).toMatchObject({ report: { role: "demoting", demotionToken: "tok", handoverTo: "us" } });
  });
});
