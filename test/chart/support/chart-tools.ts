// helm and kubeconform for the `chart` tier: built from their Go modules by scripts/chart-tools.sh
// and cached outside the clone, like kube-apiserver and etcd (test/kube/support/kube-env.ts).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import type { KubeObject } from "../../../src/kube/kube-client.ts";
import {
  goModuleDir,
  KUBE_VERSION,
  projectCrdFiles,
  readCrds,
  upstreamCrdFiles,
} from "../../kube/support/kube-env.ts";
import { builtinSchemas, crdSchemas, SCHEMA_LOCATION_TEMPLATE, writeSchemas } from "./kube-schemas.ts";

export const HELM_VERSION = process.env.SPLITGUARD_HELM_VERSION ?? "v3.22.0";
export const KUBECONFORM_VERSION = process.env.SPLITGUARD_KUBECONFORM_VERSION ?? "v0.8.0";
/** The ServiceMonitor and PrometheusRule CRDs (monitoring.coreos.com/v1), for kubeconform only. */
export const PROMETHEUS_OPERATOR_MODULE = "github.com/prometheus-operator/prometheus-operator@v0.85.0";

export const CHART = join(import.meta.dirname, "../../../charts/splitguard");
export const EXAMPLE_VALUES = join(CHART, "ci/example-values.yaml");

function tool(name: "helm" | "kubeconform"): string {
  const version = name === "helm" ? HELM_VERSION : KUBECONFORM_VERSION;
  const cache = process.env.SPLITGUARD_TOOLS_CACHE ?? join(homedir(), ".cache", "splitguard", "tools");
  const p = join(cache, `${name}-${version}`, name);
  if (!existsSync(p))
    throw new Error(`${p} is missing: run scripts/chart-tools.sh (or scripts/test.sh with the chart tier)`);
  return p;
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(bin: string, args: readonly string[], env: Record<string, string> = {}, input?: string): Run {
  const r = spawnSync(bin, args, {
    encoding: "utf8",
    input,
    timeout: 120_000,
    maxBuffer: 64 << 20,
    env: { ...process.env, ...env },
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * helm with its state (config, cache, data) in a private directory, so nothing of the user's helm
 * setup is read or written.
 */
export class Helm {
  readonly home = mkdtempSync(join(tmpdir(), "splitguard-helm-"));
  private readonly bin = tool("helm");
  run(args: readonly string[], env: Record<string, string> = {}): Run {
    return run(this.bin, args, {
      HELM_CONFIG_HOME: join(this.home, "config"),
      HELM_CACHE_HOME: join(this.home, "cache"),
      HELM_DATA_HOME: join(this.home, "data"),
      ...env,
    });
  }
  /** `helm template` with the example values plus `extra` args; throws with helm's stderr on failure. */
  template(extra: readonly string[] = []): KubeObject[] {
    const r = this.run(["template", "sg", CHART, "--namespace", "gslb", "-f", EXAMPLE_VALUES, ...extra]);
    if (r.code !== 0) throw new Error(`helm template failed (${r.code}):\n${r.stderr}`);
    return yaml.loadAll(r.stdout).filter((d): d is KubeObject => !!d);
  }
  remove(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** Every CRD kubeconform needs to know: this project's, CNPG's, Gateway API's, prometheus-operator's. */
export function allCrds(): KubeObject[] {
  const monitoring = join(goModuleDir(PROMETHEUS_OPERATOR_MODULE), "example/prometheus-operator-crd");
  return readCrds([
    ...projectCrdFiles(),
    ...upstreamCrdFiles(),
    join(monitoring, "monitoring.coreos.com_servicemonitors.yaml"),
    join(monitoring, "monitoring.coreos.com_prometheusrules.yaml"),
  ]);
}

/**
 * Writes the schemas for `kinds` (built-in kinds from k8s.io/kubernetes' OpenAPI document) and for
 * every CRD of allCrds() into `dir`; returns kubeconform's -schema-location argument.
 */
export function prepareSchemas(dir: string, kinds: readonly { apiVersion: string; kind: string }[]): string {
  const swagger = JSON.parse(
    readFileSync(
      join(goModuleDir(`k8s.io/kubernetes@${KUBE_VERSION}`), "api/openapi-spec/swagger.json"),
      "utf8",
    ),
  );
  writeSchemas(dir, { ...builtinSchemas(swagger, kinds), ...crdSchemas(allCrds()) });
  return join(dir, SCHEMA_LOCATION_TEMPLATE);
}

export interface KubeconformResult {
  readonly code: number;
  readonly resources: { filename: string; kind: string; name: string; status: string; msg: string }[];
  readonly summary: { valid: number; invalid: number; errors: number; skipped: number };
  readonly raw: string;
}

/** kubeconform -strict over YAML text, with only the given schema location (never the network). */
export function kubeconform(schemaLocation: string, manifests: string): KubeconformResult {
  const r = run(
    tool("kubeconform"),
    ["-strict", "-summary", "-verbose", "-output", "json", "-schema-location", schemaLocation, "-"],
    {},
    manifests,
  );
  const parsed = JSON.parse(r.stdout) as Omit<KubeconformResult, "code" | "raw">;
  return { code: r.code, ...parsed, raw: r.stdout + r.stderr };
}
