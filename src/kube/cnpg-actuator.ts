// CloudNativePG actuation (DESIGN §7), as pure patch builders plus a pure step function for planned
// switchover and forced failover. Every step is decided from what the Cluster objects show right
// now (spec.replica, annotations, status.demotionToken), never from remembered progress, so a
// controller killed between any two steps and restarted computes the same next step: a step already
// applied is seen as applied and is not sent again, and a half-done switchover is finished.
import type { KubeObject } from "./kube-client.ts";
import { done, type ReconcileResult, requeueAfter } from "./reconcile-result.ts";

export const FENCED_INSTANCES = "cnpg.io/fencedInstances";
/**
 * Set beside the fence when splitguard fences (value "splitguard"): the machine lifts only its own
 * fences (a stale primary's, once CNPG shows it as a replica of the new primary); a fence an
 * operator set (`kubectl cnpg fencing on`, no such mark) stays until the operator lifts it.
 */
export const FENCED_BY = "splitguard.io/fenced-by";
/**
 * The fencing epoch splitguard last acted on for this cluster: recorded with every promotion, and
 * with a demotion or re-point (the epoch of the primary followed) when newer than the one there.
 */
export const EPOCH_ANNOTATION = "splitguard.io/epoch";

export interface ClusterView {
  readonly name: string;
  /** spec.replica.primary: the cluster (by CNPG name) that is primary in the distributed topology. */
  readonly primary: string | undefined;
  readonly self: string | undefined;
  /** spec.replica.source: the external cluster this one streams from while it is a replica. */
  readonly source: string | undefined;
  /** The names of spec.externalClusters. */
  readonly externalClusters: readonly string[];
  readonly promotionToken: string | undefined;
  readonly demotionToken: string | undefined;
  readonly fenced: boolean;
  /** The fence carries splitguard's FENCED_BY mark. */
  readonly fencedByUs: boolean;
  readonly epoch: number | undefined;
  /** status.phase, for the event messages. */
  readonly phase: string | undefined;
}

export function viewCluster(c: KubeObject): ClusterView {
  const spec = (c.spec ?? {}) as {
    replica?: { primary?: string; self?: string; source?: string; promotionToken?: string };
    externalClusters?: { name?: string }[];
  };
  const status = (c.status ?? {}) as { demotionToken?: string; phase?: string };
  const ann = c.metadata.annotations ?? {};
  const fenced = ann[FENCED_INSTANCES];
  const epoch = ann[EPOCH_ANNOTATION];
  return {
    name: c.metadata.name,
    primary: spec.replica?.primary,
    self: spec.replica?.self ?? c.metadata.name,
    source: spec.replica?.source,
    externalClusters: (spec.externalClusters ?? []).flatMap((e) => (e.name ? [e.name] : [])),
    promotionToken: spec.replica?.promotionToken || undefined,
    demotionToken: status.demotionToken || undefined,
    fenced: fenced !== undefined && fenced !== "" && fenced !== "[]",
    fencedByUs: ann[FENCED_BY] === "splitguard",
    epoch: epoch === undefined ? undefined : Number(epoch),
    phase: status.phase,
  };
}

/** Merge patches (application/merge-patch+json); `null` deletes a field. */
export type MergePatch = Record<string, unknown>;

/**
 * Make `self` primary. With a token (planned switchover) the token goes in the same patch as the
 * primary change, as CNPG requires; without one (forced failover) any stale token is cleared, so a
 * token from an earlier switchover can never be replayed. The epoch is recorded with it.
 */
export function promotePatch(self: string, epoch: number, token?: string): MergePatch {
  return {
    metadata: { annotations: { [EPOCH_ANNOTATION]: String(epoch) } },
    spec: { replica: { primary: self, promotionToken: token ?? null } },
  };
}

/**
 * The external cluster a replica of `primary` should stream from: the `externalClusters` entry named
 * like the primary's Cluster (the naming CNPG's distributed-topology docs use, and every example
 * here: spec.replica.primary names an external cluster). Undefined when there is none, and then
 * spec.replica.source is left as the user wrote it.
 */
export function sourceFor(c: ClusterView, primary: string): string | undefined {
  return c.externalClusters.includes(primary) ? primary : undefined;
}

/**
 * Whether `c` already follows `primary` the way demotePatch makes it: primary set, no promotion
 * token, and streaming from the primary's external cluster when it has one.
 */
export function followsPrimary(c: ClusterView, primary: string): boolean {
  const source = sourceFor(c, primary);
  return (
    c.primary === primary && c.promotionToken === undefined && (source === undefined || c.source === source)
  );
}

