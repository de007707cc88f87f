import { describe, expect, it } from "vitest";
import { FIELD_DOCS, VALIDATION_RULES } from "../../../src/config/field-docs.ts";
import { fieldDocProblems, ruleMessage, schemaFields } from "../../../src/docs/config-reference.ts";

describe("configuration reference", () => {
  it("every schema field has a description and every description a field (run npm run docs:gen)", () => {
    expect(fieldDocProblems()).toEqual([]);
  });

  it("walks nested objects, lists of objects and maps", () => {
    const paths = schemaFields().map((f) => f.path);
    expect(paths).toContain("lease.witnesses[].keySecret.namespace");
    expect(paths).toContain("hosts[].targets.*");
    expect(paths).not.toContain("regions[]");
    const ttl = schemaFields().find((f) => f.path === "ttl");
    expect(ttl).toMatchObject({ type: "integer", default: 30, allowed: "0 to 86400", required: false });
    expect(schemaFields().find((f) => f.path === "zone")?.required).toBe(true);
  });

  it("names a new schema field that lacks a description, and a description whose field is gone", () => {
    const fields = [
      ...schemaFields(),
      { path: "probe.jitter", type: "number", required: false, allowed: "", hasChildren: false },
    ].filter((f) => f.path !== "tcp.idleTimeout");
    const problems = fieldDocProblems(fields);
    expect(problems).toContainEqual(
      expect.stringMatching(/^probe\.jitter: no description .*npm run docs:gen/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^tcp\.idleTimeout: described .* not in the schema/),
    );
    expect(FIELD_DOCS["tcp.idleTimeout"]).toBeDefined();
  });

  it("every documented rule still fires where it says, with the loader's message", () => {
    VALIDATION_RULES.forEach((_, i) => {
      expect(ruleMessage(i).length).toBeGreaterThan(10);
    });
    expect(ruleMessage(0)).toMatch(/must be at least fenceAfter/);
  });
});
