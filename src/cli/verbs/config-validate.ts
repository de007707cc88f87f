import { defineCommand, UsageError } from "../command.ts";

export const configValidate = defineCommand({
  path: ["config", "validate"],
  summary: "check a configuration file and print the effective values",
  usage: "--config FILE [-o json]",
  help: `Options:
  --config FILE   the splitguard configuration (YAML)
  -o json         print the effective configuration, defaults filled in, as JSON

Exits 0 when the file is valid, 2 with every problem (field path, line, reason) otherwise.`,
  options: { config: { type: "string" }, output: { type: "string", short: "o" } },
  async run({ values }, io) {
    if (!values.config) throw new UsageError("--config FILE is required");
    if (values.output !== undefined && values.output !== "json")
      throw new UsageError(`-o ${values.output}: only json is supported`);
    // Parsers load on demand, so verbs that do not read a config file do not pay for them.
    const { loadConfigFile } = await import("../../config/load.ts");
    const loaded = loadConfigFile(values.config);
    if (values.output === "json") io.out(`${JSON.stringify(loaded.config, null, 2)}\n`);
    else
      io.out(
        `${values.config}: valid (zone ${loaded.config.zone}, region ${loaded.config.region}, ${loaded.config.regions.length} regions, ${loaded.config.hosts.length} hosts)\n`,
      );
    return 0;
  },
});
