// The responder of the long-running controller: the zone is built in-process from the runtime's
// view (zone-view.ts) whenever it changes, compiled, and swapped into the responder by reference
// (a query is always answered from one whole zone). The serial moves only when the content does.
// A controller's zone holds its services only (tens to hundreds of names), so compiling here takes
// well under a millisecond; the standalone responder's child-process build is for 10,000-host files.
import { randomBytes } from "node:crypto";
import type { Config } from "../config/schema.ts";
import type { HeartbeatKeyInput } from "../core/heartbeat-record.ts";
import { nextSerial } from "../dns/dns-service.ts";
import { Responder, type Transport } from "../dns/responder.ts";
import type { QueryHandler } from "../dns/server.ts";
import { compileZone } from "../dns/zone-compiler.ts";
import { buildZoneModel, modelContentKey, type ZoneView } from "../dns/zone-model.ts";
import type { DnsMetrics } from "../metrics.ts";

export class LiveZone implements QueryHandler {
  readonly responder: Responder;
  private key: string;
  private serialValue: number;

  constructor(
    private readonly config: Config,
    heartbeatKey: HeartbeatKeyInput,
    initial: ZoneView,
    private readonly now: () => number,
    private readonly metrics?: DnsMetrics,
  ) {
    this.serialValue = nextSerial(undefined, now());
    this.key = modelContentKey(config, initial);
    this.responder = new Responder(
      compileZone(buildZoneModel(config, initial, this.serialValue)),
      // A fresh incarnation per process: peers tell a restart from a long silence.
      { incarnation: randomBytes(6).readUIntBE(0, 6), key: heartbeatKey },
      metrics,
      randomBytes(16),
      now,
    );
    metrics?.serial.set(this.serialValue);
  }

  get serial(): number {
    return this.serialValue;
  }

  /** Serve `view` from the next query on; returns whether anything changed. */
  update(view: ZoneView): boolean {
    const key = modelContentKey(this.config, view);
    if (key === this.key) return false;
    this.serialValue = nextSerial(this.serialValue, this.now());
    const zone = compileZone(buildZoneModel(this.config, view, this.serialValue));
    this.responder.swap(zone);
    this.key = key;
    this.metrics?.serial.set(this.serialValue);
    this.metrics?.zoneNames.set(zone.stats.names);
    return true;
  }

  handle(query: Buffer, transport: Transport, client?: string): Buffer | undefined {
    return this.responder.handle(query, transport, client);
  }

  get validCookie(): boolean {
    return this.responder.validCookie;
  }
}
