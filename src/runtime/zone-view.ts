// What the responder answers, from the published state of every service and what the last probe
// round saw of the peers (DESIGN §6). Pure: the runtime calls it after every round and every
// change of a service's published state, and compiles the result (zone-model.ts, zone-compiler.ts).
import type { PeerServiceReport } from "../core/evidence.ts";
import type { PublishedHost, PublishedService, ZoneView } from "../dns/zone-model.ts";
import type { PublishedState, ServiceDef } from "./actuators.ts";

/** A peer's report of one service, with whether the peer was sighted alive in the last round. */
export interface PeerSight {
  readonly report: PeerServiceReport;
  readonly sighted: boolean;
}

/** peer region → host → what it published, as the last round carried it. */
export type PeerSights = Readonly<Record<string, Readonly<Record<string, PeerSight>>>>;

/**
 * failover: own targets while our gate is open; otherwise the targets the primary peer publishes,
 * kept only while that peer is sighted alive this round. A standby never answers its own targets
 * because it lost sight of the primary: with nobody known to serve, the answer is empty (NODATA
 * with the SOA and the short negative TTL), never a guess.
 * roundRobin: every region whose localtargets are non-empty (ours and every sighted peer's).
 */
export function answerFor(
  svc: ServiceDef,
  own: PublishedState | undefined,
  peers: PeerSights,
  regionOrder: readonly string[],
): string[] {
  const ownTargets = own && own.gate === "open" ? [...own.localTargets] : [];
  const sightedPeers = regionOrder
    .map((r) => ({ region: r, sight: peers[r]?.[svc.host] }))
    .filter((p): p is { region: string; sight: PeerSight } => p.sight?.sighted === true);
  if (svc.strategy === "roundRobin")
    return [
      ...ownTargets,
      ...sightedPeers.flatMap((p) => (p.sight.report.gate === "open" ? p.sight.report.localTargets : [])),
    ];
  if (ownTargets.length > 0) return ownTargets;
  // The peer that is primary with its gate open; with several (only during a hand-over or a split
  // the machines are resolving), the highest epoch, then the service's priority order.
  const primaries = sightedPeers
    .filter((p) => p.sight.report.role === "primary" && p.sight.report.gate === "open")
    .sort((a, b) => b.sight.report.epoch - a.sight.report.epoch);
  return primaries.length ? [...primaries[0]!.sight.report.localTargets] : [];
}

export function zoneView(
  services: readonly ServiceDef[],
  published: ReadonlyMap<string, PublishedState>,
  peers: PeerSights,
  /** Static hosts from the configuration file that no service defines (standalone answers). */
  staticView: ZoneView,
): ZoneView {
  const hosts: PublishedHost[] = [];
  const out: PublishedService[] = [];
  const defined = new Set(services.map((s) => s.host));
  for (const svc of services) {
    const own = published.get(svc.host);
    const local = own && own.gate === "open" ? [...own.localTargets] : [];
    hosts.push({ name: svc.host, answer: answerFor(svc, own, peers, svc.regions), localTargets: local });
    // Every service's heartbeat, roundRobin too: its peers read our localtargets from it.
    if (own)
      out.push({
        name: svc.host,
        role: own.role,
        epoch: own.epoch,
        gateOpen: own.gate === "open",
        demotionToken: own.demotionToken,
        handoverTo: own.handoverTo,
        localTargets: local,
        // Lease mode: `lm=`, what a peer's failsafe reads (absent until a lease round has run).
        ...(own.leaseMajority === undefined ? {} : { leaseMajority: own.leaseMajority }),
        ...(own.cnpgFenced ? { cnpgFenced: true } : {}),
      });
  }
  for (const h of staticView.hosts) if (!defined.has(h.name)) hosts.push(h);
  for (const s of staticView.services) if (!defined.has(s.name)) out.push(s);
  hosts.sort((a, b) => a.name.localeCompare(b.name));
  out.sort((a, b) => a.name.localeCompare(b.name));
  return { hosts, services: out };
}
