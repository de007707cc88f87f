// The demo's whole world on loopback: two regions (demo-region.ts) over in-memory clusters, three
// witnesses (unbound, or the built-in one), the faults the keys and the scenarios trigger, and a
// snapshot for the terminal view. Every fault and every answer change goes into the ledger.
import type { Clock, TimerHandle } from "../core/clock.ts";
import type { Override } from "../core/evidence.ts";
import { type QueryOutcome, rcodeText } from "../core/probe-votes.ts";
import type { ProbePlan } from "../core/prober.ts";
import { dnsProbeTransport } from "../dns/probe-transport.ts";
import type { WitnessStatus } from "../runtime/service-status.ts";
import { startBuiltinWitness } from "./builtin-witness.ts";
import {
  DEMO_CLUSTER_TIMING,
  DEMO_REGIONS,
  DEMO_SERVICE,
  DEMO_TARGETS,
  DEMO_ZONE,
  type DemoLayout,
  type DemoRegionName,
  demoConfig,
  demoKey,
  endpointText,
} from "./demo-config.ts";
import { DemoRegion } from "./demo-region.ts";
import { Ledger } from "./ledger.ts";
import { MemoryCluster } from "./memory-cluster.ts";
import { MemoryWorld } from "./memory-world.ts";
import { startUnboundWitness } from "./unbound-witness.ts";

export type WitnessKind = "unbound" | "builtin";

export interface LocalRegionsOptions {
  readonly witness: WitnessKind;
  readonly layout: DemoLayout;
  readonly clock: Clock;
}

export interface RegionView {
  readonly name: string;
  readonly up: boolean;
  readonly state: string;
  readonly epoch: number | undefined;
  readonly quorum: string;
  readonly gate: "open" | "closed";
  /** CNPG in words: primary, replica of X, fenced, promoting. */
  readonly cnpg: string;
  readonly writable: boolean;
  readonly timer: { readonly name: string; readonly remainingMs: number } | undefined;
  readonly decision: string;
  readonly witnesses: readonly WitnessStatus[];
}

export interface Snapshot {
  /** ms since the demo started. */
  readonly at: number;
  readonly regions: readonly RegionView[];
  /** The failover host's A answer through each witness. */
  readonly answers: readonly { readonly witness: string; readonly answer: string }[];
  readonly partitioned: boolean;
  readonly isolated: readonly string[];
  readonly frozen: boolean;
  readonly switchoverTo: string | undefined;
}

interface Region {
  readonly name: DemoRegionName;
  readonly cluster: MemoryCluster;
  readonly world: MemoryWorld;
  readonly region: DemoRegion;
}

const ANSWER_POLL_MS = 1_000;

function answerText(o: QueryOutcome): string {
  if (o.kind === "timeout") return "(timeout)";
  if (o.kind === "error") return `(${o.reason})`;
  if (o.rcode !== 0) return rcodeText(o.rcode);
  return o.addresses?.length ? o.addresses.join(" ") : "NODATA (no address)";
}

export class LocalRegions {
  readonly ledger: Ledger;
  private readonly regions = new Map<DemoRegionName, Region>();
  private readonly stops: (() => Promise<void>)[] = [];
  private readonly answers = new Map<string, string>();
  private answerLine = "";
  private partitioned = false;
  /** Regions cut from everyone: the witnesses and the other region. */
  private readonly isolated = new Set<DemoRegionName>();
  private frozen = false;
  private switchover: Override | undefined;
  private seq = 0;
  private pollTimer: TimerHandle | undefined;
  private stopped = false;

  private constructor(private readonly o: LocalRegionsOptions) {
    const t0 = o.clock.now();
    this.ledger = new Ledger(() => o.clock.now() - t0);
  }

  /** Start witnesses, then both regions; on a failure, everything started so far is stopped. */
  static async start(o: LocalRegionsOptions): Promise<LocalRegions> {
    const d = new LocalRegions(o);
    try {
      await d.startAll();
    } catch (e) {
      await d.stop();
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL")
        throw new Error(
          `${(e as Error).message}: the demo could not bind its loopback addresses on port ${o.layout.port}; ` +
            (code === "EACCES"
              ? "port 53 needs root: use --witness builtin --port 5300"
              : "another demo may be running: choose other addresses with --loopback-base N"),
        );
      throw e;
    }
    return d;
  }

