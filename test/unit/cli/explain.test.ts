// `splitguard explain` wording: a pure function of the FailoverService (its status), its overrides
// and the time. One fixture per situation an operator meets.
import { describe, expect, it } from "vitest";
import { explainService } from "../../../src/cli/explain.ts";
import { readOverride, readService } from "../../../src/cli/status-view.ts";
import * as F from "./fixtures/failover-services.ts";

const explain = (fs: typeof F.servingPrimary, overrides = [] as (typeof F.freezeOverride)[]) =>
  explainService(readService(fs), overrides.map(readOverride), F.NOW);

describe("explain", () => {
  it("standby suspecting: the deadline and the condition that would promote", () => {
    expect(explain(F.suspecting)).toBe(`db (host db) in region us, namespace shop, safety witness

Role: standby at epoch 3, suspecting that eu is lost.
Why: suspect: primary eu voted down by a witness quorum and not sighted by any path; promotion timer (300000 ms) started (decided at 11:59:31Z, 2m29s ago).

Evidence in the last round:
  witnesses (quorum 2 of 3 configured; unknown never counts):
    8.8.8.8  reaches us: ok; votes eu down
    1.1.1.1  reaches us: ok; votes eu down
    9.9.9.9  reaches us: ok; votes eu unknown
  peers:
    eu: seen down; last reported primary at epoch 3; 2 of 3 witnesses vote it down

Timer: promoteAfter running since 11:59:31Z; fires at 12:04:31Z, in 2m31s.

What would change it:
  - Promotion would happen at 12:04:31Z, in 2m31s, if eu stays unreachable from 2 of 3 witnesses every round and is sighted by no path, us keeps its self-quorum (2 of 3 witnesses must reach it; now 3 do) and its replica stays healthy.
  - Any sighting of eu (through a witness or directly) sends it back to following and resets the timer.
`);
  });

  it("serving primary: what would put it at risk and when it would fence", () => {
    const t = explain(F.servingPrimary);
    expect(t).toContain("Role: primary at epoch 3: serving writes, readiness gate open.");
    expect(t).toContain("    us: seen up; last reported standby at epoch 3; 0 of 3 witnesses vote it down");
    expect(t).toContain(
      "It would go at risk if fewer than 2 of 3 witnesses reached it (now 3) and not every peer acknowledged it directly; it would fence fenceAfter (1m) after its last healthy round.",
    );
    expect(t).not.toContain("Timer:");
  });

  it("standby following: how far it is from starting the timer", () => {
    const t = explain(F.standbyFollowing);
    expect(t).toContain("Role: standby at epoch 3, following eu.");
    expect(t).toContain(
      "when 2 of 3 witnesses vote eu down in one round and no path sights it (now 0 of 3 vote it down)",
    );
    expect(t).toContain("Promotion would follow 5m later");
  });

  it("fenced: why, and that it resumes or follows but never serves over newer writes", () => {
    const t = explain(F.fenced);
    expect(t).toContain("Role: fenced at epoch 3: gate closed and CNPG fenced");
    expect(t).toContain("8.8.8.8  reaches eu: fail");
    expect(t).toContain("every peer reporting a claim no newer than epoch 3");
    expect(t).toContain("re-clone it before it rejoins");
  });

  it("stateless roundRobin service: what it answers and what would take a region out", () => {
    const t = explain(F.stateless);
    expect(t).toContain(
      "Role: stateless (roundRobin, no CNPG cluster): this region answers with its own targets and those of every peer it sights with targets; nothing is promoted, fenced or gated.",
    );
    expect(t).toContain(
      "Why: roundRobin: stateless roundRobin service (no CNPG cluster): answering the targets of eu, us",
    );
    expect(t).toContain("leaves every answer in the first round its target source gives no address");
    expect(t).toContain("    us: seen up; last reported targets (in the answer)");
    expect(t).not.toContain("epoch 0");
  });

  it("frozen by an override: which one, until when, and how to release it", () => {
    const t = explain(F.frozen, [F.freezeOverride]);
    expect(t).toContain("Role: frozen at epoch 3: a freeze override holds every automatic transition.");
    expect(t).toContain(
      "  db-freeze-x7k2p: freeze (Applied, expires at 13:30:00Z, in 1h28m): maintenance CHG-1234",
    );
    expect(t).toContain("`splitguard override release db -n shop --reason TEXT` ends the freeze");
    expect(t).toContain("The freeze db-freeze-x7k2p ends by itself at 13:30:00Z, in 1h28m.");
  });

  it("lease mode: the lease and its expiry", () => {
    const t = explain(F.leasePrimary);
    expect(t).toContain("safety lease");
    expect(t).toContain("  lease: held by eu at epoch 4, counted held until 12:02:20Z");
    expect(t).toContain("it fences at the lease's expiry (12:02:20Z, in 20s, unless renewed)");
  });

  it("a lease-mode standby promotes only under the lease; a manual one never by itself", () => {
    const leaseStandby = { ...F.suspecting, spec: { ...(F.suspecting.spec as object), safety: "lease" } };
    expect(explain(leaseStandby)).toContain("and then only once it holds the lease");
    const manual = {
      ...F.standbyFollowing,
      spec: { ...(F.standbyFollowing.spec as object), safety: "manual" },
    };
    expect(explain(manual)).toContain("Safety mode manual: us never promotes by itself");
  });

  it("primary at risk: when it fences unless the evidence recovers", () => {
    const atRisk = {
      ...F.servingPrimary,
      status: {
        ...(F.servingPrimary.status as object),
        state: "primary.atRisk",
        quorum: "1/3",
        witnesses: [{ name: "8.8.8.8", self: "ok", peers: { us: "unknown" } }],
        timer: { name: "fenceAfter", since: "2026-11-21T12:01:30Z", deadline: "2026-11-21T12:02:30Z" },
      },
    };
    const t = explain(atRisk);
    expect(t).toContain("Role: primary at epoch 3, at risk: still serving while the fence deadline runs.");
    expect(t).toContain(
      "It fences at 12:02:30Z, in 30s, unless 2 of 3 witnesses reach it again (now 1) or every peer acknowledges it directly.",
    );
    // The quorum and the vote counts are over the configured witnesses, not over those listed.
    expect(t).toContain("us: seen up; last reported standby at epoch 3; 0 of 3 witnesses vote it down");
  });

  it("reads the live controller's status: the round, direct answers, loss since, votes in words", () => {
    const t = explain(F.liveSuspecting);
    expect(t).toContain("Evidence in the last round (round 1234, 12:01:55Z, 5s ago):");
    expect(t).toContain("    9.9.9.9:53  reaches us: ok; votes eu unknown: timeout after 2000 ms");
    expect(t).toContain(
      "    eu: seen down; no direct answer; lost every round since 11:59:31Z, 2m29s ago; last reported primary at epoch 3, gate open; eu: 2 down, 0 up, 1 unknown of 3 witnesses (down-quorum needs 2)",
    );
    expect(t).toContain(
      "Promotion would happen at 12:04:31Z, in 2m31s, if eu stays unreachable from 2 of 3 witnesses",
    );
    expect(t).toContain(
      "  conditions:\n    SelfQuorum True: self-quorum held: 3 of 3 witnesses reached us (need 2)\n    Serving False: this region's gate is closed (standby.suspecting)\n",
    );
  });

  it("says so when there is no status, or only the reconciler's fields", () => {
    expect(explain(F.noStatus)).toContain(
      "No status yet: no splitguard controller has reconciled this service",
    );
    const t = explain(F.reconcilerOnly);
    expect(t).toContain("Role: standby at epoch 0, following the primary.");
    expect(t).toContain("Why: demote: override db-demote-bbbbb: drill (decided at 12:01:00Z, 1m ago).");
    expect(t).not.toContain("Evidence");
  });

  it("never prints a hole (undefined, NaN, null) for any state over any fixture", () => {
    const states = [
      "initializing",
      "primary.serving",
      "primary.atRisk",
      "fenced",
      "standby.following",
      "standby.suspecting",
      "standby.acquiring",
      "standby.promoting",
      "demoting",
      "frozen",
      undefined,
    ];
    const fixtures = [F.servingPrimary, F.suspecting, F.liveSuspecting, F.reconcilerOnly, F.leasePrimary];
    for (const fx of fixtures)
      for (const state of states) {
        const t = explain({ ...fx, status: { ...(fx.status as object), state } });
        expect(t, `${state}`).not.toMatch(/undefined|NaN|null|\[object/);
      }
  });
});
