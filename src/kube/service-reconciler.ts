// One reconcile of one FailoverService in this region's cluster: apply pending FailoverOverrides,
// take over a planned switchover handed to this region through the peer's heartbeat, keep the
// readiness gate on CNPG's state, publish this region's report and write status. Only the leader
// runs it. Every CNPG step is recomputed from the Cluster object (cnpg-actuator.ts), and the epoch
// of a promotion is fixed in the override's status before the first patch, so a controller killed
// at any point and restarted finishes the operation without doing a step twice.
import type { Clock } from "../core/clock.ts";
import { switchoverRefusal } from "../core/decision.ts";
import type { PeerServiceReport } from "../core/evidence.ts";
import {
  type ClusterView,
  demoteForSwitchover,
  demotePatch,
  fenceAndRepoint,
  followsPrimary,
  forcePromote,
  promoteWithToken,
  type Step,
  viewCluster,
} from "./cnpg-actuator.ts";
import { updateFromFreshRead } from "./conflict-retry.ts";
import { recordEvent } from "./events.ts";
import { setGate } from "./gate-actuator.ts";
import { KubeApiError, type KubeClient, type KubeObject } from "./kube-client.ts";
import { done, type ReconcileResult, requeueAfter } from "./reconcile-result.ts";

export interface PeerSighting {
  readonly report: PeerServiceReport;
  /** How long ago (ms) it was last seen, by any path. */
  readonly ageMs: number;
}

export interface ReconcilerDeps {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly region: string;
  readonly clock: Clock;
  /** The latest report of each peer region for a service (from the evidence rounds). */
  readonly peers: (service: string) => Readonly<Record<string, PeerSighting>>;
  /** This region's per-service report, served in its heartbeat. */
  readonly publish: (service: string, report: PeerServiceReport) => void;
  /** A peer report younger than this counts as the peer being alive. */
  readonly peerAliveMs: number;
  readonly identity: string;
  /** Test hook: called after every CNPG patch step (a test kills the controller here). */
  readonly afterStep?: (step: string) => Promise<void> | void;
  /**
   * The live controller (src/runtime/region-runtime.ts) runs the service machine for everything
   * automatic: the hand-over to this region, a returning stale primary, the gate in steady state.
   * Then this reconciler only carries out FailoverOverrides (the machine is held meanwhile).
   */
  readonly overridesOnly?: boolean;
  /**
   * Live controller (promoteAfter): a switchover whose target has not taken over this long after
   * the demotion token was published is handed to the service machine, which finishes it or takes
   * the primary role back (machines/service-machine.ts `handoverFailed`). Never at once: the
   * runtime stops the machine only at its next round after it sees the override pending, and a
   * machine that missed the whole override would still be running as primary.
   */
  readonly handoverToMachineAfterMs?: number;
}

interface FsSpec {
  host: string;
  regions: { name: string; cnpgCluster?: string }[];
  gate?: { selector: { matchLabels: Record<string, string> } };
}
interface FsStatus {
  role?: string;
  epoch?: number;
  primary?: string;
  switchover?: { step?: string; target?: string; token?: string; since?: string };
  decision?: { action?: string; reason?: string; at?: string };
}
interface OverrideSpec {
  service: string;
  action: "freeze" | "release" | "promote" | "demote" | "switchover";
  region?: string;
  reason: string;
  runbook?: string;
  expiresAt?: string;
  force?: boolean;
  acknowledgeSplitBrain?: boolean;
}
interface OverrideStatus {
  phase?: "Accepted" | "Applied" | "Rejected" | "Expired";
  message?: string;
  epoch?: number;
}

const TERMINAL = new Set(["Applied", "Rejected", "Expired"]);
const clusterPath = (ns: string, name: string) =>
  `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/clusters/${name}`;

