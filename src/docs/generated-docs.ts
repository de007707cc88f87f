// The documentation pages generated from code: repository path → renderer. scripts/gen-docs.ts
// writes them; test/unit/docs/generated-docs.test.ts compares them with the committed files.
import { renderConfigReference } from "./config-reference.ts";
import { renderMetricsReference } from "./metrics-reference.ts";

export const GENERATED_DOCS: Readonly<Record<string, () => string>> = {
  "docs/configuration-reference.md": renderConfigReference,
  "docs/metrics.md": renderMetricsReference,
};
