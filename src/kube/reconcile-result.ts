// Every reconcile exit is named (STYLE.md 6): done, requeueAfter(ms, reason) or error(reason).
// Waiting on something outside (a CNPG demotion token, a peer's heartbeat) is a requeue with the
// reason in words, never a thrown string.
export type ReconcileResult =
  | { readonly kind: "done"; readonly reason: string }
  | { readonly kind: "requeueAfter"; readonly ms: number; readonly reason: string }
  | { readonly kind: "error"; readonly reason: string };

export const done = (reason = "in sync"): ReconcileResult => ({ kind: "done", reason });
export const requeueAfter = (ms: number, reason: string): ReconcileResult => ({
  kind: "requeueAfter",
  ms,
  reason,
});
export const error = (reason: string): ReconcileResult => ({ kind: "error", reason });
