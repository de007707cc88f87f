// A topology of Linux network namespaces for the end-to-end tier: every node (a region, a witness
// resolver, a lease witness) is a namespace with one veth link to a shared `core` namespace that
// routes between them, like a WAN. Faults are real packet faults applied in the core's FORWARD
// chain with iptables, per direction and per pair of nodes:
//   cut(a, b)            drop a→b and b→a          cut(a, b, "oneWay") drop only a→b
//   loss(a, b, p)        drop a share p of a→b and b→a (iptables `statistic --mode random`)
//   isolate(a)           cut a from every other node
//   delay(a, b, ms)      hold a→b (and b→a) packets for ms (+ jitter) before forwarding them
//   heal()               remove every fault
// Delay cannot use `tc netem`: this project's CI VM kernel is built without sch_netem (`tc qdisc
// add ... netem` → "Specified qdisc kind is unknown"). Instead the direction is sent to an NFQUEUE
// queue consumed by tools/netdelay (Go, built by scripts/e2e-tools.sh), which accepts each packet
// after the delay. Drops are inserted at the top of the chain and delays appended, because a
// packet accepted from a queue leaves the chain: a cut must win over a delay on the same pair.
//
// Names carry the creating process id (`sg<pid>x<n>-<node>`), so `sweepStale()` removes what a
// killed run left behind without touching a concurrent run's namespaces. `destroy()` kills every
// process started in the topology (their process groups) and deletes every namespace; it is safe to
// call twice and after a partial `create`.
import { type ChildProcess, execFile, type SpawnOptions, spawn } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Runs a command; rejects with its stderr in the message. */
async function sh(cmd: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(cmd, args as string[], { timeout: 20_000 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")}: ${(err.stderr ?? "").trim() || err.message}`);
  }
}

/** The iptables front end: the nf_tables one when it works, else the legacy one. */
let iptablesCmd: string | undefined;
async function iptables(): Promise<string> {
  if (iptablesCmd) return iptablesCmd;
  for (const c of ["iptables", "iptables-nft", "iptables-legacy"]) {
    try {
      await sh(c, ["--version"]);
      iptablesCmd = c;
      return c;
    } catch {
      // try the next one
    }
  }
  throw new Error("iptables is not installed (Debian package iptables); the e2e tier needs it for faults");
}

export type Direction = "both" | "oneWay";

export interface NodeHandle {
  readonly name: string;
  /** The namespace's name, for `ip netns exec`. */
  readonly netns: string;
  /** The node's address on its link to the core. */
  readonly address: string;
}

interface Fault {
  readonly key: string;
  readonly rule: readonly string[];
  /** The netdelay process serving this fault's queue, if it is a delay. */
  readonly consumer?: ChildProcess;
}

let topologies = 0;

export class Topology {
  private readonly nodes = new Map<string, NodeHandle>();
  private readonly faults = new Map<string, Fault>();
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;
  private nextQueue = 1;
  private managementLink?: string;
  readonly prefix: string;
  readonly core: string;

  private constructor(prefix: string) {
    this.prefix = prefix;
    this.core = `${prefix}-core`;
  }

  /**
   * Builds the namespaces and links. Node i gets 10.<subnet>.<i+1>.2/24 with the core at .1.
   * `management: true` also links the test's own (root) namespace to the core, 10.<subnet>.0.1
   * here and .0.2 in the core, with a route to 10.<subnet>.0.0/16: the test process can then
   * reach every node's address (an API server in a region, say) while faults between nodes stay in
   * force; faults never apply to the management link.
   * On failure everything made so far is removed before the error is thrown.
   */
  static async create(
    nodeNames: readonly string[],
    opts: { subnet?: number; management?: boolean } = {},
  ): Promise<Topology> {
    if (new Set(nodeNames).size !== nodeNames.length) throw new Error(`duplicate node names in ${nodeNames}`);
    if (nodeNames.length > 200) throw new Error("at most 200 nodes");
    for (const n of nodeNames)
      if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(n))
        throw new Error(`node name ${JSON.stringify(n)}: use 1-31 lower-case letters, digits and dashes`);
    const t = new Topology(`sg${process.pid}x${topologies++}`);
    const subnet = opts.subnet ?? 77;
    try {
      await sh("ip", ["netns", "add", t.core]);
      await sh("ip", ["-n", t.core, "link", "set", "lo", "up"]);
      await sh("ip", ["netns", "exec", t.core, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
      for (const [i, name] of nodeNames.entries()) {
        const netns = `${t.prefix}-${name}`;
        const address = `10.${subnet}.${i + 1}.2`;
        const gw = `10.${subnet}.${i + 1}.1`;
        // Interface names are limited to 15 characters: the index, not the node name.
        const inner = `sgn${process.pid % 100000}x${i}`.slice(0, 15);
        const outer = `sgc${process.pid % 100000}x${i}`.slice(0, 15);
        await sh("ip", ["netns", "add", netns]);
        t.nodes.set(name, { name, netns, address });
        await sh("ip", ["-n", netns, "link", "set", "lo", "up"]);
        await sh("ip", [
          "link",
          "add",
          inner,
          "netns",
          netns,
          "type",
          "veth",
          "peer",
          "name",
          outer,
          "netns",
          t.core,
        ]);
        await sh("ip", ["-n", netns, "addr", "add", `${address}/24`, "dev", inner]);
        await sh("ip", ["-n", t.core, "addr", "add", `${gw}/24`, "dev", outer]);
        await sh("ip", ["-n", netns, "link", "set", inner, "up"]);
        await sh("ip", ["-n", t.core, "link", "set", outer, "up"]);
        await sh("ip", ["-n", netns, "route", "add", "default", "via", gw]);
      }
      if (opts.management) {
        const here = `sgm${process.pid % 100000}x${t.prefix.split("x")[1]}`.slice(0, 15);
        const there = `sgk${process.pid % 100000}x${t.prefix.split("x")[1]}`.slice(0, 15);
        await sh("ip", ["link", "add", here, "type", "veth", "peer", "name", there, "netns", t.core]);
        t.managementLink = here;
        await sh("ip", ["addr", "add", `10.${subnet}.0.1/24`, "dev", here]);
        await sh("ip", ["-n", t.core, "addr", "add", `10.${subnet}.0.2/24`, "dev", there]);
        await sh("ip", ["link", "set", here, "up"]);
        await sh("ip", ["-n", t.core, "link", "set", there, "up"]);
        // Deleting the link (destroy) deletes the pair, and with it this route.
        await sh("ip", ["route", "add", `10.${subnet}.0.0/16`, "via", `10.${subnet}.0.2`]);
      }
    } catch (e) {
      await t.destroy();
      throw e;
    }
    return t;
  }

  node(name: string): NodeHandle {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name} in the topology (nodes: ${[...this.nodes.keys()].join(", ")})`);
    return n;
  }

  get nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** Starts a process inside a node's namespace, in its own process group; `destroy` kills it. */
  spawn(node: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn("ip", ["netns", "exec", this.node(node).netns, cmd, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      ...opts,
      detached: true,
    });
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    return child;
  }

  /** Runs a command inside a node's namespace to completion and returns its stdout. */
  exec(node: string, cmd: string, args: readonly string[]): Promise<string> {
    return sh("ip", ["netns", "exec", this.node(node).netns, cmd, ...args]);
  }

  /** Drops packets from a to b (and b to a unless oneWay). */
  async cut(a: string, b: string, direction: Direction = "both"): Promise<void> {
    await this.addFault(`cut ${a}>${b}`, this.pairRule(a, b, ["-j", "DROP"]));
    if (direction === "both") await this.addFault(`cut ${b}>${a}`, this.pairRule(b, a, ["-j", "DROP"]));
  }

  /** Drops a share `p` (0..1) of the packets from a to b (and b to a unless oneWay). */
  async loss(a: string, b: string, p: number, direction: Direction = "both"): Promise<void> {
    if (!(p > 0 && p <= 1)) throw new Error(`loss probability must be in (0, 1], got ${p}`);
    const target = ["-m", "statistic", "--mode", "random", "--probability", p.toFixed(4), "-j", "DROP"];
    await this.addFault(`loss ${a}>${b}`, this.pairRule(a, b, target));
    if (direction === "both") await this.addFault(`loss ${b}>${a}`, this.pairRule(b, a, target));
  }

  /**
   * Delays packets from a to b (and b to a unless oneWay) by `ms`, plus a uniform jitter in
   * [0, jitterMs). `netdelay` is the path of the tools/netdelay binary (scripts/e2e-tools.sh).
   */
  async delay(
    a: string,
    b: string,
    ms: number,
    opts: { netdelay: string; jitterMs?: number; direction?: Direction },
  ): Promise<void> {
    if (!(ms >= 0 && ms <= 60_000)) throw new Error(`delay must be 0..60000 ms, got ${ms}`);
    const pairs: [string, string][] = [[a, b]];
    if ((opts.direction ?? "both") === "both") pairs.push([b, a]);
    for (const [from, to] of pairs) {
      const key = `delay ${from}>${to}`;
      if (this.faults.has(key)) continue;
      const queue = this.nextQueue++;
      const consumer = spawn(
        "ip",
        [
          "netns",
          "exec",
          this.core,
          opts.netdelay,
          "-queue",
          String(queue),
          "-delay",
          `${ms}ms`,
          "-jitter",
          `${opts.jitterMs ?? 0}ms`,
        ],
        { stdio: ["ignore", "pipe", "pipe"], detached: true },
      );
      this.children.add(consumer);
      consumer.once("exit", () => this.children.delete(consumer));
      await new Promise<void>((resolve, reject) => {
        let err = "";
        consumer.stderr?.on("data", (d: Buffer) => {
          err += d.toString();
        });
        consumer.stdout?.once("data", () => resolve());
        consumer.once("exit", (code) => reject(new Error(`netdelay exited (${code}): ${err.trim()}`)));
      });
      const rule = this.pairRule(from, to, ["-j", "NFQUEUE", "--queue-num", String(queue)]);
      await sh("ip", ["netns", "exec", this.core, await iptables(), "-w", "-A", ...rule]);
      this.faults.set(key, { key, rule, consumer });
    }
  }

  /** Cuts a node from every other node (its processes keep running). */
  async isolate(a: string): Promise<void> {
    for (const b of this.nodes.keys()) if (b !== a) await this.cut(a, b);
  }

  /** Removes one fault pair (both directions), or every fault. */
  async heal(a?: string, b?: string): Promise<void> {
    for (const [key, f] of [...this.faults]) {
      const [, pair] = key.split(" ");
      const [from, to] = (pair ?? "").split(">");
      if (a !== undefined && !((from === a && to === b) || (from === b && to === a))) continue;
      await sh("ip", ["netns", "exec", this.core, await iptables(), "-w", "-D", ...f.rule]);
      if (f.consumer?.pid) killGroup(f.consumer.pid);
      this.faults.delete(key);
    }
  }

  /** The faults in force, e.g. ["cut eu>us", "loss eu>w1"]. */
  activeFaults(): string[] {
    return [...this.faults.keys()];
  }

  /** Kills every process started here and deletes every namespace. Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const exits = [...this.children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once("exit", () => resolve());
          if (c.pid) killGroup(c.pid);
        }),
    );
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 5_000))]);
    // Namespace deletion finishes asynchronously in the kernel; the root-side link and its route
    // must be gone when destroy returns, so delete it explicitly.
    if (this.managementLink) await sh("ip", ["link", "del", this.managementLink]).catch(() => undefined);
    for (const n of [...this.nodes.values()].reverse()) await deleteNetns(n.netns);
    await deleteNetns(this.core);
    this.nodes.clear();
    this.faults.clear();
  }

  private pairRule(a: string, b: string, target: readonly string[]): string[] {
    return ["FORWARD", "-s", this.node(a).address, "-d", this.node(b).address, ...target];
  }

  private async addFault(key: string, rule: string[]): Promise<void> {
    if (this.faults.has(key)) return;
    // Inserted first: a drop must apply before any delay queue on the same pair (see the header).
    await sh("ip", [
      "netns",
      "exec",
      this.core,
      await iptables(),
      "-w",
      "-I",
      ...rule.slice(0, 1),
      "1",
      ...rule.slice(1),
    ]);
    // Kept so heal() deletes exactly this rule (`-D` with the same specification).
    this.faults.set(key, { key, rule });
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function deleteNetns(name: string): Promise<void> {
  try {
    // Processes still inside would keep its interfaces alive: kill them first.
    const pids = (await sh("ip", ["netns", "pids", name])).split(/\s+/).filter(Boolean);
    for (const p of pids) {
      try {
        process.kill(Number(p), "SIGKILL");
      } catch {
        // already gone
      }
    }
    await sh("ip", ["netns", "del", name]);
  } catch {
    // already deleted
  }
}

/** Namespaces this module made, by the process that made them. */
export async function listOwnNetns(): Promise<{ name: string; pid: number }[]> {
  const out = await sh("ip", ["netns", "list"]);
  const found: { name: string; pid: number }[] = [];
  for (const line of out.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const m = /^sg(\d+)x\d+-/.exec(name);
    if (m) found.push({ name, pid: Number(m[1]) });
  }
  return found;
}

/** Deletes namespaces left by runs whose process is gone (a killed test run). */
export async function sweepStale(): Promise<string[]> {
  const removed: string[] = [];
  for (const { name, pid } of await listOwnNetns()) {
    if (pidAlive(pid)) continue;
    await deleteNetns(name);
    removed.push(name);
  }
  return removed;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
