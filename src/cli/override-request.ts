// `splitguard override`, the pure part: the arguments checked locally (the same rules the CRD's
// schema and CEL rules enforce at admission, read from src/kube/crds.ts so they cannot drift), the
// FailoverOverride manifest, and what each status.phase the controller writes means for the wait.
// The controller's side is src/kube/service-reconciler.ts: freeze/release are Applied at once (a
// freeze stays in force until a later release or its expiresAt); promote goes Accepted -> Applied,
// or Rejected while a peer still reports primary unless force and acknowledgeSplitBrain are both
// set; switchover goes Accepted -> Applied once the target took over; any override still pending at
// its expiresAt becomes Expired.
import { failoverOverrideCrd, GROUP, VERSION } from "../kube/crds.ts";
import type { KubeObject } from "../kube/kube-client.ts";
import { UsageError } from "./command.ts";
import { parseDuration } from "./duration.ts";
import type { ServiceView } from "./status-view.ts";

export const ACTIONS = ["freeze", "release", "promote", "demote", "switchover"] as const;
export type Action = (typeof ACTIONS)[number];

export const FORCE_FLAG = "--force";
export const ACK_FLAG = "--i-understand-split-brain-risk";

interface FieldRule {
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly minLength?: number;
}
const specFields = (
  (failoverOverrideCrd.spec as { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] })
    .versions[0]!.schema.openAPIV3Schema.properties as { spec: { properties: Record<string, FieldRule> } }
).spec.properties;

export interface OverrideArgs {
  readonly action?: string | undefined;
  readonly service?: string | undefined;
  readonly region?: string | undefined;
  readonly reason?: string | undefined;
  readonly runbook?: string | undefined;
  readonly ttl?: string | undefined;
  readonly force?: boolean | undefined;
  readonly acknowledge?: boolean | undefined;
}

export interface OverrideRequest {
  readonly action: Action;
  readonly service: string;
  readonly region?: string;
  readonly reason: string;
  readonly runbook?: string;
  readonly ttlMs?: number;
  /** force and acknowledgeSplitBrain, always together (validateOverride refuses one without the other). */
  readonly force: boolean;
}

function checkField(flag: string, field: string, value: string): void {
  const r = specFields[field]!;
  if (r.minLength !== undefined && value.length < r.minLength)
    throw new UsageError(`${flag} must not be empty`);
  if (r.maxLength !== undefined && value.length > r.maxLength)
    throw new UsageError(`${flag}: at most ${r.maxLength} characters (got ${value.length})`);
  if (r.pattern !== undefined && !new RegExp(r.pattern).test(value))
    throw new UsageError(`${flag} "${value}": must match ${r.pattern} (lower-case letters, digits, '-')`);
}

/** Every local rule; throws UsageError naming the flag and what to do. */
export function validateOverride(a: OverrideArgs): OverrideRequest {
  if (!a.action) throw new UsageError(`name an action: ${ACTIONS.join("|")}`);
  if (!(ACTIONS as readonly string[]).includes(a.action))
    throw new UsageError(`unknown action "${a.action}": use one of ${ACTIONS.join(", ")}`);
  const action = a.action as Action;
  if (!a.service) throw new UsageError("name the FailoverService: splitguard override ACTION SERVICE ...");
  checkField("SERVICE", "service", a.service);
  if (a.region !== undefined) checkField("--region", "region", a.region);
  else if (action !== "freeze" && action !== "release")
    throw new UsageError(
      `--region R is required for ${action}: the region ${action === "switchover" ? "taking over" : `to ${action}`}`,
    );
  if (a.reason === undefined || a.reason.trim() === "")
    throw new UsageError("--reason TEXT is required: say why (it is shown in Events and in status)");
  checkField("--reason", "reason", a.reason);
  if (a.runbook !== undefined) checkField("--runbook", "runbook", a.runbook);
  let ttlMs: number | undefined;
  if (a.ttl !== undefined) {
    const d = parseDuration(a.ttl);
    if (!d.ok) throw new UsageError(`--ttl ${d.error}`);
    if (d.ms < 1000) throw new UsageError("--ttl must be at least 1s");
    ttlMs = d.ms;
  }
  // The CRD's CEL rules, checked here so a runbook's --dry-run catches them without a cluster:
  // force only for promote, and never without the explicit split-brain acknowledgement.
  if (a.force && action !== "promote")
    throw new UsageError(`${FORCE_FLAG} applies only to promote (not ${action})`);
  if (a.force && !a.acknowledge)
    throw new UsageError(
      `${FORCE_FLAG} needs ${ACK_FLAG}: a forced promotion while the primary may still be serving can leave two writable primaries whose data diverge`,
    );
  if (a.acknowledge && !a.force) throw new UsageError(`${ACK_FLAG} only goes with ${FORCE_FLAG}`);
  return {
    action,
    service: a.service,
    ...(a.region !== undefined ? { region: a.region } : {}),
    reason: a.reason,
    ...(a.runbook !== undefined ? { runbook: a.runbook } : {}),
    ...(ttlMs !== undefined ? { ttlMs } : {}),
    force: a.force === true,
  };
}