/**
 * Follow `primary`: the old primary's half of a switchover, re-pointing a returning stale primary,
 * or a replica that stays a replica tracking a new primary. With three or more regions the
 * replica's spec.replica.source must move too: left on the old primary (gone, fenced, or itself
 * a replica now) the region would stream from a cluster that no longer carries the primary's WAL
 * and fall behind without a word. It moves to the new primary's external cluster in the same
 * patch (sourceFor); with two regions that is the value already there.
 */
export function demotePatch(c: ClusterView, primary: string, epoch?: number): MergePatch {
  const source = sourceFor(c, primary);
  const spec = { replica: { primary, promotionToken: null, ...(source ? { source } : {}) } };
  return epochNewer(c, epoch)
    ? { metadata: { annotations: { [EPOCH_ANNOTATION]: String(epoch) } }, spec }
    : { spec };
}

/**
 * Whether `epoch` is newer than the one recorded on the cluster: the epoch annotation only ever
 * goes up (restore-start.ts takes it as a lower bound for the restored epoch).
 */
export function epochNewer(c: ClusterView, epoch: number | undefined): epoch is number {
  return epoch !== undefined && (c.epoch === undefined || !Number.isFinite(c.epoch) || epoch > c.epoch);
}

export function fencePatch(): MergePatch {
  return { metadata: { annotations: { [FENCED_INSTANCES]: '["*"]', [FENCED_BY]: "splitguard" } } };
}
export function unfencePatch(): MergePatch {
  return { metadata: { annotations: { [FENCED_INSTANCES]: null, [FENCED_BY]: null } } };
}

/** One step of actuation: a patch to send now, or a named wait/finish. */
export type Step =
  | { readonly kind: "patch"; readonly step: string; readonly patch: MergePatch }
  | { readonly kind: "result"; readonly result: ReconcileResult; readonly demotionToken?: string };

const WAIT_MS = 2_000;

/**
 * The old primary's side of a controlled switchover to `target` (CNPG cluster name).
 * 1. spec.replica.primary := target, promotionToken cleared (one patch);
 * 2. wait for CNPG to write status.demotionToken;
 * 3. done, carrying the token (the caller publishes it in the per-service heartbeat).
 */
export function demoteForSwitchover(c: ClusterView, target: string): Step {
  if (!followsPrimary(c, target)) return { kind: "patch", step: "demote", patch: demotePatch(c, target) };
  if (c.demotionToken === undefined)
    return {
      kind: "result",
      result: requeueAfter(WAIT_MS, `waiting for CNPG to report status.demotionToken on ${c.name}`),
    };
  return {
    kind: "result",
    result: done(`${c.name} demoted; demotion token ready for ${target}`),
    demotionToken: c.demotionToken,
  };
}

/**
 * The new primary's side: with the token from the old primary's heartbeat, set
 * spec.replica.primary := self and promotionToken := token in one patch. Without a token there is
 * nothing safe to do: a promotion without the token is a forced failover, decided elsewhere.
 */
export function promoteWithToken(c: ClusterView, token: string | undefined, epoch: number): Step {
  if (token === undefined)
    return { kind: "result", result: requeueAfter(WAIT_MS, "waiting for the old primary's demotion token") };
  const self = c.self ?? c.name;
  if (c.primary !== self || c.promotionToken !== token || c.epoch !== epoch)
    return { kind: "patch", step: "promote", patch: promotePatch(self, epoch, token) };
  return { kind: "result", result: done(`${c.name} promoted with the demotion token at epoch ${epoch}`) };
}

/**
 * Forced failover: the old primary is gone (decided by the machine, DESIGN §5); promote without a
 * token at a higher epoch.
 */
export function forcePromote(c: ClusterView, epoch: number): Step {
  const self = c.self ?? c.name;
  if (c.primary !== self || c.promotionToken !== undefined || c.epoch !== epoch)
    return { kind: "patch", step: "forcePromote", patch: promotePatch(self, epoch) };
  if (c.fenced) return { kind: "patch", step: "unfence", patch: unfencePatch() };
  return {
    kind: "result",
    result: done(`${c.name} promoted without a token (forced failover) at epoch ${epoch}`),
  };
}

/**
 * A stale primary returning after a forced failover elsewhere: fence it first (it must not accept
 * writes for a moment), then re-point it at the new primary. It stays fenced: it has diverged and
 * needs a re-clone before it may rejoin, which is an operator's decision (runbook), not ours.
 */
export function fenceAndRepoint(c: ClusterView, newPrimary: string): Step {
  if (!c.fenced) return { kind: "patch", step: "fence", patch: fencePatch() };
  if (!followsPrimary(c, newPrimary))
    return { kind: "patch", step: "repoint", patch: demotePatch(c, newPrimary) };
  return {
    kind: "result",
    result: done(`${c.name} fenced and re-pointed at ${newPrimary}; re-clone before unfencing`),
  };
}
