// Writes the generated reference pages under docs/ (npm run docs:gen). test/unit/docs/*-reference.test.ts
// fail when a committed page differs from what this writes.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GENERATED_DOCS } from "../src/docs/generated-docs.ts";

const root = join(import.meta.dirname, "..");
for (const [file, render] of Object.entries(GENERATED_DOCS)) {
  writeFileSync(join(root, file), render());
  console.log(`wrote ${file}`);
}
