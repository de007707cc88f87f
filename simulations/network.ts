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

interface Link {
  down: number;
  loss: number[];
  readonly latency: number;
  /** The node it leads to (packet() checks it without a second lookup). */
  readonly target: Node;
}

interface Node {
  readonly loc: string;
  down: number;
  readonly out: Map<string, Link>;
}

export class Network {
  private readonly node = new Map<string, Node>();
  /** siteFor's answers by witness, then asker (fixed once built: sites and locations never move). */
  private readonly sites = new Map<string, Map<string, string>>();

  constructor(
    nodes: readonly NodeSpec[],
    private readonly witnesses: readonly WitnessSpec[],
    private readonly rng: Rng,
    /** One-way latency in ms by location pair, e.g. near 5, far 60. */
    latencyFor: (a: string, b: string) => number,
  ) {
    const all: NodeSpec[] = [...nodes];
    for (const w of witnesses) for (const l of w.sites) all.push({ id: siteId(w.name, l), loc: l });
    for (const n of all) this.node.set(n.id, { loc: n.loc, down: 0, out: new Map() });
    for (const a of all)
      for (const b of all)
        if (a.id !== b.id)
          this.node.get(a.id)!.out.set(b.id, {
            down: 0,
            loss: [],
            latency: latencyFor(a.loc, b.loc),
            target: this.node.get(b.id)!,
          });
  }

  nodes(): string[] {
    return [...this.node.keys()];
  }

  locOf(id: string): string {
    return this.node.get(id)?.loc ?? "net";
  }

  /** The site of witness `w` that `asker` reaches: same location first, else the first site. */
  siteFor(w: string, asker: string): string {
    let byAsker = this.sites.get(w);
    const known = byAsker?.get(asker);
    if (known !== undefined) return known;
    const spec = this.witnesses.find((x) => x.name === w);
    if (!spec) throw new Error(`unknown witness ${w}`);
    const here = this.locOf(asker);
    const site = siteId(w, spec.sites.includes(here) ? here : spec.sites[0]!);
    if (byAsker === undefined) {
      byAsker = new Map();
      this.sites.set(w, byAsker);
    }
    byAsker.set(asker, site);
    return site;
  }

  sitesOf(w: string): string[] {
    return (this.witnesses.find((x) => x.name === w)?.sites ?? []).map((l) => siteId(w, l));
  }

  private link(from: string, to: string): Link {
    const l = this.node.get(from)?.out.get(to);
    if (!l) throw new Error(`simulator: no link ${from} -> ${to}`);
    return l;
  }

  setLinkDown(from: string, to: string, delta: 1 | -1): void {
    this.link(from, to).down += delta;
  }

  setLoss(from: string, to: string, loss: number, add: boolean): void {
    const list = this.link(from, to).loss;
    if (add) list.push(loss);
    else list.splice(list.indexOf(loss), 1);
  }

  setNodeDown(id: string, delta: 1 | -1): void {
    this.node.get(id)!.down += delta;
  }

  nodeUp(id: string): boolean {
    return this.node.get(id)!.down === 0;
  }

  /** One packet from -> to: delivered, and after how long (ms, virtual). */
  packet(from: string, to: string): number | undefined {
    const a = this.node.get(from)!;
    return this.deliver(a, a.out.get(to)!);
  }

  private deliver(from: Node, l: Link): number | undefined {
    if (from.down > 0 || l.down > 0 || l.target.down > 0) return undefined;
    for (const x of l.loss) if (this.rng.next() < x) return undefined;
    return l.latency * (1 + 0.2 * this.rng.next());
  }

  /** A request/response exchange with `attempts` tries; the round trip time or undefined. */
  exchange(from: string, to: string, attempts: number, perTryTimeout: number): number | undefined {
    // Both directions looked up once: this runs for every probe of every round.
    const a = this.node.get(from)!;
    const out = a.out.get(to)!;
    const b = out.target;
    const ret = b.out.get(from)!;
    let spent = 0;
    for (let i = 0; i < attempts; i++) {
      const there = this.deliver(a, out);
      const back = there === undefined ? undefined : this.deliver(b, ret);
      if (there !== undefined && back !== undefined && there + back <= perTryTimeout)
        return spent + there + back;
      spent += perTryTimeout;
    }
    return undefined;
  }
}
