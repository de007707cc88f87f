// Executes the service machine's intents (machines/intents.ts) against this region's objects, in
// the order emitted. Each CNPG intent is idempotent: it reads the Cluster and patches only when the
// Cluster is not already in the asked state, so intents replayed after a restart change nothing.
import type { Intent } from "../../machines/intents.ts";
import type { Clock } from "../core/clock.ts";
import {
  demotePatch,
  epochNewer,
  fencePatch,
  followsPrimary,
  type MergePatch,
  promotePatch,
  unfencePatch,
  viewCluster,
} from "./cnpg-actuator.ts";
import { recordEvent } from "./events.ts";
import { setGate } from "./gate-actuator.ts";
import type { KubeClient, KubeObject } from "./kube-client.ts";

export interface IntentContext {
  readonly client: KubeClient;
  readonly namespace: string;
  /** The FailoverService (Events are recorded on it). */
  readonly service: KubeObject;
  readonly cnpgCluster: string;
  readonly clusterOf: (region: string) => string | undefined;
  readonly gateLabels: Record<string, string>;
  readonly clock: Clock;
  readonly identity: string;
}

export async function executeIntent(c: IntentContext, intent: Intent): Promise<string | undefined> {
  const now = c.clock.now();
  const path = `/apis/postgresql.cnpg.io/v1/namespaces/${c.namespace}/clusters/${c.cnpgCluster}`;
  const event = (reason: string, message: string) =>
    recordEvent(c.client, c.service, reason, message, now, "Normal", c.identity);
  const patchIf = async (needed: (v: ReturnType<typeof viewCluster>) => boolean, patch: MergePatch) => {
    const v = viewCluster(await c.client.get(path));
    if (!needed(v)) return false;
    await c.client.patch(path, "merge", patch);
    return true;
  };
  switch (intent.type) {
    case "openGate":
    case "closeGate": {
      const open = intent.type === "openGate";
      const patched = await setGate(
        c.client,
        c.namespace,
        c.gateLabels,
        open,
        open ? "Primary" : "NotPrimary",
        `${intent.type} by the service machine`,
        now,
      );
      return patched.length ? `${intent.type}: ${patched.join(", ")}` : undefined;
    }
    case "fenceCnpg":
      if (await patchIf((v) => !v.fenced, fencePatch())) await event("Fenced", `${c.cnpgCluster} fenced`);
      return "fenceCnpg";
    case "unfenceCnpg":
      if (await patchIf((v) => v.fenced, unfencePatch()))
        await event("Unfenced", `${c.cnpgCluster} unfenced`);
      return "unfenceCnpg";
    case "promoteCnpg":
      if (
        await patchIf(
          (v) => v.primary !== v.self || v.epoch !== intent.epoch || v.promotionToken !== intent.token,
          promotePatch(c.cnpgCluster, intent.epoch, intent.token),
        )
      )
        await event(
          "Promoted",
          `${c.cnpgCluster} promoted at epoch ${intent.epoch}${intent.token ? " with a demotion token" : " (forced)"}`,
        );
      return "promoteCnpg";
    case "demoteCnpg": {
      const target = c.clusterOf(intent.primary) ?? intent.primary;
      const v = viewCluster(await c.client.get(path));
      // Also when it already follows `target` but at an older epoch (a newer promotion there):
      // one patch per epoch, none in a steady state.
      const moved = !followsPrimary(v, target);
      if (moved || epochNewer(v, intent.epoch)) {
        await c.client.patch(path, "merge", demotePatch(v, target, intent.epoch));
        if (moved) await event("Demoted", `${c.cnpgCluster} now follows ${target} (epoch ${intent.epoch})`);
      }
      return "demoteCnpg";
    }
    case "emitEvent":
      await event(intent.reason, intent.message);
      return undefined;
    // The region runtime keeps the published state and drives the lease itself (region-runtime.ts).
    case "publish":
    case "leaseGoal":
      return undefined;
  }
}
