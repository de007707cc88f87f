// Every verb of the CLI, in the order `splitguard --help` lists them.
import type { Command } from "./command.ts";
import { configValidate } from "./verbs/config-validate.ts";
import { dnsServe } from "./verbs/dns-serve.ts";

export const commands: readonly Command[] = [dnsServe, configValidate] as unknown as readonly Command[];
