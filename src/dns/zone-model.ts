// The GSLB zone as data (DESIGN §2, §6): built from the configuration and the published state of
// every host and service. Pure. The responder compiles it to wire format (zone-compiler.ts) and
// the conformance tests render the same model as master files for NSD (zone-file.ts).

import type { Config } from "../config/schema.ts";
import type { ServiceState } from "../core/heartbeat-record.ts";
import type { RR } from "./wire-writer.ts";

/** What a host answers right now, as decided by the state machines (or by the config, standalone). */
export interface PublishedHost {
  readonly name: string;
  /** The strategy's answer for `<host>.Z` (DESIGN §6); empty → NODATA with the SOA. */
  readonly answer: readonly string[];
  /** This region's own targets, published only while its gate is open (`localtargets-<host>`). */
  readonly localTargets: readonly string[];
}

/**
 * What the per-service heartbeat `<nonce>.<service>.<region>.hb.Z` reports: the heartbeat's
 * `ServiceState` under the host's name; no `localTargets` means none.
 */
export interface PublishedService extends Omit<ServiceState, "service" | "localTargets"> {
  readonly name: string;
  readonly localTargets?: readonly string[] | undefined;
}

export interface ZoneView {
  readonly hosts: readonly PublishedHost[];
  readonly services: readonly PublishedService[];
}

export interface ZoneModel {
  readonly zone: string;
  readonly region: string;
  readonly serial: number;
  readonly ttl: number;
  readonly negativeTtl: number;
  /** Authoritative RRsets of Z, by owner name (absolute, lower case). Owners with no RRsets are empty non-terminals. */
  readonly records: ReadonlyMap<string, readonly RR[]>;
  /** Delegations inside Z (other regions' heartbeat subzones): cut name → NS RRs and their glue. */
  readonly cuts: ReadonlyMap<string, { readonly ns: readonly RR[]; readonly glue: readonly RR[] }>;
  /** This region's own heartbeat subzone `<region>.hb.Z`, served authoritatively. */
  readonly selfHb: {
    readonly apex: string;
    readonly soa: RR;
    readonly ns: readonly RR[];
    readonly services: readonly PublishedService[];
  };
}

/** Standalone mode (no controller): the config alone decides. Failover hosts are served by `primary`. */
export function standaloneView(c: Config): ZoneView {
  const hosts: PublishedHost[] = [];
  const services: PublishedService[] = [];
  for (const h of c.hosts) {
    const own = h.targets[c.region] ?? [];
    if (h.strategy === "failover") {
      const primary = h.primary!;
      hosts.push({
        name: h.name,
        answer: h.targets[primary] ?? [],
        localTargets: primary === c.region ? own : [],
      });
      services.push({
        name: h.name,
        role: primary === c.region ? "primary" : "standby",
        epoch: 0,
        gateOpen: primary === c.region,
        localTargets: primary === c.region ? own : [],
      });
    } else {
      const answer = c.regions.flatMap((r) => h.targets[r.name] ?? []);
      hosts.push({ name: h.name, answer, localTargets: own });
    }
  }
  return { hosts, services };
}

/**
 * TTL of the zone's NS records and of the nameservers' addresses (apex NS, `ns-<r>.Z`, the
 * referrals to every `<r>.hb.Z` and their glue): static configuration, unlike the answers (`ttl`).
 *
 * Why it is long: a resolver that must re-learn the delegation of `<self>.hb.Z` asks one of Z's
 * nameservers, every region's alike, chosen by its RTT memory. When a standby region has just gone
 * silent (isolated), the resolver still rates it fast, so the primary's own heartbeat question
 * waits out the resolver's retransmissions to the silent server first: self(w) answers of
 * 0.44–1.57 s in the first rounds, measured with unbound (docs/e2e.md, "standby isolated"), the
 * slowest past the e2e tier's 1.5 s probe timeout. With
 * the answer TTL on these records (5 s in the e2e tier) every witness re-learnt the delegation
 * in the same round every few seconds, and a standby's isolation fenced the primary in 1 run of
 * 5. Held for an hour, the delegation of `<self>.hb.Z` points straight at the region's own
 * nameservers, so its self-check does not depend on any other region answering. The cost: a
 * region that renumbers its nameservers keeps the old addresses in resolvers for up to this long
 * (as with the parent's glue for Z, usually longer still): keep the old addresses answering for
 * an hour.
 */
