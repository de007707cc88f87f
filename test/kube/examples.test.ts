// Every worked example's Kubernetes objects, applied region by region to a real kube-apiserver with
// the real CRDs installed (CNPG v1.30.0 Cluster, Gateway API standard v1.6.1, splitguard's own):
// admission (OpenAPI schemas and CEL rules) must accept each object, and the stored object must
// still hold every field the example sets — a misspelt or misplaced field would be pruned by the
// CRD's structural schema without an error, so reading it back is the check that catches it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient, KubeObject } from "../../src/kube/kube-client.ts";
import { exampleRegions } from "../support/examples.ts";
import { newNamespace } from "./support/fixtures.ts";
import { type KubeEnv, startKubeEnvWithCrds } from "./support/kube-env.ts";

let env: KubeEnv;

beforeAll(async () => {
  env = await startKubeEnvWithCrds();
}, 180_000);
afterAll(async () => {
  await env?.stop();
});

/** The collection path of a namespaced kind, found through API discovery (as kubectl does). */
async function collectionPath(
  client: KubeClient,
  apiVersion: string,
  kind: string,
  ns: string,
): Promise<string> {
  const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const list = await client.get<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(base);
  const r = list.resources.find((x) => x.kind === kind && !x.name.includes("/"));
  if (!r) throw new Error(`${apiVersion} ${kind} is not served by this API server (is its CRD installed?)`);
  if (!r.namespaced) throw new Error(`${kind} is cluster-scoped; examples hold namespaced objects only`);
  return `${base}/namespaces/${ns}/${r.name}`;
}

describe("examples against kube-apiserver", () => {
  for (const r of [...exampleRegions(), ...exampleRegions(true)].filter((x) => x.objects.length > 0))
    it(`${r.example}/${r.region}: every object is admitted and stored as written`, async () => {
      const ns = await newNamespace(env.admin, `ex-${r.region}`);
      for (const { file, object } of r.objects) {
        const path = await collectionPath(env.admin, object.apiVersion!, object.kind!, ns);
        let stored: KubeObject;
        try {
          stored = await env.admin.create(path, object);
        } catch (e) {
          throw new Error(
            `${file}: ${object.kind} ${object.metadata.name} rejected: ${(e as Error).message}`,
          );
        }
        expect(stored.spec, `${file}: ${object.kind} ${object.metadata.name} (fields pruned?)`).toMatchObject(
          object.spec as Record<string, unknown>,
        );
      }
    });
});
