import { describe, expect, it } from "vitest";
import {
  type ClusterView,
  demoteForSwitchover,
  fenceAndRepoint,
  forcePromote,
  type MergePatch,
  promoteWithToken,
  type Step,
  unfencePatch,
  viewCluster,
} from "../../../src/kube/cnpg-actuator.ts";
import type { KubeObject } from "../../../src/kube/kube-client.ts";

/** Apply a JSON merge patch (RFC 7386) the way the API server does. */
function merge(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

const cluster = (replica: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject => ({
  metadata: { name: "pg-eu", ...(extra.metadata ?? {}) },
  spec: { replica: { self: "pg-eu", ...replica } },
  status: extra.status ?? {},
});

/** Run a step function to completion; `cnpg` plays the operator after every patch. */
function drive(
  start: KubeObject,
  next: (v: ClusterView) => Step,
  cnpg: (c: KubeObject) => KubeObject = (c) => c,
  max = 10,
): { steps: string[]; final: Step; obj: KubeObject } {
  let obj = start;
  const steps: string[] = [];
  for (let i = 0; i < max; i++) {
    const s = next(viewCluster(obj));
    if (s.kind === "result") return { steps, final: s, obj };
    steps.push(s.step);
    obj = cnpg(merge(obj, s.patch as MergePatch) as KubeObject);
  }
  throw new Error(`no result after ${max} steps: ${steps.join(",")}`);
}

describe("controlled switchover, old primary side", () => {
  const demotionToken = (c: KubeObject): KubeObject =>
    (c.spec as { replica: { primary: string } }).replica.primary === "pg-us"
      ? { ...c, status: { ...(c.status as object), demotionToken: "tok-123" } }
      : c;
  it("demotes with the old promotionToken cleared in the same patch, then waits for the token", () => {
    const start = cluster({ primary: "pg-eu", promotionToken: "old" });
    const s = demoteForSwitchover(viewCluster(start), "pg-us");
    expect(s).toEqual({
      kind: "patch",
      step: "demote",
      patch: { spec: { replica: { primary: "pg-us", promotionToken: null } } },
    });
    const waiting = demoteForSwitchover(
      viewCluster(merge(start, (s as { patch: MergePatch }).patch) as KubeObject),
      "pg-us",
    );
    expect(waiting).toMatchObject({ kind: "result", result: { kind: "requeueAfter" } });
  });
  it("finishes with the token CNPG reported, patching once", () => {
    const r = drive(cluster({ primary: "pg-eu" }), (v) => demoteForSwitchover(v, "pg-us"), demotionToken);
    expect(r.steps).toEqual(["demote"]);
    expect(r.final).toMatchObject({ demotionToken: "tok-123", result: { kind: "done" } });
  });
});

describe("controlled switchover, new primary side", () => {
  it("waits without a token", () => {
    expect(promoteWithToken(viewCluster(cluster({ primary: "pg-us" })), undefined, 2)).toMatchObject({
      kind: "result",
      result: { kind: "requeueAfter", reason: "waiting for the old primary's demotion token" },
    });
  });
  it("sets primary and promotionToken in one patch, then is done", () => {
    const r = drive(cluster({ primary: "pg-us" }), (v) => promoteWithToken(v, "tok-123", 2));
    expect(r.steps).toEqual(["promote"]);
    expect((r.obj.spec as { replica: unknown }).replica).toEqual({
      self: "pg-eu",
      primary: "pg-eu",
      promotionToken: "tok-123",
    });
    expect(r.obj.metadata.annotations).toEqual({ "splitguard.io/epoch": "2" });
  });
});

describe("forced failover and the returning stale primary", () => {
  it("forced promotion clears a stale token and unfences", () => {
    const r = drive(
      cluster(
        { primary: "pg-us", promotionToken: "stale" },
        { metadata: { name: "pg-eu", annotations: { "cnpg.io/fencedInstances": '["*"]' } } },
      ),
      (v) => forcePromote(v, 5),
    );
    expect(r.steps).toEqual(["forcePromote", "unfence"]);
    expect((r.obj.spec as { replica: { promotionToken?: string } }).replica.promotionToken).toBeUndefined();
  });
  it("a stale primary is fenced before it is re-pointed, and stays fenced", () => {
    const r = drive(cluster({ primary: "pg-eu" }), (v) => fenceAndRepoint(v, "pg-us"));
    expect(r.steps).toEqual(["fence", "repoint"]);
    // Marked as splitguard's fence: the machine lifts only its own (viewCluster fencedByUs).
    expect(r.obj.metadata.annotations).toEqual({
      "cnpg.io/fencedInstances": '["*"]',
      "splitguard.io/fenced-by": "splitguard",
    });
    expect(viewCluster(r.obj)).toMatchObject({ fenced: true, fencedByUs: true });
    const lifted = merge(r.obj, unfencePatch()) as KubeObject;
    expect(viewCluster(lifted)).toMatchObject({ fenced: false, fencedByUs: false });
  });

  it("an operator's fence (no splitguard mark) is not ours", () => {
    const obj = cluster(
      { primary: "pg-us" },
      { metadata: { name: "pg-eu", annotations: { "cnpg.io/fencedInstances": '["*"]' } } },
    );
    expect(viewCluster(obj)).toMatchObject({ fenced: true, fencedByUs: false });
  });
});

describe("restart safety: every step is recomputed from the objects", () => {
  it("a controller restarted after each step never re-sends an applied patch", () => {
    // Simulate a kill after every patch: a fresh step function sees only the object.
    const seen: string[] = [];
    let obj = cluster({ primary: "pg-eu", promotionToken: "old" });
    for (let i = 0; i < 5; i++) {
      const s = demoteForSwitchover(viewCluster(obj), "pg-us");
      if (s.kind === "result") break;
      seen.push(s.step);
      obj = merge(obj, s.patch) as KubeObject;
    }
    expect(seen).toEqual(["demote"]);
  });
});
