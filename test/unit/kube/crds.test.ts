import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderCrdFiles } from "../../../src/kube/crd-render.ts";

describe("CRD files", () => {
  it("charts/splitguard/crds matches src/kube/crds.ts (run scripts/gen-crds.ts)", () => {
    for (const [name, text] of Object.entries(renderCrdFiles()))
      expect(readFileSync(join(import.meta.dirname, "../../../charts/splitguard/crds", name), "utf8")).toBe(
        text,
      );
  });
});
