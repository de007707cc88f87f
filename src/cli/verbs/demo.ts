// `splitguard demo`: two regions, three witnesses and real DNS on loopback, in-memory clusters,
// and either the live view (keys trigger faults) or a scripted scenario with a verdict.
import { systemClock } from "../../shell/system-clock.ts";
import { defineCommand, UsageError } from "../command.ts";

export const demo = defineCommand({
  path: ["demo"],
  summary: "run two regions, three witnesses and real DNS on loopback, with faults on keys or scripted",
  usage:
    "[--scenario NAME --non-interactive] [--witness auto|unbound|builtin] [--port N] [--loopback-base N] [--list]",
  help: `Without Kubernetes: two regions (eu, us), each with the real region runtime and the real
authoritative responder on its own loopback address, three witness resolvers (unbound when it is
installed and port 53 can be bound, otherwise a built-in forwarding witness), and in-memory CNPG
clusters with their gated pods. docs/demo.md says what is real and what is simulated.

Options:
  --scenario NAME     run a scripted scenario, print its timeline and a verdict (--list names them);
                      in a terminal the live view runs meanwhile
  --non-interactive   with --scenario: no live view, the timeline goes to stdout as it happens
  --witness KIND      auto (default), unbound (needs port 53) or builtin
  --port N            the port of every responder and witness (default 53 as root, else 5300;
                      unbound needs 53)
  --loopback-base N   regions at 127.0.0.(N+1, N+2), witnesses at 127.0.0.(N+11..N+13); default 110
  --list              list the scenarios

Keys in the live view: 1/2 kill or revive eu/us, p partition, i isolate the primary, h heal,
f freeze/release, s switchover, q quit.

Exit codes: 0 every invariant held, 1 one broke (or a runtime failure), 2 bad usage.`,
  options: {
    scenario: { type: "string" },
    "non-interactive": { type: "boolean" },
    witness: { type: "string" },
    port: { type: "string" },
    "loopback-base": { type: "string" },
    list: { type: "boolean" },
  },
  async run({ values }, io) {
    const { scenarios, scenarioNamed } = await import("../../demo/scenarios.ts");
    const { unboundAvailable } = await import("../../demo/unbound-witness.ts");
    const root = process.getuid?.() === 0;
    const kind = values.witness ?? "auto";
    if (!["auto", "unbound", "builtin"].includes(kind))
      throw new UsageError(`--witness ${kind}: choose auto, unbound or builtin`);
    const port = values.port !== undefined ? Number(values.port) : undefined;
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
      throw new UsageError(`--port ${values.port}: must be a port number from 1 to 65535`);
    const witness =
      kind === "auto" ? (root && (port ?? 53) === 53 && unboundAvailable() ? "unbound" : "builtin") : kind;
    if (witness === "unbound" && port !== undefined && port !== 53)
      throw new UsageError(
        `--witness unbound --port ${port}: unbound asks the regions' nameservers on port 53 (the glue has no port); use --port 53 or --witness builtin`,
      );
    const base = values["loopback-base"] !== undefined ? Number(values["loopback-base"]) : 110;
    if (!Number.isInteger(base) || base < 1 || base > 240)
      throw new UsageError(
        `--loopback-base ${values["loopback-base"]}: must be an integer from 1 to 240 (addresses 127.0.0.N+1 to N+13)`,
      );
    const setup = {
      witness: witness as "unbound" | "builtin",
      port: port ?? (root ? 53 : 5300),
      base,
      clock: systemClock,
    };
    if (values.list) {
      for (const s of scenarios(setup.witness)) io.out(`${s.name.padEnd(24)} ${s.summary}\n`);
      return 0;
    }
    // The regions, machines and servers load only for a run, not for --list.
    const { runScenario, runInteractive } = await import("../../demo/run-demo.ts");
    if (values.scenario !== undefined) {
      let sc: ReturnType<typeof scenarioNamed>;
      try {
        sc = scenarioNamed(setup.witness, values.scenario);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      // In a terminal the live view runs meanwhile; --non-interactive (or no terminal) prints lines.
      const live =
        !values["non-interactive"] && process.stdout.isTTY
          ? {
              write: (t: string) => process.stdout.write(t),
              columns: () => process.stdout.columns || Number.POSITIVE_INFINITY,
            }
          : undefined;
      const ok = await runScenario(setup, sc, (l) => io.out(`${l}\n`), io.stopped, live);
      return ok ? 0 : 1;
    }
    if (values["non-interactive"])
      throw new UsageError("--non-interactive needs --scenario NAME (--list names them)");
    if (!process.stdin.isTTY || !process.stdout.isTTY)
      throw new UsageError(
        "the live view needs a terminal; without one run a scenario: splitguard demo --scenario primary-region-down --non-interactive",
      );
    return runInteractive(setup, process.stdin, (s) => process.stdout.write(s), io.stopped);
  },
});
