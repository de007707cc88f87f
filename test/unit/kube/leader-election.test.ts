import { describe, expect, it } from "vitest";
import type { KubeClient, KubeObject } from "../../../src/kube/kube-client.ts";
import { KubeApiError } from "../../../src/kube/kube-client.ts";
import { LeaderElector, leaseDecision } from "../../../src/kube/leader-election.ts";
import { ManualClock } from "../../support/manual-clock.ts";

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

/** A Lease API whose writes the test can hold back (a slow API server). */
function leaseApi() {
  let lease: KubeObject | undefined;
  let rv = 0;
  const held: (() => void)[] = [];
  let hold = false;
  const write = async (obj: KubeObject) => {
    if (hold) await new Promise<void>((r) => held.push(r));
    lease = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
    return lease;
  };
  const client = {
    get: async () => {
      if (!lease) throw new KubeApiError(404, "NotFound", "not found", {});
      return lease;
    },
    create: (_p: string, obj: KubeObject) => write(obj),
    update: (_p: string, obj: KubeObject) => write(obj),
  } as unknown as KubeClient;
  return {
    client,
    holdWrites: (on: boolean) => {
      hold = on;
    },
    release: () => {
      for (const r of held.splice(0)) r();
    },
    holder: () => (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity,
  };
}

describe("LeaderElector", () => {
  const start = async (api: ReturnType<typeof leaseApi>, clock: ManualClock, changes: boolean[]) => {
    const e = new LeaderElector({
      client: api.client,
      namespace: "sg",
      name: "splitguard-controller",
      identity: "eu-0",
      clock,
      durationS: 3,
      onChange: (l) => changes.push(l),
    });
    await e.start();
    return e;
  };

  /** The renewal hung since 1 s (so good until 4 s) lands at 4.5 s. */
  const landLate = async (api: ReturnType<typeof leaseApi>, clock: ManualClock) => {
    api.holdWrites(false);
    await clock.advanceTo(4_500);
    api.release();
    await clock.advanceTo(4_501);
  };

  it("renewing in time keeps leadership without a change", async () => {
    const clock = new ManualClock();
    const changes: boolean[] = [];
    const e = await start(leaseApi(), clock, changes);
    await clock.advanceTo(20_000);
    expect(e.isLeader()).toBe(true);
    expect(changes).toEqual([true]);
    await e.stop(false);
  });

  it("a renewal still in flight at the Lease's end reports the loss then, and landing late does not restore it", async () => {
    const api = leaseApi();
    const clock = new ManualClock();
    const changes: boolean[] = [];
    const e = await start(api, clock, changes);
    api.holdWrites(true);
    // Renewals every 1 s; the one started at 1 s hangs. Leadership held until 0 + 3 s.
    await clock.advanceTo(2_999);
    expect(changes).toEqual([true]);
    await clock.advanceTo(3_000);
    expect(e.isLeader()).toBe(false);
    expect(changes, "the lapse is reported at the Lease's end").toEqual([true, false]);
    await landLate(api, clock);
    expect(e.isLeader(), "too late to lead").toBe(false);
    expect(changes).toEqual([true, false]);
    // The next renewal lands at once: leader again.
    await clock.advanceTo(6_000);
    expect(e.isLeader()).toBe(true);
    expect(changes).toEqual([true, false, true]);
    await e.stop(false);
  });

  it("a replica whose leadership lapsed still releases the Lease that names it when it stops", async () => {
    const api = leaseApi();
    const clock = new ManualClock();
    const changes: boolean[] = [];
    const e = await start(api, clock, changes);
    api.holdWrites(true);
    await clock.advanceTo(3_000);
    expect(changes).toEqual([true, false]);
    await landLate(api, clock);
    expect(e.isLeader()).toBe(false);
    expect(api.holder()).toBe("eu-0");
    await e.stop();
    expect(api.holder(), "released, so a successor need not wait out the duration").toBe("");
  });
});
