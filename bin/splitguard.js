#!/usr/bin/env node
// Entry point. In a checkout (src/ present) it runs the TypeScript sources through tsx, so what
// runs is always what is in the tree; an image built from the Dockerfile ships only dist/.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "src", "cli", "run.ts");
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(root, "dist", "src", "cli", "run.js")).href);
}
