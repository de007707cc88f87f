// Witness evidence over real networks: two regions' responders and three unbound witnesses, each
// in its own namespace, with real packet faults between them. Every round is a real
// `splitguard probe` run inside a region's namespace. These are the partitions of the scenario
// table (issue 8) at the level of evidence: what each region sees, which is what its state machine
// decides on (the machine itself is covered by the simulator and the kube tier).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EvidenceWorld, type ProbeResult, summary } from "./support/evidence-world.ts";
import { sweepStale } from "./support/netns.ts";

const peer = (r: ProbeResult, name: string) => {
  const p = r.peers.find((x) => x.peer === name);
  if (!p) throw new Error(`no peer ${name} in ${summary(r)}`);
  return p;
};

describe("witness evidence across real partitions (eu primary, us standby, w1-w3)", () => {
  let w: EvidenceWorld;
  beforeAll(async () => {
    await sweepStale();
    w = await EvidenceWorld.start({ regions: ["eu", "us"], witnesses: 3 });
  });
  afterAll(async () => {
    await w?.stop();
  });
  afterEach(async () => {
    await w.topology.heal();
    // Forget what the witnesses learnt about silent servers (unbound's infra cache), between cases.
    await Promise.all(w.witnesses.map((n) => w.flushWitness(n)));
  });

  it("normal: both regions hold self-quorum and see each other by every path", async () => {
    for (const [self, other] of [
      ["eu", "us"],
      ["us", "eu"],
    ] as const) {
      const r = await w.probe(self);
      console.log(`normal, from ${self}: ${summary(r)}`);
      expect(r.selfQuorum.ok).toBe(true);
      expect(peer(r, other)).toMatchObject({ verdict: "up", direct: true });
      expect(peer(r, other).votes.up).toHaveLength(3);
    }
  });

  it("inter-region partition, witnesses reachable from both: the primary is still seen, never voted down", async () => {
    await w.topology.cut("eu", "us");
    const r = await w.probe("us");
    console.log(`eu-us cut, from us: ${summary(r)}`);
    expect(r.selfQuorum.ok).toBe(true);
    expect(peer(r, "eu").direct).toBe(false);
    expect(peer(r, "eu").verdict).toBe("up");
    expect(peer(r, "eu").votes.down).toEqual([]);
    const e = await w.probe("eu");
    expect(e.selfQuorum.ok).toBe(true); // the primary keeps its quorum: it must not fence
  });

  it("primary isolated from everything: the standby sees a down-quorum, the primary loses self-quorum", async () => {
    await w.topology.isolate("eu");
    const seen = await w.probeUntil("us", (r) => peer(r, "eu").verdict === "down");
    console.log(
      `eu isolated: down-quorum from us after ${seen.rounds} round(s), ${seen.ms} ms: ${summary(seen.round)}`,
    );
    expect(seen.round.selfQuorum.ok).toBe(true);
    expect(peer(seen.round, "eu").direct).toBe(false);
    const e = await w.probe("eu");
    console.log(`eu isolated, from eu: ${summary(e)}`);
    expect(e.selfQuorum.ok).toBe(false);
  });

  it("standby isolated: it loses self-quorum, so its down votes on the primary do not count", async () => {
    await w.topology.isolate("us");
    const r = await w.probe("us");
    console.log(`us isolated, from us: ${summary(r)}`);
    expect(r.selfQuorum.ok).toBe(false);
    expect(peer(r, "eu").verdict).not.toBe("down");
    const e = await w.probe("eu");
    expect(e.selfQuorum.ok).toBe(true);
  });

  it("witness outage: unknown everywhere, never down; the direct path still sees the peer", async () => {
    for (const n of w.witnesses) await w.topology.isolate(n);
    const r = await w.probe("us");
    console.log(`witnesses isolated, from us: ${summary(r)}`);
    expect(r.selfQuorum.ok).toBe(false);
    expect(peer(r, "eu").votes.down).toEqual([]);
    expect(peer(r, "eu")).toMatchObject({ verdict: "up", direct: true });
  });

  it("asymmetric: witnesses cannot reach eu but us can: down votes, yet the direct sighting keeps eu up", async () => {
    for (const n of w.witnesses) await w.topology.cut(n, "eu", "oneWay");
    const seen = await w.probeUntil("us", (r) => peer(r, "eu").votes.down.length >= 2);
    console.log(`witnesses->eu cut one way, from us: ${summary(seen.round)}`);
    expect(peer(seen.round, "eu")).toMatchObject({ direct: true });
    expect(peer(seen.round, "eu").verdict).toBe("up"); // sighted directly: not lost
  });

  it("loss and delay on the standby's links never produce a down vote on a live primary", async () => {
    const { netdelay } = w;
    for (const n of w.witnesses) await w.topology.loss("us", n, 0.3);
    await w.topology.delay("us", "w1", 300, { netdelay });
    const rounds: ProbeResult[] = [];
    for (let i = 0; i < 3; i++) rounds.push(await w.probe("us"));
    for (const r of rounds) console.log(`30% loss us<->witnesses, 300 ms us<->w1, from us: ${summary(r)}`);
    for (const r of rounds) {
      expect(peer(r, "eu").votes.down).toEqual([]);
      expect(peer(r, "eu").verdict).not.toBe("down");
    }
  });
});
