// NSD (Debian) as the reference authoritative server: same zone, rendered as master files.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderZoneFiles } from "../../../src/dns/zone-file.ts";
import type { ZoneModel } from "../../../src/dns/zone-model.ts";
import { buildQuery, udpExchange } from "../../support/dns-client.ts";

export interface RunningNsd {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

/** The NSD settings under which NSD and splitguard are expected to agree (docs/dns.md). */
export function nsdConf(dir: string, host: string, port: number, m: ZoneModel): string {
  return `server:
  ip-address: ${host}@${port}
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  database: ""
  zonelistfile: "${dir}/zone.list"
  xfrdfile: "${dir}/xfrd.state"
  pidfile: "${dir}/nsd.pid"
  logfile: "${dir}/nsd.log"
  server-count: 1
  hide-version: yes
  hide-identity: yes
  minimal-responses: yes
  refuse-any: no
  round-robin: no
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
  ipv4-edns-size: 1232
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: "${m.zone}"
  zonefile: "zone.db"
zone:
  name: "${m.selfHb.apex}"
  zonefile: "hb.db"
`;
}

export async function startNsd(m: ZoneModel, host: string, port: number): Promise<RunningNsd> {
  const dir = mkdtempSync(join(tmpdir(), "sg-nsd-"));
  const files = renderZoneFiles(m);
  writeFileSync(join(dir, "zone.db"), files.zone);
  writeFileSync(join(dir, "hb.db"), files.hb);
  writeFileSync(join(dir, "nsd.conf"), nsdConf(dir, host, port, m));
  const proc: ChildProcess = spawn("nsd", ["-d", "-c", join(dir, "nsd.conf")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  for (let i = 0; i < 100; i++) {
    const r = await udpExchange(host, port, buildQuery({ name: m.zone, type: 6 }), 200);
    if (r) {
      return {
        host,
        port,
        dir,
        stop: async () => {
          proc.kill("SIGTERM");
          await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
          proc.kill("SIGKILL");
        },
      };
    }
    if (proc.exitCode !== null) break;
  }
  proc.kill("SIGKILL");
  throw new Error(`NSD did not start on ${host}:${port}: ${stderr}`);
}
