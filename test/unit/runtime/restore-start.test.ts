// The restore path shared by the region runtime and the simulator (src/runtime/restore-start.ts)
// and the status write rule both use (statusWriteDue in src/runtime/service-status.ts).
import { describe, expect, it } from "vitest";
import type { CnpgStatus } from "../../../src/core/evidence.ts";
import { restoreAtStart } from "../../../src/runtime/restore-start.ts";
import type { StoredStatus } from "../../../src/runtime/resume-wait.ts";
import { type ServiceStatusDoc, statusWriteDue } from "../../../src/runtime/service-status.ts";
import { harness, spec } from "../machines/fixtures.ts";

const timing = { ...spec("us").timing, promoteAfterMs: 300_000 };
const MARGIN = 10_000;

const stored = (over: Partial<StoredStatus> = {}): StoredStatus => ({
  role: "standby",
  epoch: 1,
  primary: "eu",
  lastHealthyAt: null,
  leaseHoldUntil: null,
  lastRoleChangeAt: null,
  ...over,
});

describe("restoreAtStart", () => {
  it("a cluster promoted at a newer epoch than the status records starts the machine at that epoch", () => {
    // Lease acquired (epoch 2) and CNPG promoted between two rounds; the status still says epoch 1.
    const cnpg: CnpgStatus = { role: "primary", fenced: false, primary: "us", epoch: 2 };
    expect(restoreAtStart(stored(), cnpg, timing, MARGIN, 1_000_000)?.epoch).toBe(2);
  });

  it("never lowers the status's epoch, whatever the cluster's role", () => {
    const older: CnpgStatus = { role: "primary", fenced: false, primary: "us", epoch: 1 };
    expect(restoreAtStart(stored({ epoch: 3 }), older, timing, MARGIN, 0)?.epoch).toBe(3);
    // A replica's record left from its own earlier promotion is older than the epoch it follows.
    const stale: CnpgStatus = { role: "replica", fenced: false, primary: "ap", epoch: 2 };
    expect(restoreAtStart(stored({ epoch: 3 }), stale, timing, MARGIN, 0)).toEqual(stored({ epoch: 3 }));
  });

  it("a replica re-pointed at a newer claim than the status records starts at that epoch, role and the rest from status", () => {
    // Lease view between two rounds: a stale primary (status "primary, epoch 1") followed us at
    // epoch 2 and demoted; the demotion recorded 2 on the cluster; no round wrote it to status.
    const replica: CnpgStatus = { role: "replica", fenced: true, primary: "us", epoch: 2 };
    const r = restoreAtStart(stored({ role: "primary", primary: "eu" }), replica, timing, MARGIN, 0);
    expect(r).toEqual({
      ...stored({ role: "primary", primary: "eu", epoch: 2 }),
      adjusted: "status said primary at epoch 1; the cluster records epoch 2",
    });
  });

  it("a status still `demoting` under a newer cluster epoch restores a standby: the handover finished", () => {
    // eu followed us at epoch 2 after handing over, and crashed before a round wrote that.
    const following: CnpgStatus = { role: "replica", fenced: false, primary: "us", epoch: 2 };
    const demoting = stored({ role: "demoting", primary: "eu" });
    const r = restoreAtStart(demoting, following, timing, MARGIN, 0);
    expect(r).toEqual({
      ...stored({ role: "standby", primary: "eu", epoch: 2 }),
      adjusted: "status said demoting at epoch 1; the cluster records epoch 2, so the handover finished",
    });
    // The start reason says what was stored and why the restore differs from it.
    const h = harness("eu", { cnpg: following, restored: r! });
    expect(h.state()).toBe("standby.following");
    expect(h.ctx().decision.reason).toBe(
      "restored: CNPG reports replica, status role standby, epoch 2 (status said demoting at epoch 1; the cluster records epoch 2, so the handover finished)",
    );
    // Mid-handover (the cluster holds our own epoch): still demoting.
    const mid: CnpgStatus = { ...following, epoch: 1 };
    expect(restoreAtStart(demoting, mid, timing, MARGIN, 0)?.role).toBe("demoting");
  });

  it("keeps resumeWait's seed for a standby's evidenced wait", () => {
    const suspect = { primary: "eu", lostSince: 100_000, selfQuorumSince: 0, lastRoundAt: 200_000 };
    const r = restoreAtStart(
      stored({ suspect }),
      { role: "replica", fenced: false, primary: "eu" },
      timing,
      MARGIN,
      260_000,
    );
    expect(r?.resume).toEqual({ primary: "eu", since: 160_000 });
  });

  it("no status: nothing restored but the cluster's epoch", () => {
    expect(restoreAtStart(undefined, { role: "primary", fenced: false }, timing, MARGIN, 0)).toBeUndefined();
    expect(
      restoreAtStart(undefined, { role: "replica", fenced: false, epoch: 4 }, timing, MARGIN, 0),
    ).toEqual({
      role: null,
      epoch: 4,
      primary: null,
      lastHealthyAt: null,
      leaseHoldUntil: null,
      lastRoleChangeAt: null,
    });
  });
});

describe("statusWriteDue", () => {
  const doc = (round: number, state = "standby.suspecting") =>
    ({
      state,
      round: { number: round, at: new Date(round * 5_000).toISOString() },
    }) as unknown as ServiceStatusDoc;

  it("writes the first status, then only on a change other than the round, or once the refresh is due", () => {
    const first = statusWriteDue(doc(1), undefined, 0, 30_000);
    expect(first).not.toBeNull();
    expect(statusWriteDue(doc(2), first!, 5_000, 30_000)).toBeNull();
    expect(statusWriteDue(doc(3, "standby.acquiring"), first!, 10_000, 30_000)).not.toBeNull();
    expect(statusWriteDue(doc(7), first!, 30_000, 30_000)).toEqual({ text: first!.text, at: 30_000 });
  });
});
