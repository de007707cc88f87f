// A real unbound (Debian) as a witness resolver on its own loopback address, port 53
// (src/shell/unbound.ts has the configuration), with its log and unbound-control for the tier.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { systemClock } from "../../../src/shell/system-clock.ts";
import { unboundConf as sharedConf, spawnUnbound } from "../../../src/shell/unbound.ts";

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

/** The tier's unbound: timestamps in its log, verbosity 1, unbound-control. */
const TIER = { verbosity: 1, control: true } as const;

/** The tier's configuration file (the e2e tier writes it for an unbound in a namespace). */
export function unboundConf(o: UnboundOptions, dir: string): string {
  return sharedConf({ ...o, ...TIER, dir, extra: ["log-time-ascii: yes", ...(o.extra ?? [])] });
}

export async function startUnbound(o: UnboundOptions): Promise<Unbound> {
  // SG_KEEP_UNBOUND=1 keeps the config and log for a post-mortem.
  const u = await spawnUnbound(
    {
      ...o,
      ...TIER,
      extra: ["log-time-ascii: yes", ...(o.extra ?? [])],
      keep: !!process.env.SG_KEEP_UNBOUND,
    },
    systemClock,
  );
  const log = join(u.dir, "unbound.log");
  return {
    address: o.address,
    dir: u.dir,
    conf: u.conf,
    logs: () => u.output() + (existsSync(log) ? readFileSync(log, "utf8") : ""),
    control: async (...args) => (await run("unbound-control", ["-c", u.conf, ...args])).stdout,
    stop: u.stop,
  };
}
