// docs/lease-witnesses.md shows the server configuration the `lease` tier really runs: the same
// renderers, with DOC_EXAMPLE's values.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DOC_EXAMPLE,
  pdnsSetupCommands,
  renderBindConf,
  renderKnotConf,
  renderPdnsConf,
  renderZoneFile,
} from "../../support/witness-server-config.ts";

const doc = readFileSync(new URL("../../../docs/lease-witnesses.md", import.meta.url), "utf8");

describe("docs/lease-witnesses.md", () => {
  for (const [what, text] of [
    ["BIND named.conf", renderBindConf(DOC_EXAMPLE)],
    ["Knot knot.conf", renderKnotConf(DOC_EXAMPLE)],
    ["zone file", renderZoneFile(DOC_EXAMPLE)],
    ["PowerDNS pdns.conf", renderPdnsConf(DOC_EXAMPLE)],
    [
      "PowerDNS setup commands",
      `${pdnsSetupCommands(DOC_EXAMPLE)
        .map((c) => c.join(" "))
        .join("\n")}\n`,
    ],
  ] as const)
    it(`contains the ${what} the tests run, verbatim, in a code block`, () => {
      expect(doc).toContain("```\n" + text + "```\n");
    });
});
