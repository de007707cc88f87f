// Real lease-witness servers on loopback for the `lease` tier: BIND 9 (`named -g`) and Knot
// (`knotd`) from the Debian packages, each in its own temp dir and process group, configured by
// witness-server-config.ts. Every server is stopped by `stop()`, which the tests call in afterAll.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { RRType } from "../../src/dns/message.ts";
import { DnsServerClient, type DnsServerClientOptions } from "../../src/dns/rfc2136-client.ts";
import { Rfc2136LeaseTransport } from "../../src/dns/rfc2136-lease-transport.ts";
import { HMAC_SHA256, parseTsigSecret, type TsigKey } from "../../src/dns/tsig.ts";
import { systemClock } from "../../src/shell/system-clock.ts";
import {
  pdnsSetupCommands,
  renderBindConf,
  renderKnotConf,
  renderPdnsConf,
  renderZoneFile,
  type WitnessServerInput,
} from "./witness-server-config.ts";

export type ServerKind = "bind" | "knot" | "pdns";

export interface RunningWitness {
  readonly name: string;
  readonly kind: ServerKind;
  readonly input: WitnessServerInput;
  readonly key: TsigKey;
  /**
   * Freeze the process (SIGSTOP): it keeps its sockets but answers nothing. Resolves once every
   * thread of it is stopped (kill() returns when the signal is queued, not when it took effect).
   */
  pause(): Promise<void>;
  resume(): void;
  /** Kill it (the address then answers ICMP port unreachable → ECONNREFUSED). */
  kill(): Promise<void>;
  /** Start it again on the same address and port, with the zone as it was left (ready checked with `readyKey`). */
  restart(readyKey?: TsigKey): Promise<void>;
  /** Rewrite the server's configuration (same address, port and zone) and restart it. */
  reconfigure(change: Partial<WitnessServerInput>, readyKey: TsigKey): Promise<void>;
  stderr(): string;
}

/** A port free for both UDP and TCP on `address`. */
export async function freePort(address: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const tcpOk = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, address, () => s.close(() => resolve(true)));
    });
    if (!tcpOk) continue;
    const udpOk = await new Promise<boolean>((resolve) => {
      const u = createSocket("udp4");
      u.once("error", () => resolve(false));
      u.bind(port, address, () => u.close(() => resolve(true)));
    });
    if (udpOk) return port;
  }
  throw new Error(`no free port on ${address}`);
}

export const TEST_ZONE = "lease.splitguard.test";
export const TEST_KEY_NAME = "splitguard-lease";

export function randomKey(name = TEST_KEY_NAME): TsigKey {
  return { name, algorithm: HMAC_SHA256, secret: randomBytes(32) };
}

/** A fresh HMAC-SHA256 key from BIND's own `tsig-keygen`: its clause (as a key file holds it) and the key. */
export function tsigKeygen(name: string): { clause: string; key: TsigKey } {
  const clause = execFileSync("tsig-keygen", ["-a", "hmac-sha256", name], { encoding: "utf8" });
  const p = parseTsigSecret(clause);
  if (typeof p === "string") throw new Error(`tsig-keygen ${name}: ${p}`);
  return { clause, key: { name, algorithm: HMAC_SHA256, secret: p.secret } };
}

const COMMANDS: Record<ServerKind, (dir: string) => [string, string[]]> = {
  bind: (dir) => ["named", ["-g", "-c", join(dir, "named.conf")]],
  knot: (dir) => ["knotd", ["-c", join(dir, "knot.conf")]],
  pdns: (dir) => ["pdns_server", [`--config-dir=${dir}`]],
};

/** PowerDNS keeps its zones in SQLite: create the schema its package ships, then run pdnsutil. */
function preparePdns(input: WitnessServerInput): void {
  const db = new DatabaseSync(join(input.dir, "pdns.sqlite3"));
  db.exec(readFileSync("/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql", "utf8"));
  db.close();
  for (const [cmd, ...args] of pdnsSetupCommands(input)) execFileSync(cmd!, args, { stdio: "pipe" });
}

function startProcess(kind: ServerKind, dir: string, log: string[]): ChildProcess {
  const [cmd, args] = COMMANDS[kind](dir);
  const child = spawn(cmd, args, { detached: true, stdio: ["ignore", "ignore", "pipe"] });
  child.stderr?.on("data", (d: Buffer) => {
    log.push(d.toString());
    if (log.length > 400) log.splice(0, log.length - 400);
  });
  return child;
}

function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

