// The simulated network: a directed link for every ordered pair of nodes (regions, witness sites,
// lease witnesses) with latency, loss and up/down; nodes that crash; anycast witnesses as a set of
// sites where each asker reaches the site nearest to it. Faults nest (counters), so overlapping
// faults heal independently.
import type { Rng } from "./prng.ts";

export interface NodeSpec {
  readonly id: string;
  /** Where it is: "eu", "us", "ap" or "net" (a well-connected neutral place). */
  readonly loc: string;
}

export interface WitnessSpec {
  /** The name regions configure, e.g. "8.8.8.8". */
  readonly name: string;
  /** Site locations; one site = a unicast witness, several = anycast. */
  readonly sites: readonly string[];
}

export const siteId = (w: string, loc: string) => `${w}@${loc}`;

export class Network {
  private readonly loc = new Map<string, string>();
  private readonly down = new Map<string, number>();
  private readonly loss = new Map<string, number[]>();
  private readonly nodeDown = new Map<string, number>();
  private readonly latency = new Map<string, number>();

  constructor(
    nodes: readonly NodeSpec[],
    private readonly witnesses: readonly WitnessSpec[],
    private readonly rng: Rng,
    /** One-way latency in ms by location pair, e.g. near 5, far 60. */
    latencyFor: (a: string, b: string) => number,
  ) {
    for (const n of nodes) this.loc.set(n.id, n.loc);
    for (const w of witnesses) for (const l of w.sites) this.loc.set(siteId(w.name, l), l);
    for (const a of this.loc.keys())
      for (const b of this.loc.keys())
        if (a !== b) this.latency.set(`${a}>${b}`, latencyFor(this.loc.get(a)!, this.loc.get(b)!));
  }

  nodes(): string[] {
    return [...this.loc.keys()];
  }

  locOf(id: string): string {
    return this.loc.get(id) ?? "net";
  }

  /** The site of witness `w` that `asker` reaches: same location first, else the first site. */
  siteFor(w: string, asker: string): string {
    const spec = this.witnesses.find((x) => x.name === w);
    if (!spec) throw new Error(`unknown witness ${w}`);
    const here = this.locOf(asker);
    const l = spec.sites.includes(here) ? here : spec.sites[0]!;
    return siteId(w, l);
  }

  sitesOf(w: string): string[] {
    return (this.witnesses.find((x) => x.name === w)?.sites ?? []).map((l) => siteId(w, l));
  }

  setLinkDown(from: string, to: string, delta: 1 | -1): void {
    const k = `${from}>${to}`;
    this.down.set(k, (this.down.get(k) ?? 0) + delta);
  }

  setLoss(from: string, to: string, loss: number, add: boolean): void {
    const k = `${from}>${to}`;
    const list = this.loss.get(k) ?? [];
    if (add) list.push(loss);
    else list.splice(list.indexOf(loss), 1);
    this.loss.set(k, list);
  }

  setNodeDown(id: string, delta: 1 | -1): void {
    this.nodeDown.set(id, (this.nodeDown.get(id) ?? 0) + delta);
  }

  nodeUp(id: string): boolean {
    return (this.nodeDown.get(id) ?? 0) === 0;
  }

  /** One packet from -> to: delivered, and after how long (ms, virtual). */
  packet(from: string, to: string): number | undefined {
    if (!this.nodeUp(from) || !this.nodeUp(to)) return undefined;
    const k = `${from}>${to}`;
    if ((this.down.get(k) ?? 0) > 0) return undefined;
    for (const l of this.loss.get(k) ?? []) if (this.rng.next() < l) return undefined;
    const base = this.latency.get(k) ?? 50;
    return base * (1 + 0.2 * this.rng.next());
  }

  /** A request/response exchange with `attempts` tries; the round trip time or undefined. */
  exchange(from: string, to: string, attempts: number, perTryTimeout: number): number | undefined {
    let spent = 0;
    for (let i = 0; i < attempts; i++) {
      const there = this.packet(from, to);
      const back = there === undefined ? undefined : this.packet(to, from);
      if (there !== undefined && back !== undefined && there + back <= perTryTimeout)
        return spent + there + back;
      spent += perTryTimeout;
    }
    return undefined;
  }
}
