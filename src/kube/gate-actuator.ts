// The readiness gate `splitguard.io/primary` (DESIGN §7): a condition on pods/status of the pods the
// FailoverService selects (FerretDB, poolers, writers). A pod with the gate in
// spec.readinessGates is Ready only while the condition is True, so closing the gate takes the
// region's writers out of every Service and Gateway backend, whatever FerretDB's own readyz says.
import type { KubeClient, KubeObject } from "./kube-client.ts";

export const GATE_CONDITION = "splitguard.io/primary";

export interface GateCondition {
  readonly type: typeof GATE_CONDITION;
  readonly status: "True" | "False";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

export function gateCondition(open: boolean, reason: string, message: string, nowMs: number): GateCondition {
  return {
    type: GATE_CONDITION,
    status: open ? "True" : "False",
    reason,
    message,
    lastTransitionTime: new Date(nowMs).toISOString(),
  };
}

/** The pod's current gate status, if it carries the condition. */
export function podGate(pod: KubeObject): "True" | "False" | undefined {
  const conds =
    (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  const c = conds.find((x) => x.type === GATE_CONDITION);
  return c?.status as "True" | "False" | undefined;
}

export function selectorQuery(matchLabels: Record<string, string>): string {
  return Object.entries(matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/**
 * Patch the condition on every selected pod whose gate differs (strategic merge on pods/status:
 * conditions merge by `type`, other conditions are left alone). Returns the pods patched.
 */
export async function setGate(
  client: KubeClient,
  namespace: string,
  matchLabels: Record<string, string>,
  open: boolean,
  reason: string,
  message: string,
  nowMs: number,
): Promise<string[]> {
  const list = await client.get<{ items: KubeObject[] }>(
    `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selectorQuery(matchLabels))}`,
  );
  const want = open ? "True" : "False";
  const patched: string[] = [];
  for (const pod of list.items) {
    if (podGate(pod) === want) continue;
    await client.patch(`/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}/status`, "strategic", {
      status: { conditions: [gateCondition(open, reason, message, nowMs)] },
    });
    patched.push(pod.metadata.name);
  }
  return patched;
}
