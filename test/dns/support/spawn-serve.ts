// Start `splitguard dns serve` as a real child process (so a crash is a dead process, not a caught exception).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildQuery, freePort, udpExchange } from "../../support/dns-client.ts";

export interface ServeProcess {
  readonly proc: ChildProcess;
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly configPath: string;
  /** Everything the process wrote to stderr (JSON log lines). */
  logs(): string;
  /** The process's resident set size now, in MB (Linux /proc). */
  rssMb(): number;
  stop(): Promise<number | null>;
}

export const BIN = resolve(import.meta.dirname, "../../../bin/splitguard.js");

export async function spawnServe(
  configText: string,
  key = "fixture-heartbeat-key-0123456789abcdef",
  extra: string[] = [],
  /** Listen here instead of a free port on 127.0.0.1 (e.g. 127.0.0.11:53 for the witness tier). */
  at?: { readonly host: string; readonly port: number },
): Promise<ServeProcess> {
  const dir = mkdtempSync(join(tmpdir(), "sg-serve-"));
  const configPath = join(dir, "splitguard.yaml");
  writeFileSync(configPath, configText);
  writeFileSync(join(dir, "hb.key"), `${key}\n`);
  const host = at?.host ?? "127.0.0.1";
  const port = at?.port ?? (await freePort(host));
  const proc = spawn(
    process.execPath,
    [BIN, "dns", "serve", "--config", configPath, "--listen", `${host}:${port}`, ...extra],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  proc.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  for (let i = 0; i < 150; i++) {
    if (proc.exitCode !== null) break;
    if (await udpExchange(host, port, buildQuery({ name: "gslb.example.com", type: 6 }), 100)) {
      return {
        proc,
        host,
        port,
        dir,
        configPath,
        logs: () => stderr,
        rssMb: () =>
          Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))?.[1] ?? 0) / 1024,
        stop: async () => {
          if (proc.exitCode === null) proc.kill("SIGTERM");
          const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
          const code = await exited;
          clearTimeout(t);
          return code;
        },
      };
    }
  }
  proc.kill("SIGKILL");
  throw new Error(`splitguard dns serve did not start: ${stderr}`);
}
