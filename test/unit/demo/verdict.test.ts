import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../../src/demo/ledger.ts";
import { scenarioNamed } from "../../../src/demo/scenarios.ts";
import { verdict } from "../../../src/demo/verdict.ts";

const w = (at: number, region: string, writable: boolean): LedgerEntry => ({
  at,
  kind: "writable",
  region,
  writable,
});
const promote = (at: number, region: string, epoch = 2): LedgerEntry => ({
  at,
  kind: "promote",
  region,
  epoch,
});

describe("verdict", () => {
  it("fails a ledger with two writers at once, naming them and when", () => {
    const v = verdict([w(0, "eu", true), promote(5000, "us"), w(6000, "us", true), w(6500, "eu", false)], {});
    expect(v.ok).toBe(false);
    expect(v.checks[0]).toMatchObject({
      ok: false,
      detail: expect.stringContaining("eu and us writable at once at +6.0s"),
    });
  });

  it("passes a hand-over where the old primary stops before the new one starts, even in the same millisecond", () => {
    const v = verdict([w(0, "eu", true), w(6000, "eu", false), w(6000, "us", true)], { endWritable: "us" });
    expect(v.ok).toBe(true);
    expect(v.checks.map((c) => c.ok)).toEqual([true, true]);
  });

  it("checks the takeover bound after a primary loss", () => {
    const ledger = [w(0, "eu", true), w(6000, "eu", false), promote(25_000, "us"), w(26_800, "us", true)];
    const t = { at: 6000, lost: "eu", why: "eu lost" };
    expect(verdict(ledger, { takeover: { ...t, boundMs: 32_000 } }).ok).toBe(true);
    const late = verdict(ledger, { takeover: { ...t, boundMs: 20_000 } });
    expect(late.ok).toBe(false);
    expect(late.checks[1]!.detail).toBe("us writable 20.8s after +6.0s (bound 20.0s)");
    const never = verdict([w(0, "eu", true), w(6000, "eu", false)], { takeover: { ...t, boundMs: 32_000 } });
    expect(never.checks[1]).toMatchObject({
      ok: false,
      detail: "no region other than eu became writable after +6.0s",
    });
  });

  it("the lost region coming back does not count as a takeover", () => {
    const v = verdict([w(0, "eu", true), w(6000, "eu", false), w(9000, "eu", true)], {
      takeover: { at: 6000, lost: "eu", boundMs: 32_000, why: "" },
    });
    expect(v.ok).toBe(false);
  });

  it("fails a promotion inside a no-promotion window and ignores one outside it", () => {
    const ledger = [w(0, "eu", true), promote(40_000, "us")];
    expect(verdict(ledger, { noPromotion: [{ from: 4000, to: 38_000, why: "while frozen" }] }).ok).toBe(true);
    const v = verdict(ledger, { noPromotion: [{ from: 4000, to: 41_000, why: "while frozen" }] });
    expect(v.ok).toBe(false);
    expect(v.checks[1]!.detail).toBe("us promoted at epoch 2 at +40.0s");
  });

  it("fails a transition after start-up when nothing fails, and accepts those before", () => {
    const t = (at: number): LedgerEntry => ({
      at,
      kind: "transition",
      region: "us",
      from: "standby.following",
      to: "standby.suspecting",
      reason: "",
    });
    expect(verdict([w(0, "eu", true), t(900)], { quietFrom: 6000 }).ok).toBe(true);
    const v = verdict([w(0, "eu", true), t(900), t(7000)], { quietFrom: 6000 });
    expect(v.ok).toBe(false);
    expect(v.checks[1]!.detail).toBe("us standby.following -> standby.suspecting at +7.0s (1 transition(s))");
  });

  it("the scenarios' expectations take the times the steps really ran", () => {
    const ran = new Map([
      ["freeze", 4100],
      ["kill eu", 6050],
      ["release", 28_200],
    ]);
    const e = scenarioNamed("builtin", "freeze").expect(ran, 50_000);
    expect(e.noPromotion).toEqual([{ from: 4100, to: 28_200, why: "while frozen" }]);
    expect(e.takeover).toMatchObject({ at: 28_200, lost: "eu" });
    expect(
      scenarioNamed("unbound", "primary-region-down").expect(new Map([["kill eu", 6010]]), 42_000),
    ).toMatchObject({
      takeover: { at: 6010, boundMs: 32_000 },
      endWritable: "us",
    });
    expect(() => scenarioNamed("builtin", "nope")).toThrow(/choose one of normal, primary-region-down/);
  });

  it("fails when the expected region is not the only writable one at the end", () => {
    expect(verdict([w(0, "eu", true)], { endWritable: "us" }).ok).toBe(false);
    expect(verdict([w(0, "eu", true), w(1, "eu", false)], { endWritable: "eu" }).checks[1]!.detail).toBe(
      "no region writable at the end",
    );
  });
});
