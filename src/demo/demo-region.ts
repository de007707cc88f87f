// One region of the demo, as the live controller wires it (src/kube/live-controller.ts) minus
// Kubernetes: a real authoritative responder on its loopback address (LiveZone behind the real
// UDP/TCP server), the real prober over real DNS sockets every probe.interval, and the region
// runtime driving the real service machine, whose intents go to the in-memory cluster.
//
// The only things not real are the partition and the isolation: the prober's transport is wrapped
// so that questions to the addresses `cut(host)` names are dropped (they time out after the whole
// budget, as a lost packet does), and the responder drops queries from the sources `deaf(client)`
// names. That cuts paths between regions and witnesses without network namespaces.
import type { Config } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import { ProbeLoop } from "../core/probe-loop.ts";
import { type ProbePlan, type ProbeRound, Prober, type ProbeTransport } from "../core/prober.ts";
import { dnsProbeTransport } from "../dns/probe-transport.ts";
import { type QueryHandler, type RunningServer, startDnsServer } from "../dns/server.ts";
import { standaloneView } from "../dns/zone-model.ts";
import type { LogFields, Logger } from "../log.ts";
import { LiveZone } from "../runtime/live-zone.ts";
import { RegionRuntime } from "../runtime/region-runtime.ts";
import { randomNonce } from "../shell/nonce.ts";
import type { Ledger } from "./ledger.ts";
import type { MemoryWorld } from "./memory-world.ts";

export interface DemoRegionOptions {
  readonly config: Config;
  readonly heartbeatKey: Buffer;
  readonly clock: Clock;
  readonly world: MemoryWorld;
  readonly listen: { readonly host: string; readonly port: number };
  /** The prober's plan (witness and peer endpoints at the demo's port). */
  readonly plan: ProbePlan;
  /** Partition: whether a question to this address is dropped now. */
  readonly cut: (host: string) => boolean;
  /** Isolation: whether the responder drops a query from this source address now. */
  readonly deaf?: (client: string | undefined) => boolean;
  readonly ledger: Ledger;
  /** Every probe round, after the runtime processed it. */
  readonly onRound?: (r: ProbeRound) => void;
}

/** Drops the questions a partition cuts: they time out after the whole budget, unanswered. */
export function partitionedTransport(
  inner: ProbeTransport,
  cut: (host: string) => boolean,
  clock: Clock,
  timeoutMs: number,
): ProbeTransport {
  return {
    query(server, name, recursive, type) {
      if (!cut(server.host)) return inner.query(server, name, recursive, type);
      return new Promise((resolve) =>
        clock.setTimeout(
          () =>
            resolve({
              kind: "timeout",
              detail: "dropped: the demo's partition cuts this path",
              latencyMs: timeoutMs,
            }),
          timeoutMs,
        ),
      );
    },
  };
}

/**
 * The runtime logs every transition as `from -> to` with the decision's reason; the demo turns
 * those lines into ledger entries and failed intents into notes, and prints nothing itself.
 */
export function ledgerLogger(ledger: Ledger, region: string, base: LogFields = {}): Logger {
  return {
    log(level, msg, fields) {
      const f = { ...base, ...fields };
      const m = /^(\S+) -> (\S+)$/.exec(msg);
      if (m && f.decision !== undefined) ledger.transition(region, m[1]!, m[2]!, String(f.reason ?? ""));
      else if (level === "error" || level === "warn")
        ledger.note(`${msg}${f.reason ? `: ${String(f.reason)}` : ""}`, region);
    },
    child: (fields) => ledgerLogger(ledger, region, { ...base, ...fields }),
  };
}

export class DemoRegion {
  private server: RunningServer | undefined;
  private loop: ProbeLoop | undefined;
  private runtime: RegionRuntime | undefined;

  constructor(private readonly o: DemoRegionOptions) {}

  get running(): boolean {
    return this.server !== undefined;
  }

  get name(): string {
    return this.o.config.region;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const { config, clock, ledger } = this.o;
    const staticView = standaloneView(config);
    const zone = new LiveZone(config, this.o.heartbeatKey, staticView, clock.now);
    const runtime = new RegionRuntime({
      config,
      clock,
      world: this.o.world,
      log: ledgerLogger(ledger, config.region),
      staticView,
      onZone: (view) => zone.update(view),
    });
    const timeoutMs = config.probe.timeout * 1000;
    const transport = partitionedTransport(
      dnsProbeTransport({ clock, timeoutMs, retries: config.probe.retries }),
      this.o.cut,
      clock,
      timeoutMs,
    );
    const prober = new Prober(this.o.plan, transport, clock, randomNonce);
    const loop = new ProbeLoop(
      prober,
      clock,
      config.probe.interval * 1000,
      (r) => {
        // A round still in flight when the region stopped must not start a machine again.
        if (this.runtime !== runtime) return;
        void runtime.onRound(r).then(() => this.o.onRound?.(r));
      },
      (e) => ledger.note(`probe round failed: ${(e as Error).message}`, config.region),
    );
    const deaf = this.o.deaf;
    const handler: QueryHandler = deaf
      ? {
          // A query the isolation cuts is lost on the way: no answer at all.
          handle: (q, t, client) => (deaf(client) ? undefined : zone.handle(q, t, client)),
          get validCookie() {
            return zone.validCookie;
          },
        }
      : zone;
    this.server = await startDnsServer(handler, this.o.listen.host, this.o.listen.port, { now: clock.now });
    this.runtime = runtime;
    this.loop = loop;
    loop.start();
  }

  /** The controller and the responder stop (a region loss stops its cluster too: the caller's part). */
  async stop(): Promise<void> {
    const { loop, runtime, server } = this;
    this.loop = undefined;
    this.runtime = undefined;
    this.server = undefined;
    loop?.stop();
    await runtime?.settled().catch(() => {});
    runtime?.stop();
    await server?.close();
  }

  /** The machine's state (undefined while the region is down or before its first round). */
  state(): string | undefined {
    return this.runtime?.states()[this.o.world.services()[0]?.name ?? ""];
  }
}
