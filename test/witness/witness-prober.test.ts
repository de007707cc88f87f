// The prober against real resolvers (issue 4): three Debian unbound witnesses on 127.0.0.21-23 and
// three real `splitguard dns serve` responders on 127.0.0.11-13, all on port 53. The witnesses
// reach the responders only by following the delegation of Z (stub zone) and the referrals for the
// heartbeat subzones, exactly as a public resolver would.
//
// Unbound setting used here: `infra-cache-max-rtt: 1000`. With unbound's defaults a stopped server
// is retried with a growing timeout for minutes and the client gets no answer at all (timeout =
// unknown); with the cap it is marked down after about a second and later questions get SERVFAIL at
// once. docs/prober.md has both measurements (npm run measure:unbound).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EvidenceRound } from "../../src/core/evidence.ts";
import type { ProbeRound } from "../../src/core/prober.ts";
import { peerVerdict, selfQuorum } from "../../src/core/witness-quorum.ts";
import { dnsProbeTransport } from "../../src/dns/probe-transport.ts";
import { systemClock } from "../../src/shell/system-clock.ts";
import { runCli } from "../support/run-cli.ts";
import { startBlackhole } from "./support/blackhole.ts";
import { startReplayer } from "./support/replayer.ts";
import { configText, MANY, REGIONS, WITNESSES, WitnessWorld, ZONE } from "./support/world.ts";

const W = [...WITNESSES];
const UNBOUND_EXTRA = ["infra-cache-max-rtt: 1000"];
const world = new WitnessWorld();

beforeAll(async () => {
  try {
    await Promise.all([world.startResponder("a"), world.startResponder("b"), world.startResponder("c")]);
    await Promise.all(W.map((a) => world.startWitness(a, UNBOUND_EXTRA)));
  } catch (e) {
    await world.stop();
    throw e;
  }
});

afterAll(async () => {
  await world.stop();
});

/** Put the world back: every responder up with the right key, every witness up, caches flushed. */
async function heal(): Promise<void> {
  for (const r of ["a", "b", "c"] as const) if (!world.responders.has(r)) await world.startResponder(r);
  for (const a of W) if (!world.witnesses.has(a)) await world.startWitness(a, UNBOUND_EXTRA);
  await world.flushWitnesses();
}

