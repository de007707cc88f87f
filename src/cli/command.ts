// The CLI's shape: each verb is a Command with its own options, help text and run function.
// Exit codes (issue 2): 0 ok, 1 runtime failure, 2 bad usage or bad configuration.
import { type ParseArgsConfig, parseArgs } from "node:util";

export class UsageError extends Error {
  override name = "UsageError";
}

export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Resolves when the user asks the process to stop (SIGINT/SIGTERM). */
  readonly stopped: Promise<void>;
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Command<O extends Options = Options> {
  /** Words that select the verb, e.g. ["dns", "serve"]. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Usage line after `splitguard <path>`, e.g. "--config FILE [--listen HOST:PORT]". */
  readonly usage: string;
  /** Extra help text (option descriptions, examples). */
  readonly help: string;
  readonly options: O;
  readonly allowPositionals?: number;
  run(args: ParsedArgs<O>, io: Io): Promise<number>;
}

export interface ParsedArgs<O extends Options> {
  readonly values: { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string };
  readonly positionals: string[];
}

export function parseCommandArgs<O extends Options>(cmd: Command<O>, argv: string[]): ParsedArgs<O> {
  try {
    const r = parseArgs({ args: argv, options: cmd.options, allowPositionals: true, strict: true });
    const max = cmd.allowPositionals ?? 0;
    if (r.positionals.length > max) throw new UsageError(`unexpected argument "${r.positionals[max]}"`);
    return r as unknown as ParsedArgs<O>;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

export function defineCommand<O extends Options>(c: Command<O>): Command<O> {
  return c;
}