export async function reconcileService(
  d: ReconcilerDeps,
  fs: KubeObject,
  overrides: readonly KubeObject[],
): Promise<ReconcileResult> {
  const spec = fs.spec as FsSpec;
  const status = (fs.status ?? {}) as FsStatus;
  const name = fs.metadata.name;
  const local = spec.regions.find((r) => r.name === d.region);
  if (!local) return done(`region ${d.region} is not among the service's regions`);
  if (!local.cnpgCluster || !spec.gate) {
    // A stateless roundRobin service (the CRD admits no CNPG cluster only for those): nothing to
    // promote, demote or freeze. Its overrides are rejected so they do not sit pending forever.
    for (const o of overrides)
      if ((o.spec as OverrideSpec).service === name && isPending(o))
        await writeOverrideStatus(d.client, d.namespace, o.metadata.name, {
          phase: "Rejected",
          message: `${name} is a stateless roundRobin service (no CNPG cluster): overrides do not apply`,
        });
    return done(`${name} is stateless: no CNPG actuation`);
  }
  const cnpgCluster = local.cnpgCluster;
  const gateSelector = spec.gate.selector.matchLabels;
  const cpath = clusterPath(d.namespace, cnpgCluster);
  let view: ClusterView;
  try {
    view = viewCluster(await d.client.get(cpath));
  } catch (e) {
    if (e instanceof KubeApiError && e.isNotFound)
      return requeueAfter(5_000, `CNPG cluster ${local.cnpgCluster} not found in ${d.namespace}`);
    throw e;
  }
  const now = d.clock.now();
  const peers = d.peers(name);
  const clusterOf = (region: string) => spec.regions.find((r) => r.name === region)?.cnpgCluster;
  const ev = (reason: string, message: string, type: "Normal" | "Warning" = "Normal") =>
    recordEvent(d.client, fs, reason, message, now, type, d.identity);
  const gate = (open: boolean, reason: string, message: string) =>
    setGate(d.client, d.namespace, gateSelector, open, reason, message, now);
  // Run CNPG steps until a result; each patch is sent once and re-read before the next decision.
  const steps = async (
    next: (v: ClusterView) => Step,
  ): Promise<{ final: Step & { kind: "result" }; applied: string[] }> => {
    const applied: string[] = [];
    for (let i = 0; i < 8; i++) {
      const s = next(view);
      if (s.kind === "result") return { final: s, applied };
      view = viewCluster(await d.client.patch(cpath, "merge", s.patch));
      applied.push(s.step);
      await d.afterStep?.(s.step);
    }
    throw new Error(`CNPG actuation on ${local.cnpgCluster} did not settle after 8 steps`);
  };

  const pending = overrides
    .filter((o) => (o.spec as OverrideSpec).service === name)
    .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
  const frozen = isFrozen(pending, now);
  let newStatus: FsStatus = { ...status };
  let result: ReconcileResult = done("in sync");
  const finish = async () => {
    await writeServiceStatus(
      d.client,
      d.namespace,
      name,
      changedFields(status, newStatus),
      fs.metadata.generation,
    );
    return result;
  };

  for (const o of pending) {
    if (!isPending(o)) continue;
    const os = (o.status ?? {}) as OverrideStatus;
    const ospec = o.spec as OverrideSpec;
    const setPhase = (phase: OverrideStatus["phase"], message: string, extra: Partial<OverrideStatus> = {}) =>
      writeOverrideStatus(d.client, d.namespace, o.metadata.name, { phase, message, ...extra });
    if (ospec.expiresAt && Date.parse(ospec.expiresAt) <= now) {
      await setPhase("Expired", `expired at ${ospec.expiresAt} before it was applied`);
      continue;
    }
    if (ospec.action === "freeze" || ospec.action === "release") {
      await setPhase(
        "Applied",
        ospec.action === "freeze" ? "no automatic transition until released" : "released",
      );
      await ev("Override", `${ospec.action} by ${o.metadata.name}: ${ospec.reason}`);
      newStatus = decided(newStatus, ospec.action, `override ${o.metadata.name}: ${ospec.reason}`, now);
      continue;
    }
    if (ospec.region !== d.region && ospec.action !== "switchover") {
      await setPhase(
        "Rejected",
        `region ${ospec.region} is not this controller's region (${d.region}); create the override in that region's cluster`,
      );
      continue;
    }
    if (ospec.action === "promote") {
      const alive = Object.entries(peers).filter(
        ([, p]) => p.ageMs < d.peerAliveMs && p.report.role === "primary",
      );
      if (alive.length > 0 && !(ospec.force && ospec.acknowledgeSplitBrain)) {
        // Split-brain guard: a peer reported itself primary moments ago. Promoting now would give two
        // writable primaries; only an operator who accepts that (force + acknowledgement) may.
        const why = `refused: ${alive.map(([r, p]) => `${r} reported primary at epoch ${p.report.epoch} ${Math.round(p.ageMs / 1000)}s ago`).join("; ")}; set force: true and acknowledgeSplitBrain: true to promote anyway`;
        await setPhase("Rejected", why);
        await ev("OverrideRejected", `promote by ${o.metadata.name} ${why}`, "Warning");
        continue;
      }
      // The epoch is fixed before the first patch: a restart reads it back instead of bumping again.
      const epoch =
        os.epoch ??
        Math.max(view.epoch ?? 0, status.epoch ?? 0, ...Object.values(peers).map((p) => p.report.epoch)) + 1;
      if (os.epoch === undefined)
        await setPhase("Accepted", `promoting ${local.cnpgCluster} at epoch ${epoch}`, { epoch });
      const r = await steps((v) => forcePromote(v, epoch));
      await gate(true, "Promoted", `promoted by override ${o.metadata.name}`);
      if (r.applied.length)
        await ev(
          "Promoted",
          `${local.cnpgCluster} promoted at epoch ${epoch} by override ${o.metadata.name}: ${ospec.reason}`,
        );
      await setPhase("Applied", `promoted at epoch ${epoch}`, { epoch });
      newStatus = {
        ...decided(newStatus, "promote", `override ${o.metadata.name}: ${ospec.reason}`, now),
        role: "primary",
        epoch,
        primary: d.region,
      };
      continue;
    }
    if (ospec.action === "demote") {
      const other = spec.regions.find((r) => r.name !== d.region);
      const otherCluster = other?.cnpgCluster;
      if (!other || !otherCluster) {
        await setPhase("Rejected", "no other region with a CNPG cluster to follow");
        continue;
      }
      await gate(false, "Demoted", `demoted by override ${o.metadata.name}`);
      const r = await steps((v) =>
        followsPrimary(v, otherCluster)
          ? { kind: "result", result: done("following") }
          : { kind: "patch", step: "demote", patch: demotePatch(v, otherCluster) },
      );
      if (r.applied.length)
        await ev(
          "Demoted",
          `${local.cnpgCluster} now follows ${other.cnpgCluster} (override ${o.metadata.name}: ${ospec.reason})`,
        );
      await setPhase("Applied", `following ${other.name}`);
      newStatus = {
        ...decided(newStatus, "demote", `override ${o.metadata.name}: ${ospec.reason}`, now),
        role: "standby",
        primary: other.name,
      };
      continue;
    }
    // switchover to ospec.region, run by the current primary's controller.
    const target = ospec.region!;
    const targetCluster = clusterOf(target);
    if (!targetCluster || target === d.region) {
      await setPhase("Rejected", `switchover target ${target} must be another region of the service`);
      continue;
    }
    const epoch = os.epoch ?? view.epoch ?? status.epoch ?? 0;
    if (os.epoch === undefined) {
      if (view.primary !== view.self) {
        await setPhase(
          "Rejected",
          `${d.region} is not primary (CNPG follows ${view.primary}); run the switchover from the primary region`,
        );
        continue;
      }
      // Refused up front, with the reason, when the target cannot take over (decision.ts
      // switchoverRefusal, shared with the machine): not seen recently, fenced, or not following
      // us. Accepting it stalled the handover with no writable region (the e2e tier found it).
      const seen = peers[target];
      const refusal = switchoverRefusal(
        target,
        seen && seen.ageMs < d.peerAliveMs ? seen.report : undefined,
        epoch,
      );
      if (refusal) {
        await setPhase("Rejected", `refused: ${refusal}`);
        await ev("OverrideRejected", `switchover by ${o.metadata.name} refused: ${refusal}`, "Warning");
        continue;
      }
      await setPhase("Accepted", `handing over to ${target}`, { epoch });
      await ev("SwitchoverStarted", `switchover to ${target} (override ${o.metadata.name}: ${ospec.reason})`);
    }
    // Close the gate before demoting: no client may write here once the handover starts.
    await gate(false, "SwitchoverDemoting", `handing over to ${target}`);
    const r = await steps((v) => demoteForSwitchover(v, targetCluster));
    if (r.applied.includes("demote"))
      await ev("Demoted", `${local.cnpgCluster} demoted for switchover to ${target}`);
    const token = r.final.demotionToken;
    newStatus = {
      ...newStatus,
      role: "demoting",
      switchover: {
        step: token ? "tokenPublished" : "demoted",
        target,
        ...(token ? { token, since: status.switchover?.since ?? new Date(now).toISOString() } : {}),
      },
    };
    d.publish(name, {
      role: "demoting",
      epoch,
      gate: "closed",
      demotionToken: token,
      handoverTo: target,
      localTargets: [],
    });
    const tp = peers[target];
    if (tp && tp.report.role === "primary" && tp.report.epoch > epoch) {
      await setPhase("Applied", `${target} promoted at epoch ${tp.report.epoch}`);
      newStatus = {
        ...decided(newStatus, "switchover", `${target} took over at epoch ${tp.report.epoch}`, now),
        role: "standby",
        epoch: tp.report.epoch,
        primary: target,
        switchover: {},
      };
      continue;
    }
    const since = Date.parse(newStatus.switchover?.since ?? "");
    if (
      token &&
      d.overridesOnly &&
      d.handoverToMachineAfterMs !== undefined &&
      now - since >= d.handoverToMachineAfterMs
    ) {
      // The live controller: from here the service machine finishes the handover. Its status says
      // `demoting` and CNPG follows the target, so it restarts in `demoting` (restoredDemoting),
      // publishes the token and follows the target once it claims the newer epoch, or, when the
      // target cannot take over (lost for promoteAfter, or seen fenced), takes the primary role
      // back (handoverFailed in machines/service-machine.ts has why that is safe). Holding the
      // machine until the target promoted left a switchover whose target died in `demoting` for ever.
      await setPhase(
        "Applied",
        `demoted; ${target} has not taken over ${Math.round((now - since) / 1000)} s after the demotion token was published; the service machine finishes the handover, or takes the primary role back if ${target} cannot take over`,
      );
      newStatus = {
        ...decided(
          newStatus,
          "switchover",
          `demoted for ${target}; the service machine finishes the handover`,
          now,
        ),
        role: "demoting",
        switchover: {},
      };
      continue;
    }
    result = token
      ? requeueAfter(2_000, `waiting for ${target} to promote with the demotion token`)
      : r.final.result;
  }

  if (d.overridesOnly) {
    return finish();
  }

  // A planned switchover handed to this region: the old primary publishes its demotion token.
  for (const [peer, p] of Object.entries(peers)) {
    const rep = p.report;
    if (rep.role !== "demoting" || rep.handoverTo !== d.region || !rep.demotionToken) continue;
    if (frozen) {
      result = requeueAfter(5_000, `frozen: not taking over from ${peer}`);
      continue;
    }
    const epoch = rep.epoch + 1;
    const r = await steps((v) => promoteWithToken(v, rep.demotionToken, epoch));
    if (r.final.result.kind !== "done") {
      result = r.final.result;
      continue;
    }
    await gate(true, "Promoted", `took over from ${peer} with its demotion token`);
    if (r.applied.length)
      await ev("Promoted", `${local.cnpgCluster} promoted at epoch ${epoch} with ${peer}'s demotion token`);
    newStatus = {
      ...decided(newStatus, "promote", `planned switchover from ${peer}`, now),
      role: "primary",
      epoch,
      primary: d.region,
    };
  }

  // A returning stale primary: CNPG here still says primary, but a peer is primary at a higher
  // epoch (a forced failover happened while this region was away). Fence first so it takes no
  // writes, then re-point it; it stays fenced until an operator re-clones it (it has diverged).
  const higher = Object.entries(peers).find(
    ([, p]) =>
      p.ageMs < d.peerAliveMs &&
      p.report.role === "primary" &&
      p.report.epoch > (view.epoch ?? status.epoch ?? 0),
  );
  if (higher && !frozen && newStatus.role !== "demoting" && (view.primary === view.self || view.fenced)) {
    const [peer, p] = higher;
    const peerCluster = clusterOf(peer);
    if (peerCluster && view.primary !== peerCluster) {
      await gate(false, "Fenced", `${peer} is primary at epoch ${p.report.epoch}`);
      const r = await steps((v) => fenceAndRepoint(v, peerCluster));
      if (r.applied.includes("fence"))
        await ev(
          "Fenced",
          `${local.cnpgCluster} fenced: ${peer} is primary at epoch ${p.report.epoch}`,
          "Warning",
        );
      if (r.applied.includes("repoint"))
        await ev(
          "Repointed",
          `${local.cnpgCluster} now follows ${peerCluster}; re-clone it before unfencing`,
          "Warning",
        );
      newStatus = {
        ...decided(newStatus, "fence", `${peer} is primary at a higher epoch (${p.report.epoch})`, now),
        role: "fenced",
        epoch: p.report.epoch,
        primary: peer,
      };
    }
  }

  // Steady state: the gate follows CNPG (DESIGN §7: never FerretDB's own readiness).
  const isPrimary = view.primary === view.self && !view.fenced;
  if (newStatus.role !== "demoting" && newStatus.role !== "fenced") {
    const opened = await gate(
      isPrimary,
      isPrimary ? "Primary" : "NotPrimary",
      isPrimary ? `${local.cnpgCluster} is primary` : `${local.cnpgCluster} follows ${view.primary}`,
    );
    if (opened.length && !frozen) newStatus.role = isPrimary ? "primary" : "standby";
    newStatus.role ??= isPrimary ? "primary" : "standby";
    newStatus.epoch ??= view.epoch ?? 0;
    d.publish(name, {
      role: isPrimary ? "primary" : "standby",
      epoch: newStatus.epoch,
      gate: isPrimary ? "open" : "closed",
      localTargets: [],
      // cf=yes: a primary refuses a switchover to a fenced region (switchoverRefusal).
      ...(view.fenced ? { cnpgFenced: true } : {}),
    });
  }
  if (frozen) newStatus.role = "frozen";
  return finish();
}