  private async startAll(): Promise<void> {
    const { layout, clock } = this.o;
    const key = demoKey();
    const stubs = DEMO_REGIONS.map((r) => layout.regions[r]);
    for (const w of layout.witnesses) {
      const s =
        this.o.witness === "unbound"
          ? await startUnboundWitness(w, DEMO_ZONE, stubs, clock)
          : await startBuiltinWitness({
              address: w,
              port: layout.port,
              zone: DEMO_ZONE,
              stubs: stubs.map((host) => ({ host, port: layout.port })),
              gluePort: layout.port,
              clock,
              blocked: (host) => this.isolatedAddress(host),
            });
      this.stops.push(() => s.stop());
    }
    for (const name of DEMO_REGIONS) {
      const config = demoConfig(name, layout);
      const cluster = new MemoryCluster(name, DEMO_REGIONS[0], clock, this.ledger, DEMO_CLUSTER_TIMING);
      const world = new MemoryWorld({
        service: DEMO_SERVICE,
        cluster,
        targets: DEMO_TARGETS[name],
        overrides: () => this.overridesFor(),
        onEvent: (reason, message) => this.ledger.note(`event ${reason}: ${message}`, name),
      });
      const plan: ProbePlan = {
        zone: config.zone,
        region: name,
        witnesses: layout.witnesses.map((w) => ({
          name: endpointText(w, layout.port),
          endpoint: { host: w, port: layout.port },
        })),
        peers: DEMO_REGIONS.filter((r) => r !== name).map((r) => ({
          name: r,
          nameservers: [{ host: layout.regions[r], port: layout.port }],
        })),
        services: [DEMO_SERVICE.host],
        keys: [key],
      };
      const others = new Set(DEMO_REGIONS.filter((r) => r !== name).map((r) => layout.regions[r]));
      const witnesses = new Set(layout.witnesses);
      const region = new DemoRegion({
        config,
        heartbeatKey: key,
        clock,
        world,
        listen: { host: layout.regions[name], port: layout.port },
        plan,
        cut: (host) =>
          this.isolated.has(name) || (others.has(host) && (this.partitioned || this.isolatedAddress(host))),
        deaf: (client) => this.isolated.has(name) && client !== undefined && witnesses.has(client),
        ledger: this.ledger,
      });
      this.regions.set(name, { name, cluster, world, region });
      this.stops.push(() => region.stop());
      await region.start();
    }
    this.ledger.note(
      `started: eu ${layout.regions.eu}, us ${layout.regions.us}, witnesses (${this.o.witness}) ` +
        `${layout.witnesses.join(", ")}, port ${layout.port}`,
    );
    this.poll();
  }

  private overridesFor(): Override[] {
    const s = this.switchover;
    if (s?.region) {
      const target = this.regions.get(s.region as DemoRegionName);
      if (target?.cluster.writable) {
        this.switchover = undefined;
        this.ledger.note(`switchover to ${s.region} complete: override removed`);
      }
    }
    return [
      ...(this.frozen ? [{ action: "freeze" as const, reason: "demo: freeze", id: "freeze" }] : []),
      ...(this.switchover ? [this.switchover] : []),
    ];
  }

  private poll(): void {
    if (this.stopped) return;
    const q = dnsProbeTransport({ clock: this.o.clock, timeoutMs: 900, retries: 0 });
    const { layout } = this.o;
    void Promise.all(
      layout.witnesses.map(async (w) => {
        const o = await q.query(
          { host: w, port: layout.port },
          `${DEMO_SERVICE.host}.${DEMO_ZONE}`,
          true,
          "A",
        );
        this.answers.set(w, answerText(o));
      }),
    ).then(() => {
      const all = layout.witnesses.map((w) => this.answers.get(w) ?? "");
      const text = all.every((a) => a === all[0])
        ? `${all[0]} (through every witness)`
        : layout.witnesses.map((w, i) => `${w}: ${all[i]}`).join(" | ");
      if (text !== this.answerLine) this.ledger.note(`db A: ${text}`);
      this.answerLine = text;
      if (!this.stopped) this.pollTimer = this.o.clock.setTimeout(() => this.poll(), ANSWER_POLL_MS);
    });
  }

  private get(name: string): Region {
    const r = this.regions.get(name as DemoRegionName);
    if (!r) throw new Error(`no region ${name}: the demo has ${DEMO_REGIONS.join(", ")}`);
    return r;
  }

  /** The region is lost: its database and pods, its controller and its responder. */
  async kill(name: string): Promise<void> {
    const r = this.get(name);
    if (!r.region.running) return;
    this.ledger.note(`FAULT: region ${name} lost (cluster, controller and responder stopped)`, name);
    r.cluster.crash();
    await r.region.stop();
  }

