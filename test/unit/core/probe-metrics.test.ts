import { describe, expect, it } from "vitest";
import { Prober } from "../../../src/core/prober.ts";
import { selfQuorum } from "../../../src/core/witness-quorum.ts";
import { ProbeMetrics } from "../../../src/metrics.ts";
import { FakeWorld } from "../../support/fake-probe-world.ts";

const Z = "gslb.example.com";
const KEY = Buffer.alloc(32, 4);
const ep = (host: string) => ({ host, port: 53 });

describe("prober metrics", () => {
  it("exports reachability, quorum, checks by result, peer reachability per path and latency", async () => {
    const w = new FakeWorld(
      Z,
      [
        { name: "a", key: KEY, incarnation: 1, services: [], up: true, ns: [ep("127.0.0.11")] },
        { name: "b", key: KEY, incarnation: 1, services: [], up: false, ns: [ep("127.0.0.12")] },
      ],
      [
        { endpoint: ep("127.0.0.21"), up: true },
        { endpoint: ep("127.0.0.22"), up: false },
      ],
    );
    const names = ["127.0.0.21", "127.0.0.22"];
    const prober = new Prober(
      {
        zone: Z,
        region: "a",
        witnesses: names.map((n) => ({ name: n, endpoint: ep(n) })),
        peers: [{ name: "b", nameservers: [ep("127.0.0.12")] }],
        services: [],
        keys: [KEY],
      },
      w,
      { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} },
      (() => {
        let i = 0;
        return () => `n${i++}`;
      })(),
    );
    const m = new ProbeMetrics();
    const round = await prober.probe();
    m.observe(round, selfQuorum(names, round.evidence).ok);
    const text = await m.registry.metrics();
    expect(text).toContain('splitbrain_witness_reachable{witness="127.0.0.21"} 1');
    expect(text).toContain('splitbrain_witness_reachable{witness="127.0.0.22"} 0');
    expect(text).toContain("splitbrain_quorum_reached 0");
    expect(text).toContain('splitbrain_checks_total{witness="127.0.0.21",result="down"} 1');
    expect(text).toContain('splitbrain_checks_total{witness="127.0.0.22",result="unknown"} 1');
    expect(text).toContain('splitguard_peer_reachable{peer="b",path="direct"} 0');
    expect(text).toContain('splitguard_probe_latency_seconds_count{path="self"} 2');
  });
});
