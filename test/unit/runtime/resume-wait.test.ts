// A restarted controller resumes a standby's promotion wait from status only on evidence
// (src/runtime/resume-wait.ts): the status written by one machine is read back (restoredFrom), the
// wait computed (resumeWait) and a second machine started from it on the same injected clock.
// Fixture timing: interval 5 s, timeout 2 s, fenceAfter 60 s; margin here 10 s, so the fresh
// minimum is 60 + 2·7 + 10 + 7 = 91 s.
import { describe, expect, it } from "vitest";
import type { RestoredStatus } from "../../../machines/service-machine.ts";
import { freshMinimumMs, resumeWait, suspectFacts } from "../../../src/runtime/resume-wait.ts";
import { restoredFrom, serviceStatusDoc } from "../../../src/runtime/service-status.ts";
import { evidence, harness, primaryReport, spec } from "../machines/fixtures.ts";

const REPLICA = { role: "replica" as const, fenced: false, primary: "eu" };
const MARGIN_MS = 10_000;
const SLOW = 300_000; // promoteAfter with room above the timing rule's minimum
const usSeesEu = evidence("us", { peers: { eu: { direct: true, report: primaryReport() } } });
const usLostEu = evidence("us", { peers: { eu: { vote: "down" } } });
type Harness = ReturnType<typeof harness>;

const timing = (promoteAfterMs: number) => ({ ...spec("us").timing, promoteAfterMs });

/** A standby us that saw eu at 0 s and then lost it every round for `lostMs` (rounds every 5 s). */
function suspectingFor(lostMs: number, promoteAfterMs = SLOW): Harness {
  const h = harness("us", { cnpg: REPLICA, promoteAfterMs });
  h.send(usSeesEu);
  h.rounds(lostMs, usLostEu);
  expect(h.state()).toBe("standby.suspecting");
  return h;
}

/** The status that machine's controller wrote after its last round, as the API server returns it. */
function storedStatus(h: Harness): Record<string, unknown> {
  const now = h.ctx().clock.now();
  const doc = serviceStatusDoc(
    h.actor.getSnapshot(),
    { ...usLostEu, completedAt: now },
    undefined,
    [],
    [],
    now,
  );
  return JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
}

/** A controller started `gapMs` after h's last round, from h's status. */
function restart(h: Harness, gapMs: number, promoteAfterMs = SLOW): { h: Harness; restored: RestoredStatus } {
  const at = h.ctx().clock.now() + gapMs;
  const restored = resumeWait(restoredFrom(storedStatus(h)), timing(promoteAfterMs), MARGIN_MS, at)!;
  return { h: harness("us", { cnpg: REPLICA, restored, at, promoteAfterMs }), restored };
}

/** Fresh rounds of `ev` every 5 s until us promotes: the fresh time it took. */
function freshUntilPromoted(h: Harness, ev = usLostEu, limit = 600_000): number {
  for (let t = 5_000; t <= limit; t += 5_000) {
    h.advance(5_000);
    h.send(ev);
    if (h.state() === "standby.promoting") return t;
  }
  throw new Error(`not promoted within ${limit} ms (${h.state()})`);
}

describe("status facts of a running promotion wait", () => {
  it("reads the lost primary, its lostSince, our self-quorum start and the last round from the written status", () => {
    const h = suspectingFor(150_000);
    expect(suspectFacts(storedStatus(h))).toEqual({
      primary: "eu",
      lostSince: 5_000,
      selfQuorumSince: 0,
      lastRoundAt: 150_000,
    });
  });

  it("finds none for a standby that is not suspecting, or in a status without selfQuorumSince (an older controller)", () => {
    const h = harness("us", { cnpg: REPLICA, promoteAfterMs: SLOW });
    h.send(usSeesEu);
    expect(suspectFacts(storedStatus(h))).toBeUndefined();
    const s = storedStatus(suspectingFor(100_000));
    delete (s.restore as Record<string, unknown>).selfQuorumSince;
    expect(suspectFacts(s)).toBeUndefined();
  });
});

describe("a restarted standby resumes the promotion wait only on evidence", () => {
  it("counts the evidenced wait before the restart, never the gap: fresh = promoteAfter - evidenced", () => {
    const before = suspectingFor(150_000); // lost since 5 s, last round at 150 s: 145 s evidenced
    const { h, restored } = restart(before, 60_000);
    expect(restored.resume).toEqual({ primary: "eu", since: 210_000 - 145_000 });
    expect(h.state()).toBe("standby.following");
    const fresh = freshUntilPromoted(h);
    expect(fresh).toBe(SLOW - 145_000);
    // The same with a gap of 1000 s: the gap adds nothing.
    expect(freshUntilPromoted(restart(suspectingFor(150_000), 1_000_000).h)).toBe(fresh);
  });

  it("leaves at least the timing rule's minimum plus one round to fresh rounds, however long the wait before", () => {
    const min = freshMinimumMs(timing(SLOW), MARGIN_MS);
    expect(min).toBe(91_000);
    const { h } = restart(suspectingFor(285_000), 60_000); // 280 s evidenced, 20 s short of promoteAfter
    const fresh = freshUntilPromoted(h);
    expect(fresh).toBeGreaterThanOrEqual(min);
    expect(fresh).toBeLessThan(min + 5_000); // the first round after the minimum
  });

  it("drops the resumed wait at the first fresh round that sights the primary: then the whole promoteAfter", () => {
    const { h } = restart(suspectingFor(150_000), 10_000);
    h.advance(5_000);
    h.send(usSeesEu);
    expect(h.ctx().since.lost.eu).toBeUndefined();
    expect(freshUntilPromoted(h)).toBeGreaterThanOrEqual(SLOW);
  });

  it("does not count a wait before the restart during which our self-quorum had a gap", () => {
    const h1 = harness("us", { cnpg: REPLICA, promoteAfterMs: SLOW });
    h1.send(usSeesEu);
    h1.rounds(100_000, usLostEu);
    h1.advance(5_000);
    h1.send(evidence("us", { selfOk: 1, peers: { eu: { vote: "down" } } })); // 105 s: no self-quorum
    h1.rounds(45_000, usLostEu); // self-quorum again from 110 s; last round at 150 s
    const { h, restored } = restart(h1, 60_000);
    expect(restored.resume?.since).toBe(210_000 - 40_000);
    expect(freshUntilPromoted(h)).toBe(SLOW - 40_000);
  });

  it("with promoteAfter at the timing rule's minimum (84 s) nothing is resumed: the wait starts again", () => {
    const { h, restored } = restart(suspectingFor(80_000, 84_000), 10_000, 84_000);
    expect(restored.resume).toBeUndefined();
    // First fresh round at 5 s starts the loss timer; 84 s later (the round at 90 s) it promotes.
    expect(freshUntilPromoted(h)).toBe(90_000);
  });
});