/** Kubernetes' generateName alphabet: no vowels (no words), no 0/1/3 (no look-alikes). */
export const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** SERVICE-ACTION-<suffix>; the suffix is 5 characters of SUFFIX_ALPHABET (drawn by the caller). */
export function overrideName(r: OverrideRequest, suffix: string): string {
  const name = `${r.service}-${r.action}-${suffix}`;
  if (name.length > 253)
    throw new UsageError(`the override name ${name.slice(0, 40)}... exceeds 253 characters`);
  return name;
}

export function overrideManifest(
  r: OverrideRequest,
  o: { readonly name: string; readonly now: number; readonly namespace?: string | undefined },
): KubeObject {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: "FailoverOverride",
    metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) },
    spec: {
      service: r.service,
      action: r.action,
      ...(r.region !== undefined ? { region: r.region } : {}),
      reason: r.reason,
      ...(r.runbook !== undefined ? { runbook: r.runbook } : {}),
      // Whole seconds: an RFC 3339 date-time as kubectl users read it.
      ...(r.ttlMs !== undefined
        ? {
            expiresAt: new Date(Math.ceil((o.now + r.ttlMs) / 1000) * 1000)
              .toISOString()
              .replace(".000Z", "Z"),
          }
        : {}),
      ...(r.force ? { force: true, acknowledgeSplitBrain: true } : {}),
    },
  };
}

export interface OverrideStatusView {
  readonly phase?: string | undefined;
  readonly message?: string | undefined;
}

export type Outcome =
  | { readonly kind: "pending" }
  | { readonly kind: "succeeded"; readonly summary: string }
  | { readonly kind: "failed"; readonly summary: string };

/** What the override's current status means for the waiting CLI. */
export function overrideOutcome(action: Action, s: OverrideStatusView | undefined): Outcome {
  const msg = s?.message ? `: ${s.message}` : "";
  switch (s?.phase) {
    case "Applied":
      return { kind: "succeeded", summary: `Applied${msg}` };
    case "Accepted":
      // A freeze holds from the moment it is accepted (it has no further step to wait for).
      return action === "freeze" ? { kind: "succeeded", summary: `Accepted${msg}` } : { kind: "pending" };
    case "Rejected":
      return { kind: "failed", summary: `Rejected${msg}` };
    case "Expired":
      return { kind: "failed", summary: `Expired${msg}` };
    default:
      return { kind: "pending" };
  }
}

/**
 * A warning when the cluster's own status says the controller will refuse the override (it acts
 * only for its own region; a switchover runs from the primary). Advice only, never a refusal: the
 * region is inferred from status, which may be stale, and an operator at 3 a.m. must not be blocked
 * by the CLI's reading of it. The controller's answer decides.
 */
export function overrideAdvice(r: OverrideRequest, v: ServiceView): string | undefined {
  const self = v.self;
  if ((r.action === "promote" || r.action === "demote") && self && r.region !== self)
    return `this cluster's controller serves region ${self} and will reject a ${r.action} of ${r.region}: create it in ${r.region}'s cluster (--context)`;
  if (r.action === "switchover" && self === r.region)
    return `this cluster is ${self}'s, the region taking over; a switchover is carried out by the current primary region's controller: create it in that cluster (--context)`;
  if (r.action === "switchover" && v.role && v.role !== "primary")
    return `${self ?? "this region"} reports role ${v.role}, not primary; a switchover is carried out by the current primary region's controller${v.primary ? ` (${v.primary})` : ""}: create it in that cluster (--context)`;
  return undefined;
}
