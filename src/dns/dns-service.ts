// The standalone responder's shell: owns the configuration file, the compiled zone and the serial;
// reloads on request (SIGHUP, file change). A bad new file is rejected with the reason logged and
// the old zone keeps answering; a good one is compiled completely, then swapped in by reference.
import { randomBytes } from "node:crypto";
import { type ConfigError, type LoadedConfig, loadConfigFile } from "../config/load.ts";
import type { Logger } from "../log.ts";
import type { DnsMetrics } from "../metrics.ts";
import { Responder, type Transport } from "./responder.ts";
import type { QueryHandler } from "./server.ts";
import { type CompiledZone, compileZone } from "./zone-compiler.ts";
import { buildZoneModel, modelContentKey, standaloneView } from "./zone-model.ts";

export type ReloadResult =
  | { readonly kind: "applied"; readonly serial: number }
  | { readonly kind: "unchanged"; readonly serial: number }
  | { readonly kind: "rejected"; readonly reason: string };

/**
 * SOA serial: increases on every change (DESIGN §2). Seconds since the epoch when that is larger,
 * so a restart with a changed zone still moves the serial forward.
 */
export function nextSerial(previous: number | undefined, nowMs: number): number {
  const t = Math.floor(nowMs / 1000) >>> 0;
  return previous === undefined ? t : Math.max(previous + 1, t) >>> 0;
}

export class DnsService implements QueryHandler {
  readonly responder: Responder;
  private loaded: LoadedConfig;
  private contentKey: string;
  private zone: CompiledZone;

  private constructor(
    loaded: LoadedConfig,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly metrics?: DnsMetrics,
  ) {
    this.loaded = loaded;
    this.contentKey = modelContentKey(loaded.config, standaloneView(loaded.config));
    this.zone = compileZone(
      buildZoneModel(loaded.config, standaloneView(loaded.config), nextSerial(undefined, now())),
    );
    this.responder = new Responder(
      this.zone,
      { incarnation: randomBytes(6).toString("hex"), key: loaded.heartbeatKey },
      metrics,
    );
    this.publishMetrics();
  }

  static fromFile(file: string, now: () => number, log: Logger, metrics?: DnsMetrics): DnsService {
    return new DnsService(loadConfigFile(file), now, log, metrics);
  }

  get config() {
    return this.loaded.config;
  }

  get serial(): number {
    return this.zone.serial;
  }

  handle(query: Buffer, transport: Transport): Buffer | undefined {
    if (this.metrics?.sample()) {
      const t0 = process.hrtime.bigint();
      const r = this.responder.handle(query, transport);
      this.metrics.latency.observe({ transport }, Number(process.hrtime.bigint() - t0) / 1e9);
      return r;
    }
    return this.responder.handle(query, transport);
  }

  /** Re-read the file; compile fully, then swap. Never leaves a half-built zone in service. */
  reload(): ReloadResult {
    let next: LoadedConfig;
    try {
      next = loadConfigFile(this.loaded.path);
    } catch (e) {
      const reason = (e as ConfigError).message;
      this.metrics?.reloads.inc({ result: "rejected" });
      this.log.log("error", "reload rejected; still serving the previous zone", {
        decision: "reload-rejected",
        reason,
        serial: this.zone.serial,
      });
      return { kind: "rejected", reason };
    }
    const view = standaloneView(next.config);
    const key = modelContentKey(next.config, view);
    if (key === this.contentKey && next.heartbeatKey.equals(this.loaded.heartbeatKey)) {
      this.metrics?.reloads.inc({ result: "unchanged" });
      return { kind: "unchanged", serial: this.zone.serial };
    }
    const zone = compileZone(buildZoneModel(next.config, view, nextSerial(this.zone.serial, this.now())));
    this.loaded = next;
    this.contentKey = key;
    this.zone = zone;
    this.responder.swap(zone);
    this.responder.rekey(next.heartbeatKey);
    this.metrics?.reloads.inc({ result: "applied" });
    this.publishMetrics();
    this.log.log("info", "zone reloaded", {
      decision: "reload-applied",
      serial: zone.serial,
      names: zone.stats.names,
    });
    return { kind: "applied", serial: zone.serial };
  }

  private publishMetrics(): void {
    this.metrics?.serial.set(this.zone.serial);
    this.metrics?.zoneNames.set(this.zone.stats.names);
  }
}
