// The override verb's local rules (the CRD's, checked before any cluster is contacted), its manifest
// and how it reads the controller's phases.
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/cli/command.ts";
import { formatDuration, parseDuration } from "../../../src/cli/duration.ts";
import {
  type OverrideArgs,
  overrideAdvice,
  overrideManifest,
  overrideName,
  overrideOutcome,
  validateOverride,
} from "../../../src/cli/override-request.ts";
import { readService } from "../../../src/cli/status-view.ts";
import * as F from "./fixtures/failover-services.ts";

const base: OverrideArgs = { action: "promote", service: "db", region: "us", reason: "eu lost (INC-42)" };
const usage = (a: OverrideArgs) => {
  try {
    validateOverride(a);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error("accepted");
};

describe("validateOverride", () => {
  it("accepts every action with what it needs", () => {
    for (const action of ["promote", "demote", "switchover"])
      expect(validateOverride({ ...base, action }).action).toBe(action);
    for (const action of ["freeze", "release"])
      expect(validateOverride({ action, service: "db", reason: "maintenance" })).toEqual({
        action,
        service: "db",
        reason: "maintenance",
        force: false,
      });
  });

  it("refuses --force without --i-understand-split-brain-risk, naming both flags", () => {
    const m = usage({ ...base, force: true });
    expect(m).toContain("--force");
    expect(m).toContain("--i-understand-split-brain-risk");
    expect(validateOverride({ ...base, force: true, acknowledge: true }).force).toBe(true);
  });

  it("refuses --force for anything but promote, and the acknowledgement alone", () => {
    expect(usage({ ...base, action: "switchover", force: true, acknowledge: true })).toMatch(
      /--force applies only to promote \(not switchover\)/,
    );
    expect(usage({ ...base, acknowledge: true })).toMatch(/only goes with --force/);
  });

  it("needs an action, a service, a reason, and a region where the CRD does", () => {
    expect(usage({ ...base, action: undefined })).toMatch(/freeze\|release\|promote\|demote\|switchover/);
    expect(usage({ ...base, action: "failover" })).toMatch(/unknown action "failover"/);
    expect(usage({ ...base, service: undefined })).toMatch(/name the FailoverService/);
    expect(usage({ ...base, reason: "  " })).toMatch(/--reason TEXT is required/);
    expect(usage({ ...base, region: undefined })).toMatch(/--region R is required for promote/);
    expect(usage({ ...base, action: "switchover", region: undefined })).toMatch(/region taking over/);
  });

  it("applies the CRD's patterns and lengths", () => {
    expect(usage({ ...base, service: "DB" })).toMatch(/SERVICE "DB": must match/);
    expect(usage({ ...base, region: "us_east" })).toMatch(/--region "us_east": must match/);
    expect(usage({ ...base, reason: "x".repeat(1025) })).toMatch(/--reason: at most 1024 characters/);
    expect(usage({ ...base, runbook: "x".repeat(1025) })).toMatch(/--runbook: at most 1024/);
    expect(validateOverride({ ...base, service: "db.shop" }).service).toBe("db.shop");
  });

  it("parses --ttl as a duration of at least a second", () => {
    expect(validateOverride({ ...base, ttl: "1h30m" }).ttlMs).toBe(5_400_000);
    expect(usage({ ...base, ttl: "soon" })).toMatch(/--ttl "soon" is not a duration/);
    expect(usage({ ...base, ttl: "500ms" })).toMatch(/at least 1s/);
  });
});

describe("overrideManifest", () => {
  it("names it SERVICE-ACTION-suffix and sets force and acknowledgement together", () => {
    const r = validateOverride({
      ...base,
      force: true,
      acknowledge: true,
      ttl: "30m",
      runbook: "rb/promote.md",
    });
    const name = overrideName(r, "x7k2p");
    expect(name).toBe("db-promote-x7k2p");
    const now = Date.parse("2026-11-21T12:00:00.250Z");
    expect(overrideManifest(r, { name, now, namespace: "shop" })).toEqual({
      apiVersion: "splitguard.io/v1alpha1",
      kind: "FailoverOverride",
      metadata: { name: "db-promote-x7k2p", namespace: "shop" },
      spec: {
        service: "db",
        action: "promote",
        region: "us",
        reason: "eu lost (INC-42)",
        runbook: "rb/promote.md",
        expiresAt: "2026-11-21T12:30:01Z",
        force: true,
        acknowledgeSplitBrain: true,
      },
    });
  });

  it("leaves out what was not given", () => {
    const r = validateOverride({ action: "freeze", service: "db", reason: "r" });
    expect(overrideManifest(r, { name: "db-freeze-bbbbb", now: 0 }).spec).toEqual({
      service: "db",
      action: "freeze",
      reason: "r",
    });
  });
});

describe("overrideOutcome", () => {
  it("reads the controller's phases as the reconciler writes them", () => {
    expect(overrideOutcome("promote", undefined).kind).toBe("pending");
    expect(
      overrideOutcome("promote", { phase: "Accepted", message: "promoting pg-us at epoch 2" }).kind,
    ).toBe("pending");
    expect(overrideOutcome("freeze", { phase: "Accepted" }).kind).toBe("succeeded");
    expect(overrideOutcome("promote", { phase: "Applied", message: "promoted at epoch 2" })).toEqual({
      kind: "succeeded",
      summary: "Applied: promoted at epoch 2",
    });
    expect(
      overrideOutcome("promote", { phase: "Rejected", message: "refused: eu reported primary" }),
    ).toEqual({
      kind: "failed",
      summary: "Rejected: refused: eu reported primary",
    });
    expect(overrideOutcome("switchover", { phase: "Expired" }).kind).toBe("failed");
  });
});

describe("durations", () => {
  it("parses the forms operators type", () => {
    expect(parseDuration("90")).toEqual({ ok: true, ms: 90_000 });
    expect(parseDuration("2d")).toEqual({ ok: true, ms: 172_800_000 });
    expect(parseDuration("1.5h")).toEqual({ ok: true, ms: 5_400_000 });
    expect(parseDuration("250ms")).toEqual({ ok: true, ms: 250 });
    expect(parseDuration("5 m").ok).toBe(false);
    expect(parseDuration("m5").ok).toBe(false);
    expect(parseDuration("").ok).toBe(false);
  });

  it("prints kubectl's short relative form", () => {
    expect([0, 45_000, 133_000, 120_000, 11_040_000, 190_800_000, -5].map(formatDuration)).toEqual([
      "0s",
      "45s",
      "2m13s",
      "2m",
      "3h4m",
      "2d5h",
      "0s",
    ]);
  });
});

describe("overrideAdvice", () => {
  const us = readService(F.standbyFollowing); // us's cluster: role standby, primary eu
  const eu = readService(F.servingPrimary); // eu's cluster: role primary
  const req = (action: string, region: string) => validateOverride({ ...base, action, region });

  it("warns when this cluster's controller will reject the override", () => {
    expect(overrideAdvice(req("promote", "eu"), us)).toMatch(
      /serves region us and will reject a promote of eu: create it in eu's cluster/,
    );
    expect(overrideAdvice(req("switchover", "us"), us)).toMatch(/the region taking over/);
    expect(overrideAdvice(req("switchover", "ap"), us)).toMatch(
      /us reports role standby, not primary.* \(eu\)/,
    );
  });

  it("stays quiet where the controller will act, or when the region is not known", () => {
    expect(overrideAdvice(req("promote", "us"), us)).toBeUndefined();
    expect(overrideAdvice(req("switchover", "us"), eu)).toBeUndefined();
    expect(overrideAdvice(req("promote", "eu"), readService(F.reconcilerOnly))).toBeUndefined();
  });
});
