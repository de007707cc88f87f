// The configuration's JSON Schema (draft 2020-12), generated from the one zod schema so that the
// Helm chart's values.schema.json and the generated configuration reference cannot drift from
// what the loader accepts. Refinements (cross-field rules, address syntax) are not expressible in
// JSON Schema; the loader still checks them and names the field.
import { z } from "zod";
import { ConfigSchema } from "./schema.ts";

/** The schema of a configuration file as a user writes it (defaults shown, not required). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}
