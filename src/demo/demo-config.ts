// The demo's layout and configuration: two regions (eu first, so eu is primary at the start) and
// three witnesses on loopback addresses, and one configuration per region in the one schema
// (src/config/schema.ts), with short timings that pass its timing rule. Nothing here reads files.
import { randomBytes } from "node:crypto";
import { type Config, ConfigSchema } from "../config/schema.ts";
import type { ServiceDef } from "../runtime/actuators.ts";

export const DEMO_ZONE = "gslb.example.com";
export const DEMO_REGIONS = ["eu", "us"] as const;
export type DemoRegionName = (typeof DEMO_REGIONS)[number];

export const DEMO_SERVICE: ServiceDef = {
  name: "db",
  host: "db",
  strategy: "failover",
  safety: "witness",
  regions: [...DEMO_REGIONS],
};

/** Each region's own target for `db` (what its Gateway would report). */
export const DEMO_TARGETS: Record<DemoRegionName, readonly string[]> = {
  eu: ["10.0.1.10"],
  us: ["10.0.2.10"],
};

/**
 * Short timings for a demo: promoteAfter must be at least fenceAfter + 2·interval + 2·timeout +
 * margin = 3 + 4 + 3 + 1 = 11 s (the schema checks it), so 12 s.
 */
export const DEMO_TIMING = {
  probe: { interval: 2, timeout: 1.5, retries: 1 },
  failover: { fenceAfter: 3, promoteAfter: 12, margin: 1, holdDown: 30 },
} as const;

/** CNPG's pace in the in-memory clusters. */
export const DEMO_CLUSTER_TIMING = { promoteMs: 1_000, demoteMs: 500 } as const;

export interface DemoLayout {
  readonly port: number;
  readonly regions: Readonly<Record<DemoRegionName, string>>;
  readonly witnesses: readonly string[];
}

/** Regions at 127.0.0.(base+1, base+2), witnesses at 127.0.0.(base+11 .. base+13), one port. */
export function demoLayout(base: number, port: number): DemoLayout {
  if (!Number.isInteger(base) || base < 1 || base > 240)
    throw new Error(
      `--loopback-base ${base}: must be an integer from 1 to 240 (addresses 127.0.0.base+1..+13)`,
    );
  const a = (n: number) => `127.0.0.${base + n}`;
  return { port, regions: { eu: a(1), us: a(2) }, witnesses: [a(11), a(12), a(13)] };
}

export const endpointText = (host: string, port: number) => (port === 53 ? host : `${host}:${port}`);

export function demoConfig(region: DemoRegionName, layout: DemoLayout): Config {
  return ConfigSchema.parse({
    zone: DEMO_ZONE,
    region,
    // The key is passed in memory (demoKey()); the field is required by the schema, never read.
    heartbeatKeyFile: "(in memory)",
    // TTL 0: the witnesses cache nothing, so every answer shown is current.
    ttl: 0,
    negativeTtl: 0,
    regions: DEMO_REGIONS.map((r) => ({ name: r, nameservers: [layout.regions[r]] })),
    witnesses: layout.witnesses.map((w) => endpointText(w, layout.port)),
    safety: "witness",
    probe: DEMO_TIMING.probe,
    failover: DEMO_TIMING.failover,
    rateLimit: { enabled: false },
  });
}

/** A fresh heartbeat key per demo run (never printed). */
export function demoKey(): Buffer {
  return randomBytes(32);
}

export function timingText(): string {
  const p = DEMO_TIMING.probe;
  const f = DEMO_TIMING.failover;
  return (
    `probe every ${p.interval}s (timeout ${p.timeout}s, ${p.retries} retry), fenceAfter ${f.fenceAfter}s, ` +
    `promoteAfter ${f.promoteAfter}s (rule: >= ${f.fenceAfter}+2*${p.interval}+2*${p.timeout}+${f.margin} = ` +
    `${f.fenceAfter + 2 * p.interval + 2 * p.timeout + f.margin}s), holdDown ${f.holdDown}s; ` +
    `CNPG promotion ${DEMO_CLUSTER_TIMING.promoteMs / 1000}s, demotion token ${DEMO_CLUSTER_TIMING.demoteMs / 1000}s`
  );
}
