// Reading a FailoverService (and its FailoverOverrides) for `status` and `explain`: the one place
// that knows the status schema of src/kube/crds.ts. Every field is optional here — a status written
// by an older controller, or none yet, reads as "unknown" and shows as "-" — so the readers are the
// only thing to adapt when the controller writes more. Only fields of the CRD's status schema are
// read: the API server prunes any other field a writer sends. Timestamps are accepted as RFC 3339 strings
// (the CRD's date-time fields) or epoch milliseconds (what machines/status.ts keeps).
import type { KubeObject } from "../kube/kube-client.ts";
import { formatDuration } from "./duration.ts";

export type Vote = "up" | "down" | "unknown";

export interface WitnessView {
  readonly name: string;
  /** This region's heartbeat through the witness: ok, fail or unknown. */
  readonly self: string | undefined;
  /** The witness's vote on each peer region. */
  readonly peers: Readonly<Record<string, string>>;
}

export interface PeerView {
  readonly region: string;
  /** up, down or unknown: the combined verdict (witness quorum and direct queries). */
  readonly seen: string | undefined;
  readonly role: string | undefined;
  readonly epoch: number | undefined;
  /** Its gate as it reports it (open/closed). */
  readonly gate?: string | undefined;
  /** It answered this region's direct question in the last round. */
  readonly direct?: boolean | undefined;
  /** The witness votes on it, in words (the controller's verdict reason). */
  readonly votes?: string | undefined;
  /** Lost (down-quorum, no sighting) every round since. */
  readonly lostSince?: number | undefined;
}

export interface TimerView {
  readonly name: string;
  readonly since: number | undefined;
  readonly deadline: number | undefined;
  /** True when derived from the machine's timestamps rather than written as status.timer. */
  readonly derived: boolean;
}

export interface OverrideView {
  readonly name: string;
  readonly action: string;
  readonly region: string | undefined;
  readonly reason: string;
  readonly phase: string | undefined;
  readonly message: string | undefined;
  readonly expiresAt: number | undefined;
  readonly created: number | undefined;
}

export interface ServiceView {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly host: string | undefined;
  readonly safety: string;
  /** Regions in priority order (first = preferred primary). */
  readonly regions: readonly string[];
  /** The region this cluster's controller runs for, when status says or it can be inferred. */
  readonly self: string | undefined;
  readonly hasStatus: boolean;
  /** The spec generation the status describes is older than the spec. */
  readonly stale: boolean;
  readonly state: string | undefined;
  readonly role: string | undefined;
  readonly epoch: number | undefined;
  readonly primary: string | undefined;
  readonly quorum: { readonly answering: number; readonly configured: number } | undefined;
  readonly witnesses: readonly WitnessView[];
  readonly peers: readonly PeerView[];
  readonly lease: { holder?: string; epoch?: number; holdUntil?: number; reason?: string } | undefined;
  /** The probe round the status describes. */
  readonly round: { readonly number?: number; readonly at?: number } | undefined;
  readonly timer: TimerView | undefined;
  readonly decision: { action?: string; reason?: string; at?: number } | undefined;
  readonly timing: {
    readonly promoteAfterS: number;
    readonly fenceAfterS: number;
    readonly probeIntervalS: number;
  };
  readonly switchoverTarget: string | undefined;
  /** status.conditions (the live controller: SelfQuorum, Serving, TargetsResolved). */
  readonly conditions: readonly { type: string; status: string; message?: string }[];
  readonly created: number | undefined;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** RFC 3339 string or epoch ms -> epoch ms. */
export function time(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v) && v > 0) return v;
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function strings(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v) ?? {})) if (typeof x === "string") out[k] = x;
  return out;
}

