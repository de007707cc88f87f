// What the controller writes to the FailoverService status after every transition, and reads back
// on start (RestoredStatus): the role, the epoch and every timer that matters as a timestamp.
import type { SnapshotFrom } from "xstate";
import { type Decision, goneSince, type RestoredStatus, type serviceMachine } from "./service-machine.ts";

export type ServiceSnapshot = SnapshotFrom<typeof serviceMachine>;

/** "primary.serving", "standby.following", "fenced", ... */
export function stateName(s: ServiceSnapshot): string {
  const v = s.value as string | Record<string, string>;
  if (typeof v === "string") return v;
  const [k, sub] = Object.entries(v)[0]!;
  return `${k}.${sub}`;
}

export interface ServiceStatus extends RestoredStatus {
  readonly state: string;
  readonly decision: Decision;
  /** Witness/manual mode: when the standby's promotion timer started (lost since), if running. */
  readonly suspectSince: number | null;
}

export function statusOf(s: ServiceSnapshot): ServiceStatus {
  const c = s.context;
  const state = stateName(s);
  let role: RestoredStatus["role"];
  if (state.startsWith("primary.")) role = "primary";
  else if (state === "fenced") role = "fenced";
  else if (state === "standby.promoting") role = "promoting";
  else if (state.startsWith("standby.")) role = "standby";
  else if (state === "demoting") role = "demoting";
  else role = c.restored?.role ?? (c.cnpg.role === "primary" ? "primary" : "standby");
  return {
    state,
    role,
    epoch: c.epoch,
    primary: c.primary,
    lastHealthyAt: c.lastHealthyAt,
    leaseHoldUntil: c.leaseHoldUntil,
    lastRoleChangeAt: c.lastRoleChangeAt,
    suspectSince: c.primary !== null ? (goneSince(c, c.primary) ?? null) : null,
    decision: c.decision,
  };
}