  /** The region comes back: CNPG in its last role, pods without the gate, a fresh controller. */
  async revive(name: string): Promise<void> {
    const r = this.get(name);
    if (r.region.running) return;
    this.ledger.note(`region ${name} back (CNPG in its last role, gates closed, controller restarted)`, name);
    r.cluster.restart();
    await r.region.start();
  }

  isUp(name: string): boolean {
    return this.get(name).region.running;
  }

  partition(): void {
    if (this.partitioned) return;
    this.partitioned = true;
    this.ledger.note("FAULT: partition between eu and us (direct path dropped; witnesses see both)");
  }

  /** Whether this address is an isolated region's responder. */
  private isolatedAddress(host: string): boolean {
    return [...this.isolated].some((r) => this.o.layout.regions[r] === host);
  }

  /**
   * The region is cut from everyone (witnesses and the other region) but keeps running: the
   * classic split-brain case. It must fence itself before the other region promotes.
   */
  isolate(name: string): void {
    const r = this.get(name);
    if (this.isolated.has(r.name)) return;
    this.isolated.add(r.name);
    this.ledger.note(
      `FAULT: region ${name} isolated (cut from the witnesses and from the other region)`,
      name,
    );
  }

  /** Heal the partition and every isolation, and bring back every lost region. */
  async heal(): Promise<void> {
    if (this.partitioned) this.ledger.note("partition healed");
    if (this.isolated.size) this.ledger.note(`isolation of ${[...this.isolated].join(", ")} healed`);
    this.partitioned = false;
    this.isolated.clear();
    for (const r of this.regions.values()) await this.revive(r.name);
  }

  freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    this.ledger.note("OVERRIDE: freeze (nothing automatic in either region)");
  }

  release(): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.ledger.note("OVERRIDE: freeze released");
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /** A planned switchover to the region that is not writable now. */
  requestSwitchover(): string | undefined {
    const from = [...this.regions.values()].find((r) => r.cluster.writable);
    const to = [...this.regions.values()].find((r) => r !== from && r.region.running);
    if (!from || !to) {
      this.ledger.note("switchover not requested: it needs a writable primary and a running standby");
      return undefined;
    }
    this.switchover = {
      action: "switchover",
      region: to.name,
      reason: "demo: planned switchover",
      id: `switchover-${++this.seq}`,
    };
    this.ledger.note(`OVERRIDE: switchover ${from.name} -> ${to.name}`);
    return to.name;
  }

  /** Which regions are writable now (ground truth). */
  writable(): string[] {
    return [...this.regions.values()].filter((r) => r.cluster.writable).map((r) => r.name);
  }

  snapshot(): Snapshot {
    const now = this.o.clock.now();
    const regions = [...this.regions.values()].map((r): RegionView => {
      const st = r.world.lastStatus;
      const c = r.cluster;
      const cnpg = !c.alive
        ? "down"
        : c.runsPrimary
          ? c.fenced
            ? "primary, fenced"
            : "primary"
          : c.designated === r.name
            ? "promoting"
            : `replica of ${c.designated}${c.demotionToken ? " (demotion token)" : ""}`;
      return {
        name: r.name,
        up: r.region.running,
        state: r.region.running ? (r.region.state() ?? "starting") : "down",
        epoch: st?.epoch,
        quorum: r.region.running ? (st?.quorum ?? "-") : "-",
        gate: c.alive && c.gateOpen ? "open" : "closed",
        cnpg,
        writable: c.writable,
        timer:
          r.region.running && st?.timer
            ? { name: st.timer.name, remainingMs: Date.parse(st.timer.deadline) - now }
            : undefined,
        decision: r.region.running ? (st?.decision.reason ?? "") : "region down: no controller, no responder",
        witnesses: r.region.running ? (st?.witnesses ?? []) : [],
      };
    });
    return {
      at: this.ledger.elapsed(),
      regions,
      answers: this.o.layout.witnesses.map((w) => ({ witness: w, answer: this.answers.get(w) ?? "…" })),
      partitioned: this.partitioned,
      isolated: [...this.isolated],
      frozen: this.frozen,
      switchoverTo: this.switchover?.region,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.o.clock.clearTimeout(this.pollTimer);
    for (const s of this.stops.reverse()) await s().catch(() => {});
    this.stops.length = 0;
  }
}
