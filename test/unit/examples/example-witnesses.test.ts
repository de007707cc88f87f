import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.ts";
import { EXAMPLE_WITNESSES, exampleWitnessFiles } from "../../support/example-witnesses.ts";
import { EXAMPLES_DIR, exampleRegions } from "../../support/examples.ts";

describe("examples/lease-three-regions/witnesses", () => {
  it("holds the server files the lease tier's renderers produce (node --import tsx test/support/example-witnesses.ts --write)", () => {
    for (const [path, text] of Object.entries(exampleWitnessFiles()))
      expect(readFileSync(join(EXAMPLES_DIR, path), "utf8"), path).toBe(text);
  });

  it("are the lease witnesses every region's configuration names, with the same zone and key", () => {
    const regions = exampleRegions().filter((r) => r.example === "lease-three-regions");
    expect(regions).toHaveLength(3);
    for (const r of regions) {
      const c = parseConfigText(r.config!.text, r.config!.file);
      expect(c.safety).toBe("lease");
      expect(
        c.lease!.witnesses.map((w) => ({
          name: w.name,
          address: w.address,
          zone: w.zone,
          keyName: w.keyName,
        })),
      ).toEqual(
        EXAMPLE_WITNESSES.map((w) => ({
          name: w.name,
          address: w.input.address,
          zone: w.input.zone,
          keyName: w.input.keyName,
        })),
      );
    }
  });
});
