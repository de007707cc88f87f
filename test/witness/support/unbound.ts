// A real unbound (Debian) as a witness resolver on its own loopback address, port 53: no DNSSEC
// validation (iterator only), allowed to query loopback, and a stub zone for Z pointing at the
// regions' responders, so it follows the delegation and the heartbeat-subzone referrals itself.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildQuery, udpExchange } from "../../support/dns-client.ts";

const run = promisify(execFile);

export interface UnboundOptions {
  readonly address: string;
  readonly zone: string;
  /** The regions' responder addresses (the parent's delegation of Z). */
  readonly stubAddrs: readonly string[];
  /** Who may ask (access-control), default 127.0.0.0/8. */
  readonly allow?: string;
  /** Extra `server:` lines (e.g. "infra-host-ttl: 60"). */
  readonly extra?: readonly string[];
}

export interface Unbound {
  readonly address: string;
  readonly dir: string;
  readonly conf: string;
  logs(): string;
  /** `unbound-control` against this instance. */
  control(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export function unboundConf(o: UnboundOptions, dir: string): string {
  return `server:
  interface: ${o.address}
  port: 53
  interface-automatic: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "${dir}"
  pidfile: "${dir}/unbound.pid"
  use-syslog: no
  logfile: "${dir}/unbound.log"
  log-time-ascii: yes
  verbosity: 1
  num-threads: 1
  so-reuseport: no
  do-ip6: no
  access-control: ${o.allow ?? "127.0.0.0/8"} allow
  # the responders live on loopback
  do-not-query-localhost: no
  # no validation: no trust anchor, iterator only
  module-config: "iterator"
  cache-min-ttl: 0
${(o.extra ?? []).map((l) => `  ${l}`).join("\n")}
remote-control:
  control-enable: yes
  control-interface: "${dir}/control.sock"
  control-use-cert: no

stub-zone:
  name: "${o.zone}"
${o.stubAddrs.map((a) => `  stub-addr: ${a}`).join("\n")}
`;
}

export async function startUnbound(o: UnboundOptions): Promise<Unbound> {
  const dir = mkdtempSync(join(tmpdir(), "sg-unbound-"));
  const conf = join(dir, "unbound.conf");
  writeFileSync(conf, unboundConf(o, dir));
  const proc: ChildProcess = spawn("unbound", ["-d", "-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout?.on("data", (d) => {
    out += String(d);
  });
  proc.stderr?.on("data", (d) => {
    out += String(d);
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const t = setTimeout(() => proc.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(t);
    // SG_KEEP_UNBOUND=1 keeps the config and log for a post-mortem.
    if (!process.env.SG_KEEP_UNBOUND) rmSync(dir, { recursive: true, force: true });
  };
  // Ready when it answers anything (REFUSED for the root is fine: it is listening).
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) break;
    if (await udpExchange(o.address, 53, buildQuery({ name: "localhost", type: 1 }), 100)) {
      return {
        address: o.address,
        dir,
        conf,
        logs: () =>
          out + (existsSync(join(dir, "unbound.log")) ? readFileSync(join(dir, "unbound.log"), "utf8") : ""),
        control: async (...args) => (await run("unbound-control", ["-c", conf, ...args])).stdout,
        stop,
      };
    }
  }
  await stop();
  throw new Error(`unbound on ${o.address} did not start: ${out}`);
}
