// Every manifest in runbooks/ created with a server-side dry run (and strict field validation) on
// a real kube-apiserver with splitguard's CRDs and CNPG's Cluster CRD: the OpenAPI schemas, the
// CEL rules (x-kubernetes-validations) and the upstream Cluster schema are checked by the API
// server itself, nothing is stored.
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { KubeApiError, type KubeObject } from "../../src/kube/kube-client.ts";
import { readBlocks } from "../ops/support/runbook-blocks.ts";
import { type KubeEnv, startKubeEnvWithCrds } from "./support/kube-env.ts";

const PLURAL: Record<string, string> = {
  "splitguard.io/v1alpha1/FailoverOverride": "failoveroverrides",
  "splitguard.io/v1alpha1/FailoverService": "failoverservices",
  "postgresql.cnpg.io/v1/Cluster": "clusters",
};

const manifests = readBlocks(resolve(import.meta.dirname, "../../runbooks"))
  .filter((b) => b.lang === "yaml")
  .flatMap((b) =>
    parseAllDocuments(b.text).map((d) => ({ where: `${b.file}:${b.line}`, obj: d.toJS() as KubeObject })),
  )
  // Configuration snippets (no apiVersion/kind) are the config loader's business, not the API server's.
  .filter((m) => m.obj?.apiVersion !== undefined && m.obj.kind !== undefined);

let env: KubeEnv;
beforeAll(async () => {
  env = await startKubeEnvWithCrds((crd) => crd.metadata.name === "clusters.postgresql.cnpg.io");
  await env.admin.create("/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "databases" },
  });
}, 240_000);
afterAll(async () => {
  await env?.stop();
});

const dryRun = (o: KubeObject) => {
  const plural = PLURAL[`${o.apiVersion}/${o.kind}`];
  if (!plural) throw new Error(`no resource for ${o.apiVersion} ${o.kind}`);
  const group = (o.apiVersion ?? "").includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return env.admin.request(
    "POST",
    `${group}/namespaces/${o.metadata.namespace ?? "databases"}/${plural}?dryRun=All&fieldValidation=Strict`,
    o,
  );
};

describe("runbook manifests on a real API server (server-side dry run)", () => {
  it("are there to check", () => {
    expect(manifests.length).toBeGreaterThanOrEqual(5);
  });

  it("are each accepted", async () => {
    const problems: string[] = [];
    for (const m of manifests)
      await dryRun(m.obj).catch((e: Error) => problems.push(`${m.where}: ${e.message}`));
    expect(problems).toEqual([]);
  });

  it("would be rejected if wrong: the API server's CEL rules run (control)", async () => {
    const fo = manifests.find(
      (m) => m.obj.kind === "FailoverOverride" && (m.obj.spec as { force?: boolean }).force,
    );
    expect(fo).toBeDefined();
    const bad = { ...fo!.obj, spec: { ...(fo!.obj.spec as object), acknowledgeSplitBrain: false } };
    const err = await dryRun(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).message).toContain("force: true needs acknowledgeSplitBrain: true");
  });
});