/**
 * Only the fields this reconcile changed: the status has another writer (the live runtime writes
 * the evidence, the timer and the conditions), whose fresh values must not be overwritten with the
 * copy read at the start of this reconcile.
 */
export function changedFields(before: FsStatus, after: FsStatus): FsStatus {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after))
    if (JSON.stringify(v) !== JSON.stringify((before as Record<string, unknown>)[k])) out[k] = v;
  return out as FsStatus;
}

function decided(s: FsStatus, action: string, reason: string, now: number): FsStatus {
  return { ...s, decision: { action, reason, at: new Date(now).toISOString() } };
}

/** An override not yet Applied, Rejected or Expired: the override executor still has work on it. */
export function isPending(o: KubeObject): boolean {
  const phase = (o.status as OverrideStatus | undefined)?.phase;
  return !(phase && TERMINAL.has(phase));
}

/** Frozen while the latest applied freeze/release is a freeze that has not expired. */
export function isFrozen(overrides: readonly KubeObject[], now: number): boolean {
  let frozen = false;
  for (const o of overrides) {
    const s = o.spec as OverrideSpec;
    if ((o.status as OverrideStatus | undefined)?.phase !== "Applied") continue;
    if (s.action === "freeze") frozen = !(s.expiresAt && Date.parse(s.expiresAt) <= now);
    if (s.action === "release") frozen = false;
  }
  return frozen;
}

async function writeOverrideStatus(
  client: KubeClient,
  ns: string,
  name: string,
  st: OverrideStatus,
): Promise<void> {
  const path = `/apis/splitguard.io/v1alpha1/namespaces/${ns}/failoveroverrides/${name}`;
  await updateFromFreshRead(
    client,
    path,
    (cur) => ({
      ...cur,
      status: { ...((cur.status as object) ?? {}), ...st },
    }),
    5,
    `${path}/status`,
  );
}

async function writeServiceStatus(
  client: KubeClient,
  ns: string,
  name: string,
  st: FsStatus,
  gen?: number,
): Promise<void> {
  const path = `/apis/splitguard.io/v1alpha1/namespaces/${ns}/failoverservices/${name}`;
  await updateFromFreshRead(
    client,
    path,
    (cur) => {
      const next = {
        ...((cur.status as object) ?? {}),
        ...st,
        observedGeneration: gen ?? cur.metadata.generation,
      };
      return JSON.stringify(next) === JSON.stringify(cur.status) ? undefined : { ...cur, status: next };
    },
    5,
    `${path}/status`,
  );
}
