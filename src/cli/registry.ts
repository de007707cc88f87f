// Every verb of the CLI, in the order `splitguard --help` lists them.
import type { Command } from "./command.ts";
import { configValidate } from "./verbs/config-validate.ts";
import { simulate } from "./verbs/simulate.ts";

export const commands: readonly Command[] = [
  configValidate as unknown as Command,
  simulate as unknown as Command,
];
