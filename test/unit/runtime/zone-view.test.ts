import { describe, expect, it } from "vitest";
import type { PublishedState, ServiceDef } from "../../../src/runtime/actuators.ts";
import { restoredFrom } from "../../../src/runtime/service-status.ts";
import { answerFor, type PeerSights, zoneView } from "../../../src/runtime/zone-view.ts";

const FAIL: ServiceDef = {
  name: "db",
  host: "db",
  strategy: "failover",
  safety: "witness",
  regions: ["eu", "us", "ap"],
};
const RR: ServiceDef = { ...FAIL, name: "web", host: "web", strategy: "roundRobin" };
const own = (gate: "open" | "closed", host = "db"): PublishedState => ({
  host,
  role: gate === "open" ? "primary" : "standby",
  epoch: 1,
  gate,
  localTargets: gate === "open" ? ["10.0.0.1"] : [],
});
const peer = (role: "primary" | "standby", epoch: number, targets: string[], sighted = true) => ({
  report: {
    role,
    epoch,
    gate: role === "primary" ? ("open" as const) : ("closed" as const),
    localTargets: targets,
  },
  sighted,
});

describe("answerFor (DESIGN §6)", () => {
  it("failover: own targets while our gate is open", () => {
    expect(
      answerFor(FAIL, own("open"), { eu: { db: peer("primary", 1, ["10.9.9.9"]) } }, FAIL.regions),
    ).toEqual(["10.0.0.1"]);
  });
  it("failover: the sighted primary peer's targets, the highest epoch first", () => {
    const peers: PeerSights = {
      eu: { db: peer("primary", 1, ["10.1.0.1"]) },
      ap: { db: peer("primary", 2, ["10.3.0.1"]) },
    };
    expect(answerFor(FAIL, own("closed"), peers, FAIL.regions)).toEqual(["10.3.0.1"]);
  });
  it("failover: nobody known to serve → empty (NODATA), never our own targets", () => {
    const peers: PeerSights = { eu: { db: peer("primary", 1, ["10.1.0.1"], false) } };
    expect(answerFor(FAIL, own("closed"), peers, FAIL.regions)).toEqual([]);
  });
  it("roundRobin: every sighted region with non-empty localtargets", () => {
    const peers: PeerSights = {
      eu: { web: peer("primary", 1, ["10.1.0.1"]) },
      ap: { web: peer("primary", 1, ["10.3.0.1"], false) },
    };
    expect(answerFor(RR, own("open", "web"), peers, RR.regions)).toEqual(["10.0.0.1", "10.1.0.1"]);
  });
});

describe("zoneView", () => {
  it("publishes failover services' heartbeats and localtargets only while the gate is open; keeps static hosts", () => {
    const v = zoneView(
      [FAIL],
      new Map([["db", own("closed")]]),
      {},
      { hosts: [{ name: "static", answer: ["10.5.5.5"], localTargets: [] }], services: [] },
    );
    expect(v.hosts).toEqual([
      { name: "db", answer: [], localTargets: [] },
      { name: "static", answer: ["10.5.5.5"], localTargets: [] },
    ]);
    expect(v.services).toEqual([
      expect.objectContaining({ name: "db", role: "standby", gateOpen: false, localTargets: [] }),
    ]);
  });
});

describe("zoneView, roundRobin", () => {
  it("publishes a roundRobin service's heartbeat too (its peers read our localtargets from it)", () => {
    const v = zoneView([RR], new Map([["web", own("open", "web")]]), {}, { hosts: [], services: [] });
    expect(v.services).toEqual([
      expect.objectContaining({ name: "web", gateOpen: true, localTargets: ["10.0.0.1"] }),
    ]);
  });
});

describe("restoredFrom", () => {
  it("reads role, epoch, primary and the timers back from status; frozen restores no role", () => {
    expect(
      restoredFrom({
        role: "primary",
        epoch: 4,
        primary: "eu",
        restore: { lastHealthyAt: "2026-01-01T00:00:00.000Z", leaseHoldUntil: null, lastRoleChangeAt: null },
      }),
    ).toEqual({
      role: "primary",
      epoch: 4,
      primary: "eu",
      lastHealthyAt: Date.parse("2026-01-01T00:00:00.000Z"),
      leaseHoldUntil: null,
      lastRoleChangeAt: null,
    });
    expect(restoredFrom({ role: "frozen", epoch: 2 })?.role).toBeNull();
    expect(restoredFrom({})).toBeUndefined();
  });
});
