// The witness tier's world: three regions' real `splitguard dns serve` responders on 127.0.0.11-13
// port 53, and three real unbound witnesses on 127.0.0.21-23 port 53 whose stub zone for Z points
// at the responders. Everything started here is stopped by `stop()`, also after a failed test.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "../../../src/config/load.ts";
import { probePlan } from "../../../src/config/probe-plan.ts";
import { Prober } from "../../../src/core/prober.ts";
import { dnsProbeTransport } from "../../../src/dns/probe-transport.ts";
import { randomNonce } from "../../../src/shell/nonce.ts";
import { systemClock } from "../../../src/shell/system-clock.ts";
import { type ServeProcess, spawnServe } from "../../dns/support/spawn-serve.ts";
import { startUnbound, type Unbound } from "./unbound.ts";

export const ZONE = "gslb.example.com";
export const KEY = "witness-tier-shared-key-0123456789abcdef";
export const REGIONS = { a: "127.0.0.11", b: "127.0.0.12", c: "127.0.0.13" } as const;
export type RegionName = keyof typeof REGIONS;
export const WITNESSES = ["127.0.0.21", "127.0.0.22", "127.0.0.23"] as const;

/** 120 addresses for region b's failover host: its per-service heartbeat exceeds 1232 octets. */
export const MANY = Array.from({ length: 120 }, (_, i) => `10.2.${Math.floor(i / 250)}.${(i % 250) + 1}`);

export function configText(region: RegionName, probe = { timeout: 4, retries: 1 }): string {
  return `zone: ${ZONE}
region: ${region}
heartbeatKeyFile: ./hb.key
ttl: 30
negativeTtl: 5
regions:
${Object.entries(REGIONS)
  .map(([n, a]) => `  - name: ${n}\n    nameservers: [${a}]`)
  .join("\n")}
witnesses: [${WITNESSES.join(", ")}]
probe: { interval: 5, timeout: ${probe.timeout}, retries: ${probe.retries} }
hosts:
  - name: db
    strategy: failover
    primary: b
    targets:
      a: [10.1.0.1]
      b: [${MANY.join(", ")}]
      c: [10.3.0.1]
`;
}

export class WitnessWorld {
  readonly responders = new Map<RegionName, ServeProcess>();
  readonly witnesses = new Map<string, Unbound>();

  async startResponder(region: RegionName, key = KEY): Promise<ServeProcess> {
    const s = await spawnServe(configText(region), key, [], { host: REGIONS[region], port: 53 });
    this.responders.set(region, s);
    return s;
  }

  async stopResponder(region: RegionName): Promise<void> {
    await this.responders.get(region)?.stop();
    this.responders.delete(region);
  }

  async startWitness(address: string, extra: string[] = []): Promise<Unbound> {
    const u = await startUnbound({ address, zone: ZONE, stubAddrs: Object.values(REGIONS), extra });
    this.witnesses.set(address, u);
    return u;
  }

  async stopWitness(address: string): Promise<void> {
    await this.witnesses.get(address)?.stop();
    this.witnesses.delete(address);
  }

  /** Forget every server's state in every witness (unbound's infra cache), between cases. */
  async flushWitnesses(): Promise<void> {
    await Promise.all([...this.witnesses.values()].map((u) => u.control("flush_infra", "all")));
  }

  /** A prober for `region`, reading the same config file the region's responder serves. */
  prober(region: RegionName, probe = { timeout: 4, retries: 1 }, ednsUdpSize?: number): Prober {
    const s = this.responders.get(region);
    const dir = s?.dir ?? this.scratch(region);
    const path = join(dir, "probe.yaml");
    writeFileSync(path, configText(region, probe));
    writeFileSync(join(dir, "hb.key"), `${KEY}\n`);
    const loaded = loadConfigFile(path);
    const transport = dnsProbeTransport({
      clock: systemClock,
      timeoutMs: probe.timeout * 1000,
      retries: probe.retries,
      ...(ednsUdpSize !== undefined ? { ednsUdpSize } : {}),
    });
    return new Prober(
      probePlan(loaded.config, loaded.heartbeatKeys.verify),
      transport,
      systemClock,
      randomNonce,
    );
  }

  private readonly scratchDirs = new Map<string, string>();
  private scratch(region: string): string {
    const d = this.scratchDirs.get(region) ?? mkdtempSync(join(tmpdir(), `sg-probe-${region}-`));
    this.scratchDirs.set(region, d);
    return d;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([
      ...[...this.responders.values()].map((s) => s.stop()),
      ...[...this.witnesses.values()].map((u) => u.stop()),
    ]);
    this.responders.clear();
    this.witnesses.clear();
  }
}
