import { describe, expect, it } from "vitest";
import type { ServiceState } from "../../../src/core/heartbeat-record.ts";
import { type ProbePlan, Prober } from "../../../src/core/prober.ts";
import { peerVerdict, selfQuorum } from "../../../src/core/witness-quorum.ts";
import { type FakeRegion, type FakeWitness, FakeWorld } from "../../support/fake-probe-world.ts";

const Z = "gslb.example.com";
const KEY = Buffer.alloc(32, 9);
const W = ["127.0.0.21", "127.0.0.22", "127.0.0.23"];
const ep = (host: string) => ({ host, port: 53 });
const clock = { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} };

function svc(name: string, over: Partial<ServiceState> = {}): ServiceState {
  return { service: name, role: "standby", epoch: 1, gateOpen: false, localTargets: [], ...over };
}

function world(serviceCount = 1) {
  const names = Array.from({ length: serviceCount }, (_, i) => (i === 0 ? "db" : `svc${i}`));
  const mk = (name: string, ns: string[], role: ServiceState["role"]): FakeRegion => ({
    name,
    key: KEY,
    incarnation: 11,
    up: true,
    ns: ns.map(ep),
    services: names.map((n) =>
      svc(n, role === "primary" ? { role, gateOpen: true, localTargets: ["192.0.2.10"] } : { role }),
    ),
  });
  const regions = [mk("a", ["127.0.0.11"], "standby"), mk("b", ["127.0.0.12", "127.0.0.13"], "primary")];
  const witnesses: FakeWitness[] = W.map((h) => ({ endpoint: ep(h), up: true }));
  const w = new FakeWorld(Z, regions, witnesses);
  const plan: ProbePlan = {
    zone: Z,
    region: "a",
    witnesses: W.map((h) => ({ name: h, endpoint: ep(h) })),
    peers: [{ name: "b", nameservers: [ep("127.0.0.12"), ep("127.0.0.13")] }],
    services: names,
    keys: [KEY],
  };
  let n = 0;
  const prober = new Prober(plan, w, clock, () => `n${(n++).toString(36)}`);
  return { w, prober, plan };
}

