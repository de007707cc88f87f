// YAML text of the CRD files, as committed under charts/splitguard/crds/.
import yaml from "js-yaml";
import { crds } from "./crds.ts";

export function renderCrdFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, crd] of Object.entries(crds))
    out[name] =
      `# Generated from src/kube/crds.ts by scripts/gen-crds.ts; do not edit.\n${yaml.dump(crd, { lineWidth: 120, noRefs: true })}`;
  return out;
}
