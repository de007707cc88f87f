// Reading FailoverService status for `splitguard status`: every field optional, shown as "-".
import { describe, expect, it } from "vitest";
import { readService, rolesCell, statusTable, when } from "../../../src/cli/status-view.ts";
import { table } from "../../../src/cli/table.ts";
import * as F from "./fixtures/failover-services.ts";

describe("readService", () => {
  it("reads the evidence, the timer and the region the status belongs to", () => {
    const v = readService(F.suspecting);
    expect(v.self).toBe("us");
    expect(v.quorum).toEqual({ answering: 3, configured: 3 });
    expect(v.witnesses.map((w) => w.peers.eu)).toEqual(["down", "down", "unknown"]);
    expect(v.timer).toEqual({
      name: "promoteAfter",
      since: Date.parse("2026-11-21T11:59:31Z"),
      deadline: Date.parse("2026-11-21T12:04:31Z"),
      derived: false,
    });
    expect(v.timing).toEqual({ promoteAfterS: 300, fenceAfterS: 60, probeIntervalS: 5 });
  });

  it("tolerates a missing status and the reconciler's few fields", () => {
    const none = readService(F.noStatus);
    expect(none.hasStatus).toBe(false);
    expect([none.role, none.epoch, none.self, none.timer, none.quorum]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const few = readService(F.reconcilerOnly);
    expect(few).toMatchObject({ role: "standby", epoch: 0, self: undefined, witnesses: [], peers: [] });
    expect(few.decision).toEqual({
      action: "demote",
      reason: "override db-demote-bbbbb: drill",
      at: Date.parse("2026-11-21T12:01:00Z"),
    });
  });

  it("derives the running timer from the machine's timestamps when status.timer is absent", () => {
    const base = F.suspecting.status as Record<string, unknown>;
    const machineStyle = {
      ...F.suspecting,
      status: { ...base, timer: undefined, suspectSince: Date.parse("2026-11-21T12:00:00Z") },
    };
    expect(readService(machineStyle).timer).toEqual({
      name: "promoteAfter",
      since: Date.parse("2026-11-21T12:00:00Z"),
      deadline: Date.parse("2026-11-21T12:05:00Z"),
      derived: true,
    });
    const atRisk = {
      ...F.servingPrimary,
      status: { state: "primary.atRisk", lastHealthyAt: "2026-11-21T12:01:30Z" },
    };
    expect(readService(atRisk).timer?.deadline).toBe(Date.parse("2026-11-21T12:02:30Z"));
  });

  it("derives a primary's fence deadline from the live controller's status.restore", () => {
    const atRisk = {
      ...F.liveSuspecting,
      status: {
        ...(F.liveSuspecting.status as object),
        state: "primary.atRisk",
        timer: null,
        restore: { lastHealthyAt: "2026-11-21T12:01:40Z", leaseHoldUntil: null, lastRoleChangeAt: null },
      },
    };
    const v = readService(atRisk);
    expect(v.timer).toMatchObject({ name: "fenceAfter", deadline: Date.parse("2026-11-21T12:02:40Z") });
    expect(v.lease).toBeUndefined();
    expect(v.round).toEqual({ number: 1234, at: Date.parse("2026-11-21T12:01:55Z") });
    expect(v.peers[0]).toMatchObject({
      direct: false,
      gate: "open",
      lostSince: Date.parse("2026-11-21T11:59:31Z"),
    });
  });

  it("marks a status that describes an older spec generation", () => {
    const s = { ...F.servingPrimary, metadata: { ...F.servingPrimary.metadata, generation: 2 } };
    expect(readService(s).stale).toBe(true);
    expect(readService(F.servingPrimary).stale).toBe(false);
  });
});

describe("status table", () => {
  it("shows the role per region, the timer and its deadline relative and absolute", () => {
    const views = [F.servingPrimary, F.suspecting, F.fenced, F.reconcilerOnly, F.noStatus].map(readService);
    expect(table(statusTable(views, F.NOW, { wide: false, namespaces: false }))).toBe(
      [
        "NAME  HOST  ROLES                  EPOCH  SAFETY   QUORUM  TIMER         DEADLINE              AGE",
        "db    db    eu=primary,us=standby  3      witness  3/3     -             -                     1d3h",
        "db    db    eu=primary,us=standby  3      witness  3/3     promoteAfter  in 2m31s (12:04:31Z)  1d3h",
        "db    db    eu=fenced,us=standby   3      witness  0/3     -             -                     1d3h",
        "db    db    standby                0      witness  -       -             -                     1d3h",
        "db    db    -                      -      witness  -       -             -                     1d3h",
        "",
      ].join("\n"),
    );
  });

  it("-o wide adds state, primary, lease and the last decision; -A the namespace", () => {
    const [head, row] = statusTable([readService(F.leasePrimary)], F.NOW, { wide: true, namespaces: true });
    expect(head!.slice(0, 1)).toEqual(["NAMESPACE"]);
    expect(head!.slice(9, 14)).toEqual(["STATE", "PRIMARY", "LEASE", "LAST DECISION", "AGE"]);
    expect(row!.slice(9, 13)).toEqual([
      "primary.serving",
      "eu",
      "eu@4 until 12:02:20Z",
      "promoted: lease acquired (epoch 4): promoting",
    ]);
  });

  it("names a role it cannot place as ?", () => {
    const v = readService({
      ...F.suspecting,
      status: { role: "standby", peers: [{ region: "eu", seen: "down" }] },
    });
    expect(rolesCell(v)).toBe("eu=down,us=standby");
  });

  it("prints deadlines in the past and beyond a day with the date", () => {
    expect(when(F.NOW - 5_000, F.NOW)).toBe("5s ago (12:01:55Z)");
    expect(when(F.NOW, F.NOW)).toBe("0s ago (12:02:00Z)");
    expect(when(F.NOW + 2 * 86_400_000, F.NOW)).toBe("in 2d (2026-11-23T12:02:00Z)");
    expect(when(undefined, F.NOW)).toBe("-");
  });
});