export const DELEGATION_TTL = 3600;

export const hbZone = (zone: string, region: string) => `${region}.hb.${zone}`;
export const nsName = (zone: string, region: string) => `ns-${region}.${zone}`;

function addressRRs(owner: string, ttl: number, addresses: readonly string[]): RR[] {
  return addresses.map(
    (a) => ({ owner, ttl, data: { type: a.includes(":") ? "AAAA" : "A", address: a } }) as RR,
  );
}

export function soaFor(
  owner: string,
  zone: string,
  mnameRegion: string,
  serial: number,
  ttl: number,
  negativeTtl: number,
): RR {
  return {
    owner,
    ttl,
    data: {
      type: "SOA",
      mname: nsName(zone, mnameRegion),
      rname: `hostmaster.${zone}`,
      serial,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      // RFC 2308 §4: SOA MINIMUM is the negative-caching TTL.
      minimum: negativeTtl,
    },
  };
}

export function buildZoneModel(c: Config, view: ZoneView, serial: number): ZoneModel {
  const z = c.zone;
  const records = new Map<string, RR[]>();
  const add = (owner: string, rrs: RR[]) => {
    const list = records.get(owner) ?? [];
    list.push(...rrs);
    records.set(owner, list);
  };
  // Every region serves an identical apex: SOA names the first region's NS, NS lists all regions
  // in priority order (DESIGN §2), so the parent's delegation matches whichever region answers.
  add(z, [soaFor(z, z, c.regions[0]!.name, serial, c.ttl, c.negativeTtl)]);
  add(
    z,
    c.regions.map(
      (r) => ({ owner: z, ttl: DELEGATION_TTL, data: { type: "NS", host: nsName(z, r.name) } }) as RR,
    ),
  );
  for (const r of c.regions)
    add(nsName(z, r.name), addressRRs(nsName(z, r.name), DELEGATION_TTL, r.nameservers));
  for (const h of view.hosts) {
    add(`${h.name}.${z}`, addressRRs(`${h.name}.${z}`, c.ttl, h.answer));
    add(`localtargets-${h.name}.${z}`, addressRRs(`localtargets-${h.name}.${z}`, c.ttl, h.localTargets));
  }
  // hb.Z is an empty non-terminal above the heartbeat subzones.
  add(`hb.${z}`, []);
  const cuts = new Map<string, { ns: RR[]; glue: RR[] }>();
  for (const r of c.regions) {
    const cut = hbZone(z, r.name);
    const ns: RR[] = [{ owner: cut, ttl: DELEGATION_TTL, data: { type: "NS", host: nsName(z, r.name) } }];
    cuts.set(cut, { ns, glue: addressRRs(nsName(z, r.name), DELEGATION_TTL, r.nameservers) });
  }
  const selfApex = hbZone(z, c.region);
  return {
    zone: z,
    region: c.region,
    serial,
    ttl: c.ttl,
    negativeTtl: c.negativeTtl,
    records,
    cuts,
    selfHb: {
      apex: selfApex,
      soa: soaFor(selfApex, z, c.region, serial, c.ttl, c.negativeTtl),
      ns: [{ owner: selfApex, ttl: DELEGATION_TTL, data: { type: "NS", host: nsName(z, c.region) } }],
      services: view.services,
    },
  };
}

/** A digest of everything but the serial: a reload that changes nothing keeps the serial. */
export function modelContentKey(c: Config, view: ZoneView): string {
  return JSON.stringify([c.zone, c.region, c.ttl, c.negativeTtl, c.regions, view]);
}
