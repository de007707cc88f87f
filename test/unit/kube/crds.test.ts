import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_REGION_NAME } from "../../../src/config/dns-label.ts";
import { HostSchema, RegionSchema } from "../../../src/config/schema.ts";
import { renderCrdFiles } from "../../../src/kube/crd-render.ts";
import { failoverOverrideCrd, failoverServiceCrd } from "../../../src/kube/crds.ts";

// biome-ignore lint/suspicious/noExplicitAny: the schema's shape is walked by path in these tests
type CrdSpec = { versions: { schema: { openAPIV3Schema: { properties: { spec: any } } } }[] };

describe("CRD files", () => {
  it("charts/splitguard/crds matches src/kube/crds.ts (run scripts/gen-crds.ts)", () => {
    for (const [name, text] of Object.entries(renderCrdFiles()))
      expect(readFileSync(join(import.meta.dirname, "../../../charts/splitguard/crds", name), "utf8")).toBe(
        text,
      );
  });
});

describe("CRD name limits agree with the config schema", () => {
  const spec = (failoverServiceCrd.spec as CrdSpec).versions[0]!.schema.openAPIV3Schema.properties.spec;
  const hostMax = spec.properties.host.maxLength;
  const regionMax = spec.properties.regions.items.properties.name.maxLength;
  const hostOk = (name: string) =>
    HostSchema.safeParse({ name, strategy: "roundRobin", targets: {} }).success;

  it("a host the CRD admits is one the config accepts, and localtargets-<host> stays one DNS label", () => {
    expect(hostMax).toBe(50);
    expect(hostOk("h".repeat(hostMax))).toBe(true);
    expect(hostOk("h".repeat(hostMax + 1))).toBe(false);
    expect(`localtargets-${"h".repeat(hostMax)}`).toHaveLength(63);
  });

  it("region names: the same cap in FailoverService, FailoverOverride and the config", () => {
    const overrideMax = (failoverOverrideCrd.spec as CrdSpec).versions[0]!.schema.openAPIV3Schema.properties
      .spec.properties.region.maxLength;
    expect(regionMax).toBe(MAX_REGION_NAME);
    expect(overrideMax).toBe(MAX_REGION_NAME);
    expect(RegionSchema.safeParse({ name: "r".repeat(regionMax), nameservers: ["192.0.2.1"] }).success).toBe(
      true,
    );
    expect(
      RegionSchema.safeParse({ name: "r".repeat(regionMax + 1), nameservers: ["192.0.2.1"] }).success,
    ).toBe(false);
  });
});

describe("FailoverService fields", () => {
  it("has no failback field: nothing reads it, so the API server must not accept a promise of automatic failback", () => {
    const spec = (failoverServiceCrd.spec as CrdSpec).versions[0]!.schema.openAPIV3Schema.properties.spec;
    expect(Object.keys(spec.properties)).not.toContain("failback");
  });
});
