#!/usr/bin/env node
// Entry point. Runs the compiled CLI from dist/ when it was built (the container image), otherwise
// the TypeScript sources through tsx (a checkout after `npm ci`).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "src", "cli", "run.js");
if (!existsSync(built)) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(pathToFileURL(existsSync(built) ? built : join(root, "src", "cli", "run.ts")).href);
