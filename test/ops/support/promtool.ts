// Run Debian's promtool (package `prometheus`, provisioned by scripts/provision.sh).
import { spawnSync } from "node:child_process";

export interface ToolRun {
  readonly code: number | null;
  readonly out: string;
}

export function promtool(args: string[], input?: string): ToolRun {
  const r = spawnSync("promtool", args, { input, encoding: "utf8", timeout: 30_000 });
  if (r.error)
    throw new Error(`promtool ${args.join(" ")}: ${r.error.message} (install Debian's prometheus package)`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}