/** The scheduler states of a process's threads (/proc/PID/task/TID/stat, field 3). */
function threadStates(pid: number): string[] {
  const dir = `/proc/${pid}/task`;
  return readdirSync(dir).map((tid) => {
    try {
      const stat = readFileSync(join(dir, tid, "stat"), "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? "?";
    } catch {
      return "gone";
    }
  });
}

async function untilStopped(name: string, child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: no process to stop`);
  const end = Date.now() + 2000;
  let states: string[] = [];
  while (Date.now() < end) {
    states = threadStates(pid);
    if (states.every((s) => s === "T" || s === "t" || s === "gone")) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${name} (pid ${pid}) not stopped 2 s after SIGSTOP: thread states ${states.join(" ")}`);
}

async function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      signalGroup(child, "SIGKILL");
      resolve();
    }, ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

async function waitReady(
  name: string,
  input: WitnessServerInput,
  key: TsigKey,
  log: string[],
): Promise<void> {
  const client = new DnsServerClient({
    name,
    server: { host: input.address, port: input.port },
    key,
    clock: systemClock,
  });
  const until = Date.now() + 15_000;
  let last = "";
  while (Date.now() < until) {
    const r = await client.query(input.zone, RRType.SOA, 300);
    if (r.kind === "response" && r.msg.rcode === 0 && r.msg.answers.length > 0) return;
    last = r.kind === "error" ? r.reason : `rcode ${r.msg.rcode}`;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`${name} did not become ready: ${last}\n${log.join("").slice(-3000)}`);
}

export async function startWitness(
  name: string,
  kind: ServerKind,
  address: string,
  key: TsigKey,
  zone = TEST_ZONE,
): Promise<RunningWitness> {
  const dir = mkdtempSync(join(tmpdir(), `sg-witness-${kind}-`));
  const port = await freePort(address);
  const input: WitnessServerInput = {
    dir,
    address,
    port,
    zone,
    keyName: key.name,
    secret: key.secret.toString("base64"),
  };
  writeFileSync(join(dir, `${zone}.zone`), renderZoneFile(input));
  if (kind === "bind") writeFileSync(join(dir, "named.conf"), renderBindConf(input));
  else if (kind === "knot") writeFileSync(join(dir, "knot.conf"), renderKnotConf(input));
  else {
    writeFileSync(join(dir, "pdns.conf"), renderPdnsConf(input));
    preparePdns(input);
  }
  const log: string[] = [];
  let child = startProcess(kind, dir, log);
  const w: RunningWitness = {
    name,
    kind,
    input,
    key,
    async pause() {
      signalGroup(child, "SIGSTOP");
      await untilStopped(name, child);
    },
    resume: () => signalGroup(child, "SIGCONT"),
    async kill() {
      signalGroup(child, "SIGCONT");
      signalGroup(child, "SIGTERM");
      await waitExit(child, 5000);
    },
    async restart(readyKey = key) {
      await w.kill();
      child = startProcess(kind, dir, log);
      await waitReady(name, input, readyKey, log);
    },
    async reconfigure(change, readyKey) {
      const next = { ...input, ...change };
      if (kind === "bind") writeFileSync(join(dir, "named.conf"), renderBindConf(next));
      else if (kind === "knot") writeFileSync(join(dir, "knot.conf"), renderKnotConf(next));
      else throw new Error("reconfigure: only BIND and Knot");
      await w.restart(readyKey);
    },
    stderr: () => log.join(""),
  };
  try {
    await waitReady(name, input, key, log);
  } catch (e) {
    await w.kill();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return w;
}

export interface WitnessTrio {
  readonly witnesses: readonly RunningWitness[];
  readonly key: TsigKey;
  stop(): Promise<void>;
}

/**
 * Two BIND 9 and one Knot on 127.0.0.1, each on its own free port, one shared TSIG key. (BIND only
 * listens on addresses configured on an interface, and lo carries only 127.0.0.1 here; distinct
 * ports keep the servers apart without changing the machine's interfaces.)
 */
export async function startTrio(key: TsigKey = randomKey()): Promise<WitnessTrio> {
  const started: RunningWitness[] = [];
  const dirs: string[] = [];
  const stop = async () => {
    await Promise.all(started.map((w) => w.kill()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    for (const [name, kind, addr] of [
      ["bind-1", "bind", "127.0.0.1"],
      ["bind-2", "bind", "127.0.0.1"],
      ["knot-1", "knot", "127.0.0.1"],
    ] as const) {
      const w = await startWitness(name, kind, addr, key);
      started.push(w);
      dirs.push(w.input.dir);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { witnesses: started, key, stop };
}

/** The RFC 2136 lease transport to one running witness (options override the client's). */
export function transportFor(
  w: RunningWitness,
  overrides: Partial<DnsServerClientOptions> = {},
): Rfc2136LeaseTransport {
  return new Rfc2136LeaseTransport(
    new DnsServerClient({
      name: `${w.name} ${w.input.address}:${w.input.port}`,
      server: { host: w.input.address, port: w.input.port },
      key: w.key,
      clock: systemClock,
      ...overrides,
    }),
    w.input.zone,
  );
}
