// The standalone responder's shell: owns the configuration file, the compiled zone and the serial;
// reloads on request (SIGHUP, file change). The new zone is read and compiled in a child process
// (zone-build.ts) while this thread keeps answering from the old one; a bad new file is rejected
// with the reason logged and the old zone keeps answering; a good one is swapped in by reference.

import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { ConfigError } from "../config/config-error.ts";
import type { HeartbeatKey } from "../core/heartbeat-record.ts";
import type { Logger } from "../log.ts";
import type { DnsMetrics } from "../metrics.ts";
import { collectGarbage } from "../shell/collect-garbage.ts";
import { Responder, type Transport } from "./responder.ts";
import type { QueryHandler } from "./server.ts";
import { buildZoneInChild, type ZoneSummary } from "./zone-build.ts";
import type { CompiledZone } from "./zone-compiler.ts";

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
  private running: Promise<ReloadResult> | undefined;
  /** The buffer of the zone last taken out of service: the next build is read into it. */
  private spare: Buffer | undefined;
  private again = false;

  private constructor(
    private readonly path: string,
    private zone: CompiledZone,
    private digest: string,
    private summaryValue: ZoneSummary,
    heartbeatKey: HeartbeatKey,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly metrics?: DnsMetrics,
  ) {
    // Server cookies (RFC 7873) use a per-process secret: after a restart clients just get new ones.
    this.responder = new Responder(
      zone,
      { incarnation: randomBytes(6).readUIntBE(0, 6), key: heartbeatKey },
      metrics,
      randomBytes(16),
      now,
    );
    this.publishMetrics();
  }

  /** Load and compile `file`; rejects with ConfigError (every problem, with paths) for a bad file. */
  static async start(
    file: string,
    now: () => number,
    log: Logger,
    metrics?: DnsMetrics,
  ): Promise<DnsService> {
    const path = resolve(file);
    const r = await buildZoneInChild({
      path,
      previousDigest: undefined,
      serial: nextSerial(undefined, now()),
    });
    if (r.kind !== "built") throw new Error("zone build answered 'unchanged' for a first build");
    return new DnsService(path, r.zone, r.digest, r.summary, r.heartbeatKey, now, log, metrics);
  }

  get summary(): ZoneSummary {
    return this.summaryValue;
  }

  get serial(): number {
    return this.zone.serial;
  }

  handle(query: Buffer, transport: Transport, client?: string): Buffer | undefined {
    if (this.metrics?.sample()) {
      const t0 = process.hrtime.bigint();
      const r = this.responder.handle(query, transport, client);
      this.metrics.latency.observe({ transport }, Number(process.hrtime.bigint() - t0) / 1e9);
      return r;
    }
    return this.responder.handle(query, transport, client);
  }

  get validCookie(): boolean {
    return this.responder.validCookie;
  }

  /**
   * Re-read the file and swap in the new zone once it is completely compiled. Requests that
   * arrive while a reload runs are coalesced into one more reload after it.
   */
  reload(): Promise<ReloadResult> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<ReloadResult> => {
      let result: ReloadResult;
      let applied = false;
      do {
        this.again = false;
        result = await this.reloadOnce();
        if (result.kind === "applied") applied = true;
      } while (this.again);
      this.running = undefined;
      // If any pass applied a new zone, callers must hear "applied", even if a later pass found
      // nothing new (found in review).
      if (applied && result.kind === "unchanged") return { kind: "applied", serial: result.serial };
      return result;
    };
    this.running = run();
    return this.running;
  }

  private async reloadOnce(): Promise<ReloadResult> {
    const t0 = this.now();
    this.log.log("info", "reloading zone", { decision: "reload-started", file: this.path });
    try {
      const r = await buildZoneInChild(
        {
          path: this.path,
          previousDigest: this.digest,
          serial: nextSerial(this.zone.serial, this.now()),
        },
        undefined,
        this.spare,
      );
      // Settings outside the zone (rate limiting) may have changed even when the zone did not.
      this.summaryValue = r.summary;
      if (r.kind === "unchanged") {
        this.metrics?.reloads.inc({ result: "unchanged" });
        return { kind: "unchanged", serial: this.zone.serial };
      }
      // Double buffering: the zone going out of service becomes the buffer the next build is read
      // into. Queries are answered synchronously, so once swapped nothing reads the old one. Two
      // buffers alternate instead of a fresh 6 MB allocation per reload, which the allocator did
      // not give back (RSS crept up by 1–2 MB per reload; docs/performance.md).
      const old = this.zone;
      const oldBuffer = Buffer.from(old.index.buffer, 0, old.index.buffer.byteLength);
      this.spare = oldBuffer.buffer === r.zone.slab.buffer ? undefined : oldBuffer;
      this.zone = r.zone;
      this.digest = r.digest;
      this.summaryValue = r.summary;
      this.responder.swap(r.zone);
      this.responder.rekey(r.heartbeatKey);
      // The old zone's objects are unreachable now (its buffer is kept as the spare); collect them
      // at once rather than whenever V8 gets to it.
      setImmediate(collectGarbage);
      this.metrics?.reloads.inc({ result: "applied" });
      this.publishMetrics();
      this.log.log("info", "zone reloaded", {
        decision: "reload-applied",
        serial: r.zone.serial,
        names: r.zone.stats.names,
        buildMs: this.now() - t0,
      });
      return { kind: "applied", serial: r.zone.serial };
    } catch (e) {
      const reason = e instanceof ConfigError ? e.message : `zone build failed: ${(e as Error).message}`;
      this.metrics?.reloads.inc({ result: "rejected" });
      this.log.log("error", "reload rejected; still serving the previous zone", {
        decision: "reload-rejected",
        reason,
        serial: this.zone.serial,
      });
      return { kind: "rejected", reason };
    }
  }

  private publishMetrics(): void {
    this.metrics?.serial.set(this.zone.serial);
    this.metrics?.zoneNames.set(this.zone.stats.names);
  }
}
