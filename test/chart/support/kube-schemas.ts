// JSON Schemas for kubeconform, made on the spot from sources this project already pins, never
// downloaded from a schema site: the built-in kinds from the OpenAPI v2 document of
// k8s.io/kubernetes (api/openapi-spec/swagger.json at the kube tier's version, from the Go module
// cache), the custom kinds from the CRDs' openAPIV3Schema (this project's, CNPG v1.30.0, Gateway
// API v1.6.1, prometheus-operator). Files are laid out for
// `-schema-location <dir>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`.
//
// Strict like kubeconform's own `-strict` schema sets: every object that lists its properties
// gets `additionalProperties: false`, unless it already says otherwise or preserves unknown
// fields. int-or-string and Quantity become "string or number", as openapi2jsonschema does.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../../../src/kube/kube-client.ts";

type Schema = Record<string, unknown>;

export const SCHEMA_LOCATION_TEMPLATE = "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json";

/** The file kubeconform looks up for apiVersion + kind (its template variables, evaluated). */
export function schemaFile(apiVersion: string, kind: string): string {
  const parts = apiVersion.split("/");
  return join(parts[0]!, `${kind.toLowerCase()}_${parts[parts.length - 1]!}.json`);
}

const INT_OR_STRING = { oneOf: [{ type: "string" }, { type: "integer" }] };
const QUANTITY = { oneOf: [{ type: "string" }, { type: "number" }] };

/** Deep copy that makes object schemas strict and rewrites the Kubernetes-specific forms. */
function strict(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(strict);
  if (!s || typeof s !== "object") return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s as Schema)) {
    // Sub-schemas live under these keys; every other key is data (enum values, descriptions...).
    if (k === "properties" || k === "definitions" || k === "patternProperties")
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([n, sub]) => [n, strict(sub)]));
    else if (["items", "additionalProperties", "not"].includes(k) && typeof v === "object")
      out[k] = strict(v);
    else if (["allOf", "anyOf", "oneOf"].includes(k)) out[k] = strict(v);
    else out[k] = v;
  }
  if (out["x-kubernetes-int-or-string"] === true) {
    delete out.type;
    delete out.anyOf;
    Object.assign(out, INT_OR_STRING);
  }
  if (out.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  if (out.format === "int-or-string") {
    delete out.type;
    delete out.format;
    Object.assign(out, INT_OR_STRING);
  }
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    !out["x-kubernetes-preserve-unknown-fields"]
  )
    out.additionalProperties = false;
  return out;
}

interface Swagger {
  definitions: Record<string, Schema & { "x-kubernetes-group-version-kind"?: GVK[] }>;
}
interface GVK {
  group: string;
  version: string;
  kind: string;
}

const REF = "#/definitions/";

/** The definitions a schema needs, transitively. */
function closure(defs: Swagger["definitions"], root: string): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !defs[name]) return;
    seen.add(name);
    const walk = (x: unknown) => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (x && typeof x === "object")
        for (const [k, v] of Object.entries(x)) {
          if (k === "$ref" && typeof v === "string" && v.startsWith(REF)) visit(v.slice(REF.length));
          else walk(v);
        }
    };
    walk(defs[name]);
  };
  visit(root);
  return seen;
}

/** A standalone schema per built-in kind found in `swagger`, for the kinds `want` lists. */
export function builtinSchemas(swagger: Swagger, want: readonly { apiVersion: string; kind: string }[]) {
  const out: Record<string, Schema> = {};
  const defs = swagger.definitions;
  for (const [name, def] of Object.entries(defs)) {
    for (const gvk of def["x-kubernetes-group-version-kind"] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      if (!want.some((w) => w.apiVersion === apiVersion && w.kind === gvk.kind)) continue;
      const definitions: Schema = {};
      for (const d of closure(defs, name)) definitions[d] = strict(defs[d]);
      definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = INT_OR_STRING;
      definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"] = QUANTITY;
      // apiVersion and kind are plain strings in the definition; pin them to this kind.
      out[schemaFile(apiVersion, gvk.kind)] = {
        allOf: [{ $ref: `${REF}${name}` }],
        properties: { apiVersion: { const: apiVersion }, kind: { const: gvk.kind } },
        definitions,
      };
    }
  }
  return out;
}

/** A schema per served version of each CRD. */
export function crdSchemas(crds: readonly KubeObject[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const crd of crds) {
    const spec = crd.spec as {
      group: string;
      names: { kind: string };
      versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[];
    };
    for (const v of spec.versions) {
      if (!v.served || !v.schema?.openAPIV3Schema) continue;
      const s = strict(v.schema.openAPIV3Schema) as Schema;
      const props = (s.properties ?? {}) as Schema;
      // metadata is ObjectMeta, which CRD schemas leave open; the API server checks it.
      s.properties = { ...props, metadata: { type: "object" } };
      out[schemaFile(`${spec.group}/${v.name}`, spec.names.kind)] = s;
    }
  }
  return out;
}

export function writeSchemas(dir: string, schemas: Record<string, Schema>): void {
  for (const [file, schema] of Object.entries(schemas)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), JSON.stringify(schema));
  }
}
