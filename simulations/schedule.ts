// Fault schedules: plain JSON data, so a failing schedule prints, replays and becomes a named
// regression scenario unchanged. Every fault with a duration heals by itself.
export type Fault =
  /** The whole region dies (CNPG, pods, controller); back after `for` ms. */
  | { readonly kind: "crash"; readonly region: string; readonly at: number; readonly for: number }
  /** Only the controller restarts (gate and CNPG stay as they are); down for `for` ms. */
  | { readonly kind: "restart"; readonly region: string; readonly at: number; readonly for: number }
  /** Both directions between two nodes (regions, witness sites "w@loc", lease witnesses) cut. */
  | {
      readonly kind: "cut";
      readonly a: string;
      readonly b: string;
      readonly at: number;
      readonly for: number;
    }
  /** Only from -> to cut: an asymmetric link. */
  | {
      readonly kind: "oneway";
      readonly from: string;
      readonly to: string;
      readonly at: number;
      readonly for: number;
    }
  /** A region cut from every other node. */
  | { readonly kind: "isolate"; readonly region: string; readonly at: number; readonly for: number }
  /** Packet loss on both directions of a link. */
  | {
      readonly kind: "flaky";
      readonly a: string;
      readonly b: string;
      readonly loss: number;
      readonly at: number;
      readonly for: number;
    }
  /** A witness site or lease witness down. */
  | { readonly kind: "nodeDown"; readonly node: string; readonly at: number; readonly for: number }
  /** Every link between the two location groups cut (an inter-continent partition). */
  | {
      readonly kind: "geoSplit";
      readonly left: readonly string[];
      readonly right: readonly string[];
      readonly at: number;
      readonly for: number;
    }
  /** A region's local replica unhealthy (lagging, broken). */
  | { readonly kind: "replicaUnhealthy"; readonly region: string; readonly at: number; readonly for: number }
  /** FailoverOverride switchover to `to`, applied in every region. */
  | { readonly kind: "switchover"; readonly to: string; readonly at: number }
  /** FailoverOverride freeze in every region for `for` ms. */
  | { readonly kind: "freeze"; readonly at: number; readonly for: number };

export function faultEnd(f: Fault): number {
  return "for" in f ? f.at + f.for : f.at;
}

export function describeFault(f: Fault): string {
  const t = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const span = "for" in f ? ` at ${t(f.at)} for ${t(f.for)}` : ` at ${t(f.at)}`;
  switch (f.kind) {
    case "crash":
      return `region ${f.region} crashes${span}`;
    case "restart":
      return `controller in ${f.region} restarts${span}`;
    case "cut":
      return `link ${f.a} <-> ${f.b} cut${span}`;
    case "oneway":
      return `link ${f.from} -> ${f.to} cut (asymmetric)${span}`;
    case "isolate":
      return `region ${f.region} isolated${span}`;
    case "flaky":
      return `link ${f.a} <-> ${f.b} loses ${Math.round(f.loss * 100)}%${span}`;
    case "nodeDown":
      return `${f.node} down${span}`;
    case "geoSplit":
      return `partition [${f.left.join(",")}] | [${f.right.join(",")}]${span}`;
    case "replicaUnhealthy":
      return `replica in ${f.region} unhealthy${span}`;
    case "switchover":
      return `switchover override to ${f.to}${span}`;
    case "freeze":
      return `freeze override${span}`;
  }
}
