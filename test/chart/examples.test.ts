// The worked examples' Helm values (examples/<example>/helm/<region>.yaml) render with the real
// chart (values.schema.json and the chart's cross-field checks), their rendered configuration is
// one the product's loader accepts for that region, and every example manifest plus what the chart
// renders for it passes kubeconform -strict with the CRD schemas of splitguard, CNPG v1.30.0 and
// Gateway API v1.6.1 (the kube tier also applies the manifests to a real API server).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/config/schema.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { CHART, Helm, kubeconform, prepareSchemas } from "./support/chart-tools.ts";

const EXAMPLES = join(CHART, "../../examples");
const examples = readdirSync(EXAMPLES).filter((e) => existsSync(join(EXAMPLES, e, "helm")));
const valuesFiles = examples.flatMap((e) =>
  readdirSync(join(EXAMPLES, e, "helm"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => ({ example: e, region: basename(f, ".yaml"), file: join(EXAMPLES, e, "helm", f) })),
);

/** The Kubernetes manifests of an example: every region folder's YAML but splitguard.yaml, and drills. */
function manifests(example: string): string[] {
  const dir = join(EXAMPLES, example);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "helm" && d.name !== "witnesses")
    .flatMap((d) =>
      readdirSync(join(dir, d.name))
        .filter((f) => f.endsWith(".yaml") && f !== "splitguard.yaml")
        .map((f) => join(dir, d.name, f)),
    );
}

let helm: Helm;
let schemaDir: string;
const rendered = new Map<string, KubeObject[]>();

function render(file: string): KubeObject[] {
  const r = helm.run(["template", "splitguard", CHART, "--namespace", "db", "-f", file]);
  if (r.code !== 0) throw new Error(`helm template -f ${file} failed (${r.code}):\n${r.stderr}`);
  return yaml.loadAll(r.stdout).filter((d): d is KubeObject => !!d);
}

beforeAll(() => {
  helm = new Helm();
  schemaDir = mkdtempSync(join(tmpdir(), "splitguard-example-schemas-"));
});
afterAll(() => {
  helm?.remove();
  if (schemaDir) rmSync(schemaDir, { recursive: true, force: true });
});

describe("examples' Helm values", () => {
  it("there are values for every region of every example with a controller", () => {
    expect(examples.sort()).toEqual([
      "cnpg-witness",
      "ferretdb-cnpg",
      "lease-three-regions",
      "roundrobin-stateless",
    ]);
    expect(valuesFiles.length).toBe(9);
  });

  it.each(valuesFiles)(
    "$example: the values of region $region render, and the configuration loads for that region",
    ({ example, region, file }) => {
      const objs = render(file);
      rendered.set(`${example}/${region}`, objs);
      const cm = objs.find(
        (o) => o.kind === "ConfigMap" && (o as { data?: Record<string, string> }).data?.["splitguard.yaml"],
      );
      const text = (cm as { data: Record<string, string> } | undefined)?.data["splitguard.yaml"];
      expect(text, "the chart's ConfigMap holds splitguard.yaml").toBeTypeOf("string");
      const parsed = ConfigSchema.safeParse(yaml.load(text as string));
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(parsed.data?.region).toBe(region);
      // The same regions, in the same order, as the example's FailoverService (when it has one).
      const fs = manifests(example)
        .filter((f) => f.includes(`/${region}/`))
        .flatMap((f) => yaml.loadAll(readFileSync(f, "utf8")) as KubeObject[])
        .find((o) => o?.kind === "FailoverService") as { spec: { regions: { name: string }[] } } | undefined;
      if (fs) expect(parsed.data?.regions.map((r) => r.name)).toEqual(fs.spec.regions.map((r) => r.name));
    },
  );

  it("every example manifest and every rendered release pass kubeconform -strict", () => {
    const docs = [
      ...examples.flatMap((e) => manifests(e).flatMap((f) => yaml.loadAll(readFileSync(f, "utf8")))),
      ...valuesFiles.flatMap(({ file }) => render(file)),
    ].filter((d): d is KubeObject => !!d);
    const kinds = [...new Map(docs.map((d) => [`${d.apiVersion}/${d.kind}`, d])).values()].map((d) => ({
      apiVersion: d.apiVersion as string,
      kind: d.kind as string,
    }));
    const location = prepareSchemas(schemaDir, kinds);
    const r = kubeconform(location, docs.map((d) => yaml.dump(d)).join("---\n"));
    const bad = r.resources.filter((x) => x.status !== "statusValid");
    expect(bad, r.raw.slice(0, 4000)).toEqual([]);
    expect(r.summary.valid).toBe(docs.length);
    console.log(`kubeconform -strict: ${r.summary.valid} objects valid (${kinds.length} kinds)`);
  });
});
