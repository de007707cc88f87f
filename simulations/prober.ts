// The simulated prober: produces exactly the prober's output type (EvidenceRound, DESIGN §3) from
// the network model, the way the real one would see it: self(w) and peer(w, p) through the witness
// site nearest to the asker, direct(p) to the peer's responders, resolver give-up and infra cache.
import type {
  DirectResult,
  EvidenceRound,
  LocalServiceState,
  Override,
  PeerVote,
  RegionHeartbeat,
  WitnessResult,
} from "../src/core/evidence.ts";
import type { Network } from "./network.ts";

export interface ProbeParams {
  readonly witnesses: readonly string[];
  readonly timeoutMs: number;
  readonly retries: number;
  /** How long a witness resolver tries an unreachable server before it answers SERVFAIL. */
  readonly resolverGiveUpMs: number;
  /** How long a witness site remembers a server as down (unbound's infra cache). */
  readonly infraCacheMs: number;
}

export interface ProbeWorld {
  readonly regions: readonly string[];
  heartbeat(region: string): RegionHeartbeat | undefined;
  local(region: string): Record<string, LocalServiceState>;
  overrides(region: string): Record<string, readonly Override[]>;
}

export class SimProber {
  /** Per witness site, per target: until when the site's infra cache holds the target as down. */
  private readonly infraDownUntil = new Map<string, Map<string, number>>();

  constructor(
    private readonly net: Network,
    private readonly world: ProbeWorld,
    private readonly p: ProbeParams,
    private readonly virtualNow: () => number,
  ) {}

  /** Can `site` (a witness resolver) get an answer from `target`'s responder, by its own retries? */
  private resolve(site: string, target: string): "ok" | "servfail" {
    const t = this.virtualNow();
    let cache = this.infraDownUntil.get(site);
    if (cache === undefined) {
      cache = new Map();
      this.infraDownUntil.set(site, cache);
    }
    if ((cache.get(target) ?? -1) > t) return "servfail";
    const rtt = this.net.exchange(site, target, 3, this.p.resolverGiveUpMs / 3);
    if (rtt === undefined) {
      cache.set(target, t + this.p.infraCacheMs);
      return "servfail";
    }
    return "ok";
  }

  /**
   * A peer's heartbeat as served during this round. Nothing changes while a round is computed (it
   * runs synchronously at one virtual instant), so each peer's is built once per round, not once
   * per path that reaches it.
   */
  private beat(beats: Map<string, RegionHeartbeat | undefined>, peer: string): RegionHeartbeat | undefined {
    if (beats.has(peer)) return beats.get(peer);
    const b = this.world.heartbeat(peer);
    beats.set(peer, b);
    return b;
  }

  round(region: string, n: number, startedAt: number, completedAt: number): EvidenceRound {
    const attempts = 1 + this.p.retries;
    const perTry = this.p.timeoutMs / attempts;
    const peers = this.world.regions.filter((r) => r !== region);
    const beats = new Map<string, RegionHeartbeat | undefined>();
    const witnesses: WitnessResult[] = this.p.witnesses.map((w) => {
      const site = this.net.siteFor(w, region);
      const selfRtt = this.net.exchange(region, site, attempts, perTry);
      const selfOk = selfRtt !== undefined && this.resolve(site, region) === "ok";
      const votes: Record<string, PeerVote> = {};
      for (const p of peers) {
        const rtt = this.net.exchange(region, site, attempts, perTry);
        if (rtt === undefined) {
          votes[p] = { vote: "unknown", detail: "timeout" };
          continue;
        }
        const r = this.resolve(site, p);
        if (r === "ok") votes[p] = { vote: "up", heartbeat: this.beat(beats, p) };
        else if (this.p.resolverGiveUpMs + rtt < this.p.timeoutMs)
          votes[p] = { vote: "down", detail: "SERVFAIL" };
        else votes[p] = { vote: "unknown", detail: "timeout (resolver still trying)" };
      }
      return {
        witness: w,
        self: selfOk ? "ok" : "fail",
        selfDetail: selfOk ? undefined : selfRtt === undefined ? "timeout" : "SERVFAIL",
        peers: votes,
      };
    });
    const direct: Record<string, DirectResult> = {};
    for (const p of peers) {
      const rtt = this.net.exchange(region, p, attempts, perTry);
      direct[p] =
        rtt === undefined
          ? { reachable: false, detail: "timeout" }
          : { reachable: true, heartbeat: this.beat(beats, p) };
    }
    return {
      region,
      round: n,
      startedAt,
      completedAt,
      witnesses,
      direct,
      local: this.world.local(region),
      overrides: this.world.overrides(region),
    };
  }
}
