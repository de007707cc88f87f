// Writes the generated files of charts/splitguard/ (values.schema.json, files/rbac-rules.yaml) from
// src/kube/chart-render.ts. Run: node --import tsx scripts/gen-chart.ts
// (test/unit/kube/chart-render.test.ts fails when the committed files differ).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { renderChartFiles } from "../src/kube/chart-render.ts";

const chart = join(import.meta.dirname, "../charts/splitguard");
for (const [name, text] of Object.entries(renderChartFiles())) {
  mkdirSync(dirname(join(chart, name)), { recursive: true });
  writeFileSync(join(chart, name), text);
  console.log(`wrote ${join("charts/splitguard", name)}`);
}
