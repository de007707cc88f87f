// Writes charts/splitguard/crds/*.yaml from src/kube/crds.ts (the one source of the CRDs).
// Run: node --import tsx scripts/gen-crds.ts   (test/unit/kube/crds.test.ts fails when they differ)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderCrdFiles } from "../src/kube/crd-render.ts";

const dir = join(import.meta.dirname, "../charts/splitguard/crds");
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(renderCrdFiles())) {
  writeFileSync(join(dir, name), text);
  console.log(`wrote ${join("charts/splitguard/crds", name)}`);
}
