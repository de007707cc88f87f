// overrideInProgress: which FailoverOverrides hold the service machine (kube-world.ts). The
// terminal phases are the override executor's own (isPending in service-reconciler.ts).
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/kube/kube-client.ts";
import { overrideInProgress } from "../../../src/kube/kube-world.ts";

const NOW = Date.parse("2026-01-01T00:00:00Z");
const fo = (name: string, action: string, phase?: string, expiresAt?: string): KubeObject => ({
  metadata: { name },
  spec: { service: "db", action, region: "us", reason: "test", ...(expiresAt ? { expiresAt } : {}) },
  ...(phase ? { status: { phase } } : {}),
});

describe("overrideInProgress", () => {
  it("holds for a promote, demote or switchover not yet Applied, Rejected or Expired", () => {
    for (const action of ["promote", "demote", "switchover"])
      for (const phase of [undefined, "Accepted"])
        expect(overrideInProgress([fo("o1", action, phase)], undefined, NOW)).toBe(
          `override o1 (${action}) in progress`,
        );
  });

  it("does not hold for a terminal phase, a freeze or release, or an expired override", () => {
    const none = [
      fo("a", "switchover", "Applied"),
      fo("r", "promote", "Rejected"),
      fo("e", "demote", "Expired"),
      fo("f", "freeze"),
      fo("l", "release"),
      fo("x", "promote", undefined, new Date(NOW).toISOString()),
    ];
    expect(overrideInProgress(none, {}, NOW)).toBeUndefined();
    // Not expired yet: holds.
    expect(
      overrideInProgress([fo("y", "promote", undefined, new Date(NOW + 1).toISOString())], {}, NOW),
    ).toBe("override y (promote) in progress");
  });

  it("holds while status records a switchover step, even with every override done", () => {
    const status = { switchover: { step: "tokenPublished", target: "us" } };
    expect(overrideInProgress([fo("a", "switchover", "Applied")], status, NOW)).toBe(
      "switchover step tokenPublished in progress",
    );
    expect(overrideInProgress([], { switchover: {} }, NOW)).toBeUndefined();
  });
});
