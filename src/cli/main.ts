// splitguard's command line. `splitguard <verb> --help` explains every verb.
import { ConfigError } from "../config/config-error.ts";
import { type Command, type Io, parseCommandArgs, UsageError } from "./command.ts";
import { commands, type VerbEntry } from "./registry.ts";

function topHelp(): string {
  const rows = commands.map((c) => `  ${c.path.join(" ").padEnd(22)} ${c.summary}`);
  return [
    "splitguard: split-brain-aware failover for stateful services across regions",
    "",
    "Usage: splitguard <verb> [options]   (splitguard <verb> --help for each verb)",
    "",
    "Verbs:",
    ...rows,
    "",
    "Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad configuration.",
    "",
  ].join("\n");
}

function commandHelp(c: Command): string {
  return [`Usage: splitguard ${c.path.join(" ")} ${c.usage}`, "", c.summary, "", c.help.trimEnd(), ""].join(
    "\n",
  );
}

/** Longest verb path that prefixes argv. */
function resolve(argv: string[]): { cmd?: VerbEntry; rest: string[]; prefix: string[] } {
  let best: VerbEntry | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  if (best) return { cmd: best, rest: argv.slice(best.path.length), prefix: [...best.path] };
  const prefix: string[] = [];
  for (const w of argv) {
    if (w.startsWith("-")) break;
    if (!commands.some((c) => [...prefix, w].every((x, i) => c.path[i] === x))) break;
    prefix.push(w);
  }
  return { rest: argv.slice(prefix.length), prefix };
}

export async function main(argv: string[], io: Io): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    io.out(topHelp());
    return argv.length === 0 ? 2 : 0;
  }
  const { cmd: entry, rest, prefix } = resolve(argv);
  if (!entry) {
    if (prefix.length > 0) {
      const subs = commands.filter((c) => prefix.every((w, i) => c.path[i] === w));
      io.err(
        `splitguard ${prefix.join(" ")}: choose one of:\n${subs.map((c) => `  ${c.path.join(" ").padEnd(22)} ${c.summary}`).join("\n")}\n`,
      );
      return rest.includes("--help") || rest.includes("-h") ? 0 : 2;
    }
    io.err(`splitguard: unknown verb "${argv[0]}"\n\n${topHelp()}`);
    return 2;
  }
  const cmd = await entry.load();
  if (cmd.path.join(" ") !== entry.path.join(" "))
    throw new Error(`registry entry ${entry.path.join(" ")} loads ${cmd.path.join(" ")}`);
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(commandHelp(cmd));
    return 0;
  }
  try {
    const args = parseCommandArgs(cmd, rest);
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(
        `splitguard ${cmd.path.join(" ")}: ${e.message}\nUsage: splitguard ${cmd.path.join(" ")} ${cmd.usage}\n`,
      );
      return 2;
    }
    if (e instanceof ConfigError) {
      io.err(`splitguard ${cmd.path.join(" ")}: ${e.message}\n`);
      return 2;
    }
    io.err(`splitguard ${cmd.path.join(" ")}: ${(e as Error).message}\n`);
    return 1;
  }
}
