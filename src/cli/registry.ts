// Every verb of the CLI, in the order `splitguard --help` lists them.
import type { Command } from "./command.ts";
import { configValidate } from "./verbs/config-validate.ts";
import { leaseCheck } from "./verbs/lease-check.ts";
import { leaseStatus } from "./verbs/lease-status.ts";

export const commands: readonly Command[] = [
  configValidate as unknown as Command,
  leaseStatus as unknown as Command,
  leaseCheck as unknown as Command,
];
