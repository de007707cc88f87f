import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Vote, WitnessResult } from "../../../src/core/evidence.ts";
import { peerVerdict, quorumSize, selfQuorum } from "../../../src/core/witness-quorum.ts";

const W = ["8.8.8.8", "1.1.1.1", "9.9.9.9"];
const w = (witness: string, self: "ok" | "fail", vote: Vote): WitnessResult => ({
  witness,
  self,
  peers: { us: { vote } },
});

describe("witness quorum", () => {
  it("is floor(|W|/2)+1 over the configured witnesses", () => {
    expect(quorumSize(W)).toBe(2);
    expect(quorumSize(["a", "b", "c", "d"])).toBe(3);
    expect(quorumSize(["a"])).toBe(1);
  });

  it("does not shrink to the witnesses that answered", () => {
    // One witness of three answered: 1 of 1 is not a quorum.
    const ev = { witnesses: [w("8.8.8.8", "ok", "down")] };
    expect(selfQuorum(W, ev).ok).toBe(false);
    expect(peerVerdict(W, ev, "us").downQuorum).toBe(false);
  });

  it("counts a down vote only when self(w) was OK in the same round", () => {
    const ev = {
      witnesses: [w("8.8.8.8", "ok", "down"), w("1.1.1.1", "fail", "down"), w("9.9.9.9", "ok", "unknown")],
    };
    const v = peerVerdict(W, ev, "us");
    expect(v.down).toEqual(["8.8.8.8"]);
    expect(v.unknown).toEqual(["1.1.1.1", "9.9.9.9"]);
    expect(v.downQuorum).toBe(false);
    expect(v.reason).toContain("1 down, 0 up, 2 unknown of 3");
  });

  it("reaches a down-quorum with q down votes from witnesses that reached us", () => {
    const ev = {
      witnesses: [w("8.8.8.8", "ok", "down"), w("1.1.1.1", "ok", "down"), w("9.9.9.9", "ok", "up")],
    };
    expect(peerVerdict(W, ev, "us").downQuorum).toBe(true);
    expect(selfQuorum(W, ev).ok).toBe(true);
  });

  it("property: turning unknown votes into anything but down never creates a down-quorum", () => {
    const vote = fc.constantFrom<Vote>("up", "down", "unknown");
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), vote), { minLength: 1, maxLength: 7 }), (spec) => {
        const names = spec.map((_, i) => `w${i}`);
        const ev = { witnesses: spec.map(([ok, v], i) => w(names[i]!, ok ? "ok" : "fail", v)) };
        const verdict = peerVerdict(names, ev, "us");
        const countable = spec.filter(([ok, v]) => ok && v === "down").length;
        expect(verdict.downQuorum).toBe(countable >= quorumSize(names));
        // Dropping every unknown (as if those witnesses were never asked) changes nothing.
        const known = { witnesses: ev.witnesses.filter((r) => r.peers.us?.vote !== "unknown") };
        expect(peerVerdict(names, known, "us").downQuorum).toBe(verdict.downQuorum);
      }),
      { verbose: 1 },
    );
  });
});
