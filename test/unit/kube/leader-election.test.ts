import { describe, expect, it } from "vitest";
import { leaseDecision } from "../../../src/kube/leader-election.ts";

describe("leaseDecision", () => {
  it("acquires a lease nobody holds", () => {
    expect(leaseDecision(undefined, undefined, "a", 15, 0)).toMatchObject({
      kind: "acquire",
      spec: { holderIdentity: "a", leaseTransitions: 0 },
    });
  });
  it("renews its own lease", () => {
    expect(leaseDecision({ holderIdentity: "a", leaseTransitions: 1 }, undefined, "a", 15, 1000).kind).toBe(
      "renew",
    );
  });
  it("waits a full duration on its own clock since the record last changed", () => {
    const held = { holderIdentity: "b", leaseDurationSeconds: 15, leaseTransitions: 3 };
    expect(leaseDecision(held, { resourceVersion: "7", seenAt: 1000 }, "a", 15, 15_999).kind).toBe("wait");
    expect(leaseDecision(held, { resourceVersion: "7", seenAt: 1000 }, "a", 15, 16_000)).toMatchObject({
      kind: "acquire",
      spec: { holderIdentity: "a", leaseTransitions: 4 },
    });
  });
  it("writes MicroTime timestamps", () => {
    const a = leaseDecision(undefined, undefined, "a", 15, Date.UTC(2026, 0, 1));
    expect(a.kind === "acquire" && a.spec.renewTime).toBe("2026-01-01T00:00:00.000000Z");
  });
});
