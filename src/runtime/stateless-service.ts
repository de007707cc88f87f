// A stateless roundRobin service (a FailoverService without CNPG clusters, DESIGN §6): nothing to
// promote, so no state machine, no epoch, no gate. Every region that has targets serves them and
// publishes them as `localtargets-<host>` in its heartbeat; every region's answer is its own
// targets plus those of every peer sighted this round with targets (zone-view.ts answerFor). Pure:
// the runtime (region-runtime.ts) calls these after observing the region's targets.
import type { ServiceEvidence } from "../core/evidence.ts";
import type { PublishedState, ServiceDef } from "./actuators.ts";
import { type Condition, condition, type PeerStatus, type ServiceStatusDoc } from "./service-status.ts";
import type { PeerSights } from "./zone-view.ts";

/**
 * What this region publishes: open with its targets while it has any, closed (and left out of
 * every answer) while it has none. Role `primary` at epoch 0 is the heartbeat's way of saying
 * "serving"; with no CNPG cluster there is no machine on any side that could act on it.
 */
export function statelessPublished(def: ServiceDef, targets: readonly string[]): PublishedState {
  const open = targets.length > 0;
  return {
    host: def.host,
    role: "primary",
    epoch: 0,
    gate: open ? "open" : "closed",
    localTargets: open ? [...targets] : [],
  };
}

export function statelessStatusDoc(
  def: ServiceDef,
  region: string,
  published: PublishedState,
  sights: PeerSights,
  ev: ServiceEvidence,
  quorum: string,
  extraConditions: readonly Condition[],
  previous: readonly Condition[],
  /** The decision of the last status written: its time is kept while its reason stays the same. */
  previousDecision: ServiceStatusDoc["decision"] | undefined,
  now: number,
): ServiceStatusDoc {
  const iso = (ms: number) => new Date(ms).toISOString();
  const peers: PeerStatus[] = def.regions
    .filter((p) => p !== region)
    .map((p) => {
      const s = sights[p]?.[def.host];
      return {
        region: p,
        seen: s?.sighted ? "up" : "unknown",
        direct: ev.direct[p]?.reachable ?? false,
        votes: s?.sighted ? "sighted this round" : "not sighted this round: left out of the answer",
        ...(s ? { role: s.report.role, epoch: s.report.epoch, gate: s.report.gate } : {}),
      };
    });
  const open = published.gate === "open";
  const serving = [
    ...(open ? [region] : []),
    ...peers.filter((p) => p.seen === "up" && p.gate === "open").map((p) => p.region),
  ];
  const reason = `stateless roundRobin service (no CNPG cluster): answering the targets of ${serving.join(", ") || "no region"}`;
  return {
    state: open ? "stateless.serving" : "stateless.noTargets",
    role: "stateless",
    epoch: 0,
    primary: null,
    quorum,
    lease: null,
    witnesses: [],
    peers,
    timer: null,
    // Dated when the answer last changed, not every round: status is written only when its content
    // changes (statusWriteDue), and a time moving each round made that one API write per round.
    decision: {
      action: "roundRobin",
      reason,
      at: previousDecision?.reason === reason ? previousDecision.at : iso(now),
    },
    published: {
      role: published.role,
      epoch: published.epoch,
      gate: published.gate,
      localTargets: [...published.localTargets],
    },
    restore: { lastHealthyAt: null, leaseHoldUntil: null, lastRoleChangeAt: null, selfQuorumSince: null },
    round: { number: ev.round, at: iso(ev.completedAt) },
    conditions: [
      condition(
        previous,
        "Serving",
        open ? "True" : "False",
        open ? "HasTargets" : "NoTargets",
        open
          ? `this region serves the service (targets ${published.localTargets.join(", ")})`
          : "this region has no targets and is left out of every answer",
        now,
      ),
      ...extraConditions.map((x) => condition(previous, x.type, x.status, x.reason, x.message, now)),
    ],
  };
}
