// docs/configuration-reference.md, generated from the one config schema (types, defaults, bounds,
// enums from configJsonSchema()) and the prose in src/config/field-docs.ts, so the reference
// cannot drift from what the loader accepts. `npm run docs:gen` writes it; a unit test fails when
// the committed file differs, or when a field lacks a description.
import { FIELD_DOCS, LOAD_CHECKS, VALIDATION_RULES } from "../config/field-docs.ts";
import { configJsonSchema } from "../config/json-schema.ts";
import { formatPath } from "../config/load.ts";
import { ConfigSchema } from "../config/schema.ts";

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
};

export interface SchemaField {
  /** `regions[].name`; `hosts[].targets.*` for the values of a map. */
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly allowed: string;
  /** An object or array of objects: its own fields follow. */
  readonly hasChildren: boolean;
}

const isObjectSchema = (s: JsonSchema | boolean | undefined): s is JsonSchema =>
  typeof s === "object" && s !== null;

function typeOf(s: JsonSchema): string {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(typeOf).join(" or ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  const t = Array.isArray(s.type) ? s.type.join(" or ") : s.type;
  if (t === "array") return s.items ? `list of ${typeOf(s.items)}` : "list";
  if (t === "object" && !s.properties && isObjectSchema(s.additionalProperties))
    return `map of ${typeOf(s.additionalProperties)}`;
  return t ?? "any";
}

function allowedOf(s: JsonSchema): string {
  const out: string[] = [];
  if (s.enum) out.push(s.enum.map((v) => `\`${String(v)}\``).join(", "));
  // zod writes Number.MAX_SAFE_INTEGER for a bare .int(): not a bound anyone sets.
  const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
  if (s.minimum !== undefined && max !== undefined) out.push(`${s.minimum} to ${max}`);
  else {
    const bounds = [
      s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : "",
      s.minimum !== undefined ? `≥ ${s.minimum}` : "",
      s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : "",
      max !== undefined ? `≤ ${max}` : "",
    ].filter((b) => b !== "");
    if (bounds.length > 0) out.push(bounds.join(", "));
  }
  if (s.minItems !== undefined || s.maxItems !== undefined)
    out.push(
      s.maxItems === undefined
        ? `at least ${s.minItems} item${s.minItems === 1 ? "" : "s"}`
        : `${s.minItems ?? 0} to ${s.maxItems} items`,
    );
  if (s.minLength !== undefined && s.minLength > 0 && s.maxLength === undefined) out.push("not empty");
  else if (s.maxLength !== undefined)
    out.push(`${s.minLength ?? (s.pattern ? 1 : 0)} to ${s.maxLength} characters`);
  if (s.pattern) out.push(`pattern \`${s.pattern}\``);
  return out.join("; ");
}

/** Every field of the schema, depth first in declaration order. */
export function schemaFields(root: JsonSchema = configJsonSchema() as JsonSchema): SchemaField[] {
  const out: SchemaField[] = [];
  const visit = (s: JsonSchema, path: string, required: boolean) => {
    const objectWithFields = s.properties ?? (s.type === "array" ? s.items?.properties : undefined);
    if (path !== "")
      out.push({
        path,
        type: typeOf(s),
        required,
        ...(s.default !== undefined ? { default: s.default } : {}),
        allowed: allowedOf(s),
        hasChildren: objectWithFields !== undefined,
      });
    if (s.properties) {
      const req = new Set(s.required ?? []);
      for (const [k, child] of Object.entries(s.properties))
        visit(child, path === "" ? k : `${path}.${k}`, req.has(k) && child.default === undefined);
    } else if (s.type === "array" && s.items?.properties) {
      visit(s.items, `${path}[]`, true);
    } else if (isObjectSchema(s.additionalProperties) && !s.properties) {
      visit(s.additionalProperties, `${path}.*`, false);
    }
  };
  visit(root, "", true);
  // An array of objects is listed once (as `x`), its items' fields as `x[].field`.
  return out.filter((f) => !f.path.endsWith("[]"));
}

/** Schema paths without a description, and descriptions (or rules) naming no schema path. */
export function fieldDocProblems(fields: readonly SchemaField[] = schemaFields()): string[] {
  const paths = new Set(fields.map((f) => f.path));
  const problems: string[] = [];
  for (const p of paths)
    if (!(p in FIELD_DOCS))
      problems.push(`${p}: no description in src/config/field-docs.ts (add one, then run npm run docs:gen)`);
  for (const p of Object.keys(FIELD_DOCS))
    if (!paths.has(p))
      problems.push(
        `${p}: described in src/config/field-docs.ts but not in the schema (remove or rename it, then run npm run docs:gen)`,
      );
  VALIDATION_RULES.forEach((r, i) => {
    for (const p of r.fields)
      if (!paths.has(p))
        problems.push(
          `VALIDATION_RULES[${i}] names ${p}, which is not in the schema (src/config/field-docs.ts)`,
        );
  });
  return problems;
}

/** A small valid configuration the rules' examples start from. */
const VALID = {
  zone: "gslb.example.com",
  region: "eu",
  heartbeatKeyFile: "./hb.key",
  regions: [
    { name: "eu", nameservers: ["192.0.2.11"] },
    { name: "us", nameservers: ["192.0.2.12"] },
  ],
};

/** Every default filled in, with a lease section, for the rules' `withDefaults`. */
function defaults() {
  const witnesses = ["192.0.2.53", "192.0.2.54", "192.0.2.55"].map((address) => ({
    address,
    zone: "lease.example.com",
    keyName: "k",
    keyFile: "k",
  }));
  return ConfigSchema.parse({ ...VALID, lease: { witnesses } });
}

/** The message the loader gives for a rule's example; throws when the rule no longer fires there. */
export function ruleMessage(i: number): string {
  const rule = VALIDATION_RULES[i]!;
  const r = ConfigSchema.safeParse(rule.example.config(structuredClone(VALID)));
  const issues = r.success ? [] : r.error.issues;
  const hit = issues.find((x) => formatPath(x.path) === rule.example.path);
  if (!hit)
    throw new Error(
      `VALIDATION_RULES[${i}] in src/config/field-docs.ts: its example is no longer rejected at ${rule.example.path} ` +
        `(issues: ${issues.map((x) => `${formatPath(x.path)}: ${x.message}`).join("; ") || "none"}); ` +
        "fix the rule's prose and example, then run npm run docs:gen",
    );
  return hit.message;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function showDefault(f: SchemaField): string {
  if (f.default === undefined) return "";
  if (f.hasChildren && typeof f.default === "object" && !Array.isArray(f.default))
    return "each field's default";
  return `\`${JSON.stringify(f.default)}\``;
}

function row(f: SchemaField): string {
  const doc = FIELD_DOCS[f.path];
  const desc = doc ? doc.description + (doc.example ? ` Example: \`${doc.example}\`.` : "") : "";
  return `| \`${f.path}\` | ${cell(f.type)} | ${cell(showDefault(f))} | ${cell(f.allowed)} | ${f.required ? "yes" : ""} | ${cell(desc)} |`;
}

export function renderConfigReference(): string {
  const problems = fieldDocProblems();
  if (problems.length > 0) throw new Error(problems.join("\n"));
  const fields = schemaFields();
  const lines = [
    "# Configuration reference",
    "",
    "<!-- Generated by `npm run docs:gen` from src/config/schema.ts and src/config/field-docs.ts; do not edit. -->",
    "",
    "Every field of the configuration file, generated from the one schema that `dns serve`,",
    "`config validate`, `lease status|check` and the simulator read. [configuration.md](configuration.md) is the",
    "guide with a complete example; this page is the exhaustive list.",
    "",
    "How to read it: `regions[].name` is a field of every item of the list `regions`; `hosts[].targets.*`",
    "is the value under any key of the map `targets`. *Required* means the field must be set whenever its",
    "parent is present; fields with a default may be left out. Durations are in seconds.",
    "",
  ];
  const header = [
    "| Field | Type | Default | Allowed | Required | Description |",
    "|---|---|---|---|---|---|",
  ];
  const top = fields.filter((f) => !f.path.includes(".") && !f.path.includes("[") && !f.hasChildren);
  lines.push("## Top level", "", ...header, ...top.map(row), "");
  for (const group of fields.filter((f) => !f.path.includes(".") && f.hasChildren)) {
    const members = fields.filter(
      (f) =>
        f.path === group.path || f.path.startsWith(`${group.path}.`) || f.path.startsWith(`${group.path}[]`),
    );
    lines.push(`## \`${group.path}\``, "", ...header, ...members.map(row), "");
  }
  lines.push(
    "## Rules across fields",
    "",
    "The loader checks these beyond the types and bounds above, and rejects the whole file with the",
    "field's path, its line and the reason. The message shown is the one the loader gives for an",
    "example that breaks the rule.",
    "",
  );
  VALIDATION_RULES.forEach((r, i) => {
    lines.push(`- ${r.description}`);
    if (r.withDefaults) lines.push(`  With the defaults: ${r.withDefaults(defaults())}.`);
    lines.push(`  Example: \`${r.example.path}: ${rule(i)}\``);
  });
  lines.push(
    "",
    "Checked when the files are read:",
    "",
    ...LOAD_CHECKS.map((c) => `- ${c}`),
    "",
    "Run `npx splitguard config validate --config FILE` to check a file and print it with every default filled in.",
    "",
  );
  return lines.join("\n");
}

const rule = (i: number) => ruleMessage(i).replace(/`/g, "'");
