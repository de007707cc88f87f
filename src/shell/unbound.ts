// A real unbound as a witness resolver on loopback (the witness tier and the demo): its own
// address, port 53, no validation (iterator only: the test zones have no trust anchor), allowed to
// query loopback, and a stub zone for Z pointing at the regions' responders, so it follows the
// delegation and the heartbeat-subzone referrals itself.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../core/clock.ts";
import { dnsProbeTransport } from "../dns/probe-transport.ts";

export interface UnboundConfOptions {
  readonly address: string;
  readonly zone: string;
  /** The regions' responder addresses (the parent's delegation of Z). */
  readonly stubAddrs: readonly string[];
  readonly verbosity?: number;
  /** Who may ask (access-control), default 127.0.0.0/8. */
  readonly allow?: string;
  /** Extra `server:` lines (e.g. "infra-cache-max-rtt: 1000"). */
  readonly extra?: readonly string[];
  /** unbound-control over a socket in `dir`. */
  readonly control?: boolean;
}

export function unboundConf(o: UnboundConfOptions & { readonly dir: string }): string {
  const control = o.control
    ? `remote-control:
  control-enable: yes
  control-interface: "${o.dir}/control.sock"
  control-use-cert: no
`
    : "";
  return `server:
  interface: ${o.address}
  port: 53
  interface-automatic: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "${o.dir}"
  pidfile: "${o.dir}/unbound.pid"
  use-syslog: no
  logfile: "${o.dir}/unbound.log"
  verbosity: ${o.verbosity ?? 0}
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
${control}
stub-zone:
  name: "${o.zone}"
${o.stubAddrs.map((a) => `  stub-addr: ${a}`).join("\n")}
`;
}

export interface RunningUnbound {
  readonly dir: string;
  readonly conf: string;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** Stops it and removes its directory (unless `keep`). */
  stop(): Promise<void>;
}

/** Starts unbound in a fresh directory and resolves once it answers on its address. */
export async function spawnUnbound(
  o: UnboundConfOptions & { readonly keep?: boolean },
  clock: Clock,
): Promise<RunningUnbound> {
  const dir = mkdtempSync(join(tmpdir(), "splitguard-unbound-"));
  const conf = join(dir, "unbound.conf");
  writeFileSync(conf, unboundConf({ ...o, dir }));
  const proc: ChildProcess = spawn("unbound", ["-d", "-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keepOutput = (d: unknown) => {
    out += String(d);
  };
  proc.stdout?.on("data", keepOutput);
  proc.stderr?.on("data", keepOutput);
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const t = clock.setTimeout(() => proc.kill("SIGKILL"), 3000);
    await exited;
    clock.clearTimeout(t);
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  };
  // Ready when it answers anything at all (REFUSED for a name outside the zone will do).
  const probe = dnsProbeTransport({ clock, timeoutMs: 200, retries: 0 });
  for (let i = 0; i < 50 && proc.exitCode === null; i++) {
    const r = await probe.query({ host: o.address, port: 53 }, "localhost", true, "A");
    if (r.kind === "answer") return { dir, conf, output: () => out, stop };
    // Refused at once while nothing listens yet: wait before asking again.
    await new Promise<void>((res) => clock.setTimeout(() => res(), 100));
  }
  await stop();
  throw new Error(`unbound did not start on ${o.address}:53 (${out.trim() || "no output"})`);
}
