import { describe, expect, it } from "vitest";
import { configJsonSchema } from "../../../src/config/json-schema.ts";

describe("configJsonSchema", () => {
  it("describes the top-level fields with the loader's defaults", () => {
    const s = configJsonSchema() as {
      properties: Record<string, { default?: unknown; enum?: unknown[] }>;
      required: string[];
    };
    expect(s.properties.witnesses?.default).toEqual(["8.8.8.8", "1.1.1.1", "9.9.9.9"]);
    expect(s.properties.safety?.enum).toEqual(["witness", "lease", "manual"]);
    expect(s.properties.ttl?.default).toBe(30);
    expect(s.required).toContain("zone");
    expect(s.required).not.toContain("witnesses");
  });
});
