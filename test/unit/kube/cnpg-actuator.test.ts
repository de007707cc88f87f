import { describe, expect, it } from "vitest";
import {
  type ClusterView,
  demoteForSwitchover,
  demotePatch,
  fenceAndRepoint,
  followsPrimary,
  forcePromote,
  type MergePatch,
  promoteWithToken,
  type Step,
  sourceFor,
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

describe("replica.source follows the new primary (three regions)", () => {
  const external = (...names: string[]) => ({ externalClusters: names.map((name) => ({ name })) });
  const threeRegions = (replica: Record<string, unknown>): KubeObject => ({
    metadata: { name: "pg-ap" },
    spec: { replica: { self: "pg-ap", ...replica }, ...external("pg-eu", "pg-us", "pg-ap") },
    status: {},
  });

  it("re-pointing a replica at a new primary moves source to that primary's external cluster in the same patch", () => {
    const v = viewCluster(threeRegions({ primary: "pg-eu", source: "pg-eu" }));
    expect(v.externalClusters).toEqual(["pg-eu", "pg-us", "pg-ap"]);
    expect(followsPrimary(v, "pg-us")).toBe(false);
    expect(demotePatch(v, "pg-us")).toEqual({
      spec: { replica: { primary: "pg-us", promotionToken: null, source: "pg-us" } },
    });
  });

  it("a replica whose primary is already right but whose source is stale is re-pointed, then left alone", () => {
    const start = threeRegions({ primary: "pg-us", source: "pg-eu" });
    const { steps, obj } = drive(
      { ...start, metadata: { name: "pg-ap", annotations: { "cnpg.io/fencedInstances": '["*"]' } } },
      (v) => fenceAndRepoint(v, "pg-us"),
    );
    expect(steps).toEqual(["repoint"]);
    expect((obj.spec as { replica: Record<string, unknown> }).replica).toMatchObject({
      primary: "pg-us",
      source: "pg-us",
    });
  });

  it("the old primary's switchover demotion streams from the target", () => {
    const s = demoteForSwitchover(viewCluster(threeRegions({ primary: "pg-ap", source: "pg-eu" })), "pg-us");
    expect(s).toMatchObject({
      kind: "patch",
      patch: { spec: { replica: { primary: "pg-us", source: "pg-us" } } },
    });
  });

  it("without an external cluster named for the primary, source is left as written", () => {
    const v = viewCluster({
      metadata: { name: "pg-ap" },
      spec: { replica: { self: "pg-ap", primary: "pg-eu", source: "origin" }, ...external("origin") },
    });
    expect(sourceFor(v, "pg-us")).toBeUndefined();
    expect(demotePatch(v, "pg-us")).toEqual({
      spec: { replica: { primary: "pg-us", promotionToken: null } },
    });
    expect(followsPrimary({ ...v, primary: "pg-us" }, "pg-us")).toBe(true);
  });
});