describe("prober round (scripted world)", () => {
  it("all healthy: self-quorum, every witness up on the peer, direct reachable, services known", async () => {
    const { prober } = world();
    const { evidence } = await prober.probe();
    expect(selfQuorum(W, evidence).ok).toBe(true);
    const v = peerVerdict(W, evidence, "b");
    expect(v.up).toEqual(W);
    expect(v.downQuorum).toBe(false);
    expect(evidence.direct.b?.reachable).toBe(true);
    expect(evidence.direct.b?.heartbeat?.services.db).toEqual({
      role: "primary",
      epoch: 1,
      gate: "open",
      localTargets: ["192.0.2.10"],
    });
    expect(evidence.witnesses[0]!.peers.b?.heartbeat?.incarnation).toBe(11);
  });

  it("peer down: SERVFAIL from witnesses that reached us is a down-quorum", async () => {
    const { w, prober } = world();
    w.region("b").up = false;
    const { evidence } = await prober.probe();
    const v = peerVerdict(W, evidence, "b");
    expect(v.down).toEqual(W);
    expect(v.downQuorum).toBe(true);
    expect(evidence.direct.b?.reachable).toBe(false);
  });

  it("SERVFAIL from a witness that did not reach us is unknown, never down", async () => {
    const { w, prober } = world();
    w.region("b").up = false;
    w.witnesses[0]!.sees = (r) => (r.name === "a" ? "timeout" : "servfail");
    const { evidence } = await prober.probe();
    expect(evidence.witnesses[0]!.self).toBe("fail");
    expect(evidence.witnesses[0]!.peers.b).toEqual({
      vote: "unknown",
      detail: "SERVFAIL, but self(w) failed this round",
    });
    expect(peerVerdict(W, evidence, "b").down).toEqual(W.slice(1));
  });

  it("REFUSED, timeout and garbage are unknown", async () => {
    const { w, prober } = world();
    const kinds = ["refused", "timeout", "garbage"] as const;
    w.witnesses.forEach((x, i) => {
      x.sees = (r) => (r.name === "b" ? kinds[i]! : "relay");
    });
    const { evidence } = await prober.probe();
    const votes = evidence.witnesses.map((x) => x.peers.b);
    expect(votes.map((v) => v?.vote)).toEqual(["unknown", "unknown", "unknown"]);
    expect(votes[0]?.detail).toBe("REFUSED");
    expect(votes[1]?.detail).toMatch(/^timeout/);
    expect(votes[2]?.detail).toBe("unsigned (no mac string)");
  });

  it("two witnesses down: no self-quorum and the peer is unknown, not down", async () => {
    const { w, prober } = world();
    w.region("b").up = false;
    w.witnesses[1]!.up = false;
    w.witnesses[2]!.up = false;
    const { evidence } = await prober.probe();
    expect(selfQuorum(W, evidence).ok).toBe(false);
    const v = peerVerdict(W, evidence, "b");
    expect(v.downQuorum).toBe(false);
    expect(v.down).toEqual([W[0]]);
  });

  it("a heartbeat signed with another key is unknown on every path", async () => {
    const { w, prober } = world();
    w.region("b").key = Buffer.alloc(32, 1);
    const { evidence } = await prober.probe();
    expect(evidence.witnesses.map((x) => x.peers.b)).toEqual(
      W.map(() => ({ vote: "unknown", detail: "bad signature" })),
    );
    expect(evidence.direct.b?.reachable).toBe(false);
  });

  it("a replayed earlier answer is rejected by the nonce", async () => {
    const { w, prober } = world();
    const first = await prober.probe();
    const seen = first.observations.find((o) => o.path === "direct" && o.outcome.kind === "answer")!;
    w.region("b").replay = seen.outcome.kind === "answer" ? seen.outcome.txt : undefined;
    const { evidence } = await prober.probe();
    expect(evidence.direct.b?.reachable).toBe(false);
    expect(evidence.witnesses[0]!.peers.b?.detail).toBe("stale nonce (replayed or cached answer)");
  });

  it("every query carries a fresh nonce; direct asks every NS address", async () => {
    const { w, prober } = world();
    await prober.probe();
    // Heartbeat questions each carry a fresh nonce (localtargets-<host> has none: it is asked A and AAAA).
    const names = w.log.map((q) => q.name).filter((n) => !n.startsWith("localtargets-"));
    expect(new Set(names).size).toBe(names.length);
    const direct = w.log.filter(
      (q) => !q.recursive && !q.name.includes(".db.") && !q.name.startsWith("localtargets-"),
    );
    expect(direct.map((q) => q.server).sort()).toEqual(["127.0.0.12:53", "127.0.0.13:53"]);
  });

  it("a demotion token travels through a witness when the direct path is down", async () => {
    const { w, prober } = world();
    w.region("b").directBlocked = true;
    w.region("b").services[0] = svc("db", {
      role: "demoting",
      epoch: 4,
      demotionToken: "T".repeat(600),
      handoverTo: "a",
    });
    const { evidence, observations } = await prober.probe();
    expect(evidence.direct.b?.reachable).toBe(false);
    expect(evidence.witnesses[0]!.peers.b?.heartbeat?.services.db?.demotionToken).toBe("T".repeat(600));
    expect(observations.some((o) => o.path === "service" && o.judgement === "valid")).toBe(true);
  });

  it("cost per round does not grow with services; a change is fetched once", async () => {
    const counts: number[] = [];
    for (const n of [1, 1000]) {
      const { w, prober } = world(n);
      await prober.probe(); // first round learns every service
      const before = w.queries;
      await prober.probe();
      counts.push(w.queries - before);
      // One service changes: the next round fetches the services again, the one after does not.
      w.region("b").services[0] = svc("db", { role: "fenced", epoch: 2 });
      const b2 = w.queries;
      const changed = await prober.probe();
      expect(changed.evidence.direct.b?.heartbeat?.services.db?.role).toBe("fenced");
      // +n per-service records, and for each the peer's localtargets-<host> A and AAAA (direct).
      expect(w.queries - b2).toBe(counts[counts.length - 1]! + 3 * n);
      expect(changed.observations.filter((o) => o.path === "localtargets")).toHaveLength(n);
      const b3 = w.queries;
      await prober.probe();
      expect(w.queries - b3).toBe(counts[counts.length - 1]);
    }
    // |W|·(1+|P|) + Σ|NS(p)| = 3·2 + 2
    expect(counts).toEqual([8, 8]);
  });

  it("asks the peer directly for localtargets-<host> (A and AAAA) and reports whether it matches the signed lt=", async () => {
    const { w, prober } = world(1);
    const first = await prober.probe();
    const lt = first.observations.filter((o) => o.path === "localtargets");
    expect(lt.length).toBeGreaterThan(0);
    expect(lt.every((o) => o.judgement === "matches the signed lt=")).toBe(true);
    // The peer's zone serves something else than its signed heartbeat says: shown, not believed.
    w.region("b").servedLocalTargets = { db: ["192.0.2.99"] };
    w.region("b").services[0] = svc("db", { epoch: 7 });
    const next = await prober.probe();
    const o = next.observations.find((x) => x.path === "localtargets" && x.peer === "b")!;
    expect(o.judgement).toMatch(/^differs from the signed lt=/);
    expect(next.evidence.direct.b?.heartbeat?.services.db?.localTargets).not.toContain("192.0.2.99");
  });
});