export function readService(fs: KubeObject): ServiceView {
  const spec = obj(fs.spec) ?? {};
  const st = obj(fs.status);
  const s = st ?? {};
  const regions = arr(spec.regions)
    .map((r) => str(obj(r)?.name))
    .filter((r): r is string => r !== undefined);
  const peers: PeerView[] = arr(s.peers).flatMap((p) => {
    const o = obj(p);
    const region = str(o?.region);
    return region
      ? [
          {
            region,
            seen: str(o?.seen),
            role: str(o?.role),
            epoch: num(o?.epoch),
            gate: str(o?.gate),
            direct: typeof o?.direct === "boolean" ? o.direct : undefined,
            votes: str(o?.votes),
            lostSince: time(o?.lostSince),
          },
        ]
      : [];
  });
  // Status does not name its own region: it is the one region that is not a peer.
  const left = regions.filter((r) => !peers.some((p) => p.region === r));
  const self = peers.length > 0 && left.length === 1 ? left[0] : undefined;
  const q = /^(\d+)\/(\d+)$/.exec(str(s.quorum) ?? "");
  const failover = obj(spec.failover) ?? {};
  const timing = {
    promoteAfterS: num(failover.promoteAfter) ?? 300,
    fenceAfterS: num(failover.fenceAfter) ?? 60,
    probeIntervalS: num(obj(spec.probe)?.interval) ?? 5,
  };
  // The machine's timers as timestamps: status.restore (live controller) or top level (machines/status.ts).
  const restore = obj(s.restore) ?? s;
  const lease = obj(s.lease);
  const leaseView = lease
    ? {
        ...(str(lease.holder) ? { holder: str(lease.holder)! } : {}),
        ...(num(lease.epoch) !== undefined ? { epoch: num(lease.epoch)! } : {}),
        ...(time(lease.holdUntil) ? { holdUntil: time(lease.holdUntil)! } : {}),
        ...(str(lease.reason) ? { reason: str(lease.reason)! } : {}),
      }
    : time(restore.leaseHoldUntil)
      ? { holdUntil: time(restore.leaseHoldUntil)! }
      : undefined;
  const round = obj(s.round);
  const d = obj(s.decision);
  const state = str(s.state);
  const observed = num(s.observedGeneration);
  return {
    name: fs.metadata.name,
    namespace: fs.metadata.namespace,
    host: str(spec.host),
    safety: str(spec.safety) ?? "witness",
    regions,
    self,
    hasStatus: st !== undefined && Object.keys(st).length > 0,
    stale:
      observed !== undefined && fs.metadata.generation !== undefined && observed < fs.metadata.generation,
    state,
    role: str(s.role),
    epoch: num(s.epoch),
    primary: str(s.primary),
    quorum: q ? { answering: Number(q[1]), configured: Number(q[2]) } : undefined,
    witnesses: arr(s.witnesses).flatMap((w) => {
      const o = obj(w);
      const name = str(o?.name);
      return name ? [{ name, self: str(o?.self), peers: strings(o?.peers) }] : [];
    }),
    peers,
    lease: leaseView,
    timer: readTimer(s, restore, state, timing, leaseView?.holdUntil, str(spec.safety) ?? "witness"),
    round: round
      ? {
          ...(num(round.number) !== undefined ? { number: num(round.number)! } : {}),
          ...(time(round.at) ? { at: time(round.at)! } : {}),
        }
      : undefined,
    decision: d
      ? {
          ...(str(d.action) ? { action: str(d.action)! } : {}),
          ...(str(d.reason) ? { reason: str(d.reason)! } : {}),
          ...(time(d.at) ? { at: time(d.at)! } : {}),
        }
      : undefined,
    timing,
    switchoverTarget: str(obj(s.switchover)?.target) ?? str(obj(s.published)?.handoverTo),
    conditions: arr(s.conditions).flatMap((c) => {
      const o = obj(c);
      const type = str(o?.type);
      const status = str(o?.status);
      return type && status
        ? [{ type, status, ...(str(o?.message) ? { message: str(o?.message)! } : {}) }]
        : [];
    }),
    created: time(fs.metadata.creationTimestamp),
  };
}

/** status.timer, else the running wait derived from the machine's own timestamps (machines/status.ts). */
function readTimer(
  s: Obj,
  restore: Obj,
  state: string | undefined,
  timing: ServiceView["timing"],
  leaseUntil: number | undefined,
  safety: string,
): TimerView | undefined {
  const t = obj(s.timer);
  const name = str(t?.name);
  if (name) return { name, since: time(t?.since), deadline: time(t?.deadline), derived: false };
  const suspect = time(s.suspectSince);
  if (state === "standby.suspecting" && suspect)
    return {
      name: "promoteAfter",
      since: suspect,
      deadline: suspect + timing.promoteAfterS * 1000,
      derived: true,
    };
  if (state === "primary.atRisk") {
    if (safety === "lease" && leaseUntil)
      return { name: "lease", since: undefined, deadline: leaseUntil, derived: true };
    const healthy = time(restore.lastHealthyAt);
    if (healthy)
      return {
        name: "fenceAfter",
        since: healthy,
        deadline: healthy + timing.fenceAfterS * 1000,
        derived: true,
      };
  }
  return undefined;
}

