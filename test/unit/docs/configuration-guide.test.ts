// docs/configuration.md's example is a file the loader accepts, with the values its comments claim.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.ts";

const doc = readFileSync(new URL("../../../docs/configuration.md", import.meta.url), "utf8");

describe("docs/configuration.md", () => {
  it("its YAML example passes the schema", () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(yaml, "a ```yaml block in docs/configuration.md").toBeDefined();
    const c = parseConfigText(yaml!, "docs/configuration.md");
    expect(c.hosts.map((h) => h.strategy)).toEqual(["roundRobin", "failover"]);
    expect(c.lease?.witnesses).toHaveLength(3);
    expect(c.failover.promoteAfter).toBe(300);
  });
});
