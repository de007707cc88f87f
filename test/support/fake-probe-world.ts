// A scripted world for the prober: regions that sign heartbeats like the responder does, and
// witnesses that relay them, answer SERVFAIL, REFUSED, or stay silent, as each test says. No
// sockets and no timers: answers come back on the next microtask.
import { type ServiceState, servicesDigest, signHeartbeat } from "../../src/core/heartbeat-record.ts";
import type { QueryOutcome } from "../../src/core/probe-votes.ts";
import type { ProbeQType, ProbeTransport, ServerEndpoint } from "../../src/core/prober.ts";

export interface FakeRegion {
  readonly name: string;
  key: Buffer;
  incarnation: number;
  services: ServiceState[];
  /** false: its responder is down (direct: timeout; a witness asked for it: `witnessSees`). */
  up: boolean;
  readonly ns: ServerEndpoint[];
  /** The direct path alone is cut (witnesses still reach the region). */
  directBlocked?: boolean | undefined;
  /** What `localtargets-<host>` serves, when it should differ from the signed heartbeat. */
  servedLocalTargets?: Record<string, string[]> | undefined;
  /** Replay this region's earlier answer instead of signing a fresh one. */
  replay?: readonly string[] | undefined;
}

export type WitnessBehaviour = "relay" | "servfail" | "timeout" | "refused" | "garbage";

export interface FakeWitness {
  readonly endpoint: ServerEndpoint;
  /** What the witness does when asked about `region` (default: relay when the region is up, else SERVFAIL). */
  sees?: ((region: FakeRegion) => WitnessBehaviour) | undefined;
  up: boolean;
}

const key = (e: ServerEndpoint) => `${e.host}:${e.port}`;

export class FakeWorld implements ProbeTransport {
  queries = 0;
  readonly log: { server: string; name: string; recursive: boolean }[] = [];

  constructor(
    readonly zone: string,
    readonly regions: FakeRegion[],
    readonly witnesses: FakeWitness[],
  ) {}

  region(name: string): FakeRegion {
    return this.regions.find((r) => r.name === name)!;
  }

  private answer(r: FakeRegion, labels: string[]): QueryOutcome {
    const nonce = labels[0]!;
    const svc = labels.length === 2 ? labels[1] : undefined;
    if (r.replay) return { kind: "answer", rcode: 0, txt: r.replay, aa: true, via: "udp", latencyMs: 1 };
    if (svc === undefined) {
      const txt = signHeartbeat(
        {
          kind: "region",
          region: r.name,
          nonce,
          incarnation: r.incarnation,
          servicesDigest: servicesDigest(r.services),
          serviceCount: r.services.length,
        },
        r.key,
        this.zone,
      );
      return { kind: "answer", rcode: 0, txt, aa: true, via: "udp", latencyMs: 1 };
    }
    const s = r.services.find((x) => x.service === svc);
    if (!s) return { kind: "answer", rcode: 3, aa: true, via: "udp", latencyMs: 1 };
    const txt = signHeartbeat(
      { kind: "service", region: r.name, nonce, incarnation: r.incarnation, ...s },
      r.key,
      this.zone,
    );
    return { kind: "answer", rcode: 0, txt, aa: true, via: "udp", latencyMs: 1 };
  }

  async query(
    server: ServerEndpoint,
    name: string,
    recursive: boolean,
    type: ProbeQType = "TXT",
  ): Promise<QueryOutcome> {
    this.queries += 1;
    this.log.push({ server: key(server), name, recursive });
    await Promise.resolve();
    if (name.startsWith("localtargets-")) {
      // A region's own zone: its published local targets (the served RRset may be made to differ).
      const target = this.regions.find((x) => x.ns.some((e) => key(e) === key(server)));
      if (!target?.up || target.directBlocked)
        return { kind: "timeout", detail: "UDP after 1000 ms: no response", latencyMs: 1000 };
      const svcName = name.slice("localtargets-".length, -(this.zone.length + 1));
      const s = target.services.find((x) => x.service === svcName);
      const all = target.servedLocalTargets?.[svcName] ?? s?.localTargets ?? [];
      const addresses = all.filter((a) => (type === "AAAA" ? a.includes(":") : !a.includes(":")));
      return { kind: "answer", rcode: 0, addresses, aa: true, via: "udp", latencyMs: 1 };
    }
    const suffix = `.hb.${this.zone}`;
    const labels = name.slice(0, -suffix.length).split(".");
    const regionName = labels.pop()!;
    const r = this.region(regionName);
    if (!recursive) {
      const target = this.regions.find((x) => x.ns.some((e) => key(e) === key(server)));
      if (!target?.up || target.directBlocked)
        return { kind: "timeout", detail: "UDP after 1000 ms: no response", latencyMs: 1000 };
      return this.answer(target, labels);
    }
    const w = this.witnesses.find((x) => key(x.endpoint) === key(server))!;
    if (!w.up) return { kind: "timeout", detail: "UDP after 1000 ms: no response", latencyMs: 1000 };
    const b = w.sees?.(r) ?? (r.up ? "relay" : "servfail");
    if (b === "timeout")
      return { kind: "timeout", detail: "UDP after 1000 ms: no response", latencyMs: 1000 };
    if (b === "servfail") return { kind: "answer", rcode: 2, aa: false, via: "udp", latencyMs: 5 };
    if (b === "refused") return { kind: "answer", rcode: 5, aa: false, via: "udp", latencyMs: 1 };
    if (b === "garbage")
      return { kind: "answer", rcode: 0, txt: ["hello", "world"], aa: false, via: "udp", latencyMs: 1 };
    if (!r.up) return { kind: "answer", rcode: 2, aa: false, via: "udp", latencyMs: 5 };
    const a = this.answer(r, labels);
    return a.kind === "answer" ? { ...a, aa: false } : a;
  }
}