/** Probe rounds from `region` until `done` or `maxRounds`; every round is returned. */
async function rounds(
  done: (ev: EvidenceRound) => boolean,
  maxRounds: number,
  region: "a" | "b" | "c" = "a",
): Promise<ProbeRound[]> {
  const p = world.prober(region);
  const out: ProbeRound[] = [];
  for (let i = 0; i < maxRounds; i++) {
    const r = await p.probe();
    out.push(r);
    if (done(r.evidence)) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  return out;
}

describe("witness prober against unbound", () => {
  it("all healthy: self-quorum, every peer up through every witness and directly", async () => {
    const { evidence, observations } = await world.prober("a").probe();
    expect(selfQuorum(W, evidence).okWitnesses).toEqual(W);
    for (const p of ["b", "c"]) {
      expect(peerVerdict(W, evidence, p).up).toEqual(W);
      expect(evidence.direct[p]?.reachable).toBe(true);
    }
    expect(evidence.direct.b?.heartbeat?.services.db?.role).toBe("primary");
    expect(evidence.direct.c?.heartbeat?.services.db?.role).toBe("standby");
    // 3 witnesses × (self + 2 peers) + 2 direct, then db from b and c once (first round).
    expect(observations.filter((o) => o.path !== "service" && o.path !== "localtargets")).toHaveLength(11);
    // With each per-service record, the peer's own localtargets-db, asked directly, matches its signed lt=.
    const lt = observations.filter((o) => o.path === "localtargets");
    expect(lt.map((o) => o.peer).sort()).toEqual(["b", "c"]);
    for (const o of lt) expect(o.judgement).toBe("matches the signed lt=");
    expect(evidence.completedAt - evidence.startedAt).toBeLessThan(4000);
  });

  it("a peer's responder stopped: down by quorum, never up, direct unreachable", async () => {
    await world.stopResponder("b");
    try {
      const rs = await rounds((ev) => peerVerdict(W, ev, "b").downQuorum, 20);
      const last = rs[rs.length - 1]!.evidence;
      expect(peerVerdict(W, last, "b").downQuorum).toBe(true);
      expect(selfQuorum(W, last).ok).toBe(true);
      expect(last.direct.b?.reachable).toBe(false);
      for (const r of rs) expect(peerVerdict(W, r.evidence, "b").up).toEqual([]);
      // c is unaffected.
      expect(peerVerdict(W, last, "c").up).toEqual(W);
      console.log(`peer b stopped: down-quorum in round ${rs.length}`);
    } finally {
      await heal();
    }
  });

  it("one witness stopped: self-quorum holds and peers stay up", async () => {
    await world.stopWitness(W[2]!);
    try {
      const { evidence } = await world.prober("a").probe();
      const sq = selfQuorum(W, evidence);
      expect(sq.ok).toBe(true);
      expect(sq.okWitnesses).toEqual(W.slice(0, 2));
      expect(peerVerdict(W, evidence, "b").up).toEqual(W.slice(0, 2));
      expect(evidence.witnesses[2]!.self).toBe("fail");
      expect(evidence.witnesses[2]!.peers.b?.vote).toBe("unknown");
    } finally {
      await heal();
    }
  });

  it("two witnesses stopped: no self-quorum, and a stopped peer is unknown, not down", async () => {
    await world.stopWitness(W[1]!);
    await world.stopWitness(W[2]!);
    await world.stopResponder("b");
    try {
      // Several rounds: the remaining witness reaches the SERVFAIL state, still no down-quorum.
      const rs = await rounds(() => false, 4);
      for (const r of rs) {
        expect(selfQuorum(W, r.evidence).ok).toBe(false);
        expect(peerVerdict(W, r.evidence, "b").downQuorum).toBe(false);
      }
      expect(rs.some((r) => r.evidence.witnesses[0]!.peers.b?.vote === "down")).toBe(true);
    } finally {
      await heal();
    }
  });

  it("own responder unreachable from the witnesses: self-quorum lost, peers still up", async () => {
    await world.stopResponder("a");
    const hole = await startBlackhole(REGIONS.a);
    try {
      const rs = await rounds(() => false, 2);
      for (const r of rs) {
        expect(selfQuorum(W, r.evidence).ok).toBe(false);
        expect(r.evidence.witnesses.every((w) => w.self === "fail")).toBe(true);
      }
      expect(peerVerdict(W, rs[1]!.evidence, "b").up.length).toBeGreaterThanOrEqual(2);
    } finally {
      await hole.stop();
      await heal();
    }
  });

  it("a heartbeat signed with another key is unknown through every witness and directly", async () => {
    await world.stopResponder("c");
    await world.startResponder("c", "a-different-key-that-nobody-shares-0000");
    try {
      const { evidence } = await world.prober("a").probe();
      for (const w of evidence.witnesses)
        expect(w.peers.c).toEqual({ vote: "unknown", detail: "bad signature" });
      expect(peerVerdict(W, evidence, "c").downQuorum).toBe(false);
      expect(evidence.direct.c).toEqual({ reachable: false, detail: "127.0.0.13:53: bad signature" });
    } finally {
      await world.stopResponder("c");
      await heal();
    }
  });

  it("a replayed earlier answer is rejected by the nonce", async () => {
    const t = dnsProbeTransport({ clock: systemClock, timeoutMs: 2000, retries: 0 });
    const rec = await t.query({ host: REGIONS.c, port: 53 }, `recorded1.c.hb.${ZONE}`, false);
    expect(rec.kind === "answer" && rec.txt).toBeTruthy();
    await world.stopResponder("c");
    const replayer = await startReplayer(REGIONS.c, `c.hb.${ZONE}`, rec.kind === "answer" ? rec.txt! : []);
    try {
      const { evidence } = await world.prober("a").probe();
      for (const w of evidence.witnesses)
        expect(w.peers.c).toEqual({ vote: "unknown", detail: "stale nonce (replayed or cached answer)" });
      expect(evidence.direct.c?.reachable).toBe(false);
      expect(evidence.direct.c?.detail).toContain("stale nonce");
      expect(replayer.answered()).toBeGreaterThanOrEqual(4);
    } finally {
      await replayer.stop();
      await heal();
    }
  });

  it("a truncated answer: the per-service record falls back to TCP and arrives whole", async () => {
    // 512-octet UDP (no EDNS): b's record for db carries 120 addresses, ~1.9 kB.
    const { evidence, observations } = await world.prober("a", undefined, 0).probe();
    const svc = observations.find((o) => o.path === "service" && o.peer === "b" && o.judgement === "valid");
    expect(svc?.outcome.kind === "answer" && svc.outcome.via).toBe("tcp");
    expect(evidence.direct.b?.heartbeat?.services.db?.localTargets).toEqual(MANY);
  });

  it("splitguard probe: table and -o json from region a's view; exit 2 on bad usage or config", async () => {
    const dir = world.responders.get("a")!.dir;
    const cfg = world.responders.get("a")!.configPath;
    await world.stopResponder("c");
    try {
      const text = await runCli("probe", "--config", cfg);
      expect(text.code).toBe(0);
      expect(text.out).toContain("region a: self-quorum held: 3 of 3 witnesses reached us (need 2)");
      expect(text.out).toMatch(/peer b: up \(direct reachable/);
      expect(text.out).toMatch(/peer c: (down|unknown) \(direct unreachable/);
      expect(text.out).toMatch(
        /peer\s+127\.0\.0\.21:53\s+b\s+NOERROR\s+udp\s+\d+ ms\s+valid\s+t=region r=b inc=\d+ sv=\S{22} ns=1/,
      );
      const json = await runCli("probe", "--config", cfg, "-o", "json");
      expect(json.code).toBe(0);
      const parsed = JSON.parse(json.out);
      expect(parsed.selfQuorum.ok).toBe(true);
      expect(parsed.evidence.witnesses).toHaveLength(3);
      expect(
        parsed.observations.every((o: { outcome: { latencyMs: number } }) => o.outcome.latencyMs >= 0),
      ).toBe(true);
      console.log(text.out);
    } finally {
      await heal();
    }
    expect((await runCli("probe")).code).toBe(2);
    expect((await runCli("probe", "--config", cfg, "-o", "yaml")).code).toBe(2);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, configText("a").replace("witnesses: [", "witnesses: [not-an-address, "));
    const badRun = await runCli("probe", "--config", bad);
    expect(badRun.code).toBe(2);
    expect(badRun.err).toContain("witnesses");
  });
});
