// The worked examples under examples/: every example with per-region directories, and the
// Kubernetes objects and splitguard configurations in them. Used by the unit tier (consistency
// between the objects) and the kube tier (applied to a real kube-apiserver with the real CRDs).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import type { KubeObject } from "../../src/kube/kube-client.ts";

export const EXAMPLES_DIR = join(import.meta.dirname, "../../examples");

export interface ExampleRegion {
  readonly example: string;
  readonly region: string;
  readonly dir: string;
  /** Every Kubernetes object in the region's *.yaml files, with the file it came from. */
  readonly objects: readonly { readonly file: string; readonly object: KubeObject }[];
  /** The region's splitguard configuration file (splitguard.yaml), when it has one. */
  readonly config?: { readonly file: string; readonly text: string };
}

const CONFIG_FILE = "splitguard.yaml";
/** examples/<example>/drills/: overrides for the README's drills, not a region. */
export const DRILLS_DIR = "drills";
/** examples/<example>/witnesses/: lease witness server files (example-witnesses.ts), not a region. */
export const WITNESSES_DIR = "witnesses";
/** examples/<example>/helm/: Helm values per region (test/chart/examples.test.ts), not a region. */
export const HELM_DIR = "helm";

/**
 * Examples laid out as examples/<example>/<region>/*.yaml (the standalone example has no regions);
 * with `drills`, the examples' drills/ directories instead (reported with region "drills").
 */
export function exampleRegions(drills = false): ExampleRegion[] {
  const out: ExampleRegion[] = [];
  for (const example of readdirSync(EXAMPLES_DIR).sort()) {
    const exDir = join(EXAMPLES_DIR, example);
    if (!statSync(exDir).isDirectory()) continue;
    for (const region of readdirSync(exDir).sort()) {
      const dir = join(exDir, region);
      if (
        !statSync(dir).isDirectory() ||
        region === WITNESSES_DIR ||
        region === HELM_DIR ||
        (region === DRILLS_DIR) !== drills
      )
        continue;
      const files = readdirSync(dir)
        .filter((f) => f.endsWith(".yaml") && f !== CONFIG_FILE)
        .sort();
      const objects = files.flatMap((f) =>
        yaml
          .loadAll(readFileSync(join(dir, f), "utf8"))
          .filter((d) => d !== null && d !== undefined)
          .map((object) => ({ file: `${example}/${region}/${f}`, object: object as KubeObject })),
      );
      const cfg = join(dir, CONFIG_FILE);
      out.push({
        example,
        region,
        dir,
        objects,
        ...(existsSync(cfg)
          ? { config: { file: `${example}/${region}/${CONFIG_FILE}`, text: readFileSync(cfg, "utf8") } }
          : {}),
      });
    }
  }
  return out;
}

export const ofKind = (r: ExampleRegion, kind: string): KubeObject[] =>
  r.objects.filter((o) => o.object.kind === kind).map((o) => o.object);