export function readOverride(o: KubeObject): OverrideView {
  const spec = obj(o.spec) ?? {};
  const st = obj(o.status) ?? {};
  return {
    name: o.metadata.name,
    action: str(spec.action) ?? "?",
    region: str(spec.region),
    reason: str(spec.reason) ?? "",
    phase: str(st.phase),
    message: str(st.message),
    expiresAt: time(spec.expiresAt),
    created: time(o.metadata.creationTimestamp),
  };
}

/** Quorum q = floor(|W|/2) + 1 over the configured witnesses (DESIGN §3), never over those that answered. */
export function quorumOf(v: ServiceView): number | undefined {
  const w = configuredWitnesses(v);
  return w === undefined ? undefined : Math.floor(w / 2) + 1;
}

/** The configured witness count: from status.quorum ("answering/configured"), else the witnesses listed. */
export function configuredWitnesses(v: ServiceView): number | undefined {
  return v.quorum?.configured ?? (v.witnesses.length || undefined);
}

/** "eu=primary,us=standby": this region's role from status.role, the peers' as they report it. */
export function rolesCell(v: ServiceView): string {
  if (!v.hasStatus) return "-";
  const byRegion = new Map<string, string>();
  for (const p of v.peers) byRegion.set(p.region, p.role ?? (p.seen === "down" ? "down" : "?"));
  if (v.self) byRegion.set(v.self, v.role ?? "?");
  const known = v.regions.filter((r) => byRegion.has(r));
  if (known.length === 0) return v.role ?? "-";
  return v.regions.map((r) => `${r}=${byRegion.get(r) ?? "?"}`).join(",");
}

/** The UTC time of day, with the date when it is not within a day of now: "12:04:31Z". */
export function utc(at: number, now: number): string {
  const iso = new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
  return Math.abs(at - now) < 86_400_000 ? iso.slice(11) : iso;
}

const relative = (at: number, now: number) =>
  at > now ? `in ${formatDuration(at - now)}` : `${formatDuration(now - at)} ago`;

/** For tables, the relative part first: "in 2m13s (12:04:31Z)", "5s ago (12:04:31Z)". */
export function when(at: number | undefined, now: number): string {
  return at === undefined ? "-" : `${relative(at, now)} (${utc(at, now)})`;
}

/** For prose, the absolute part first: "12:04:31Z, in 2m13s". */
export function stamp(at: number, now: number): string {
  return `${utc(at, now)}, ${relative(at, now)}`;
}

const dash = (v: string | number | undefined) => (v === undefined ? "-" : String(v));

export function statusTable(
  views: readonly ServiceView[],
  now: number,
  o: { readonly wide: boolean; readonly namespaces: boolean },
): string[][] {
  const head = [
    ...(o.namespaces ? ["NAMESPACE"] : []),
    "NAME",
    "HOST",
    "ROLES",
    "EPOCH",
    "SAFETY",
    "QUORUM",
    "TIMER",
    "DEADLINE",
    ...(o.wide ? ["STATE", "PRIMARY", "LEASE", "LAST DECISION"] : []),
    "AGE",
  ];
  const rows = views.map((v) => [
    ...(o.namespaces ? [dash(v.namespace)] : []),
    v.name,
    dash(v.host),
    rolesCell(v),
    dash(v.epoch),
    v.safety,
    v.quorum ? `${v.quorum.answering}/${v.quorum.configured}` : "-",
    dash(v.timer?.name),
    v.timer ? when(v.timer.deadline, now) : "-",
    ...(o.wide
      ? [
          `${dash(v.state)}${v.stale ? " (stale)" : ""}`,
          dash(v.primary),
          v.lease?.holder
            ? `${v.lease.holder}@${dash(v.lease.epoch)}${v.lease.holdUntil ? ` until ${utc(v.lease.holdUntil, now)}` : ""}`
            : "-",
          v.decision?.reason
            ? `${v.decision.action ? `${v.decision.action}: ` : ""}${v.decision.reason}`
            : "-",
        ]
      : []),
    v.created === undefined ? "-" : formatDuration(now - v.created),
  ]);
  return [head, ...rows];
}
