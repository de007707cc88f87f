// Kubernetes Events on the FailoverService for every promotion, demotion, fence, unfence and
// override (core/v1 Events, as kubectl describe shows them).
import { randomBytes } from "node:crypto";
import type { KubeClient, KubeObject } from "./kube-client.ts";

export type EventReason =
  | "Promoted"
  | "Demoted"
  | "Fenced"
  | "Unfenced"
  | "Repointed"
  | "SwitchoverStarted"
  | "Override"
  | "OverrideRejected"
  | (string & {});

export function eventObject(
  on: KubeObject,
  reason: EventReason,
  message: string,
  type: "Normal" | "Warning",
  nowMs: number,
  component: string,
): KubeObject {
  const ts = new Date(nowMs).toISOString();
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: `${on.metadata.name}.${randomBytes(6).toString("hex")}`,
      namespace: on.metadata.namespace,
    },
    involvedObject: {
      apiVersion: on.apiVersion,
      kind: on.kind,
      name: on.metadata.name,
      namespace: on.metadata.namespace,
      uid: on.metadata.uid,
      resourceVersion: on.metadata.resourceVersion,
    },
    reason,
    message,
    type,
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
    source: { component },
    reportingComponent: "splitguard.io/controller",
    reportingInstance: component,
  };
}

export async function recordEvent(
  client: KubeClient,
  on: KubeObject,
  reason: EventReason,
  message: string,
  nowMs: number,
  type: "Normal" | "Warning" = "Normal",
  component = "splitguard",
): Promise<void> {
  await client.create(
    `/api/v1/namespaces/${on.metadata.namespace}/events`,
    eventObject(on, reason, message, type, nowMs, component),
  );
}
