// docs/architecture.md and its picture name every intent the service machine can emit, so the
// page cannot silently fall behind machines/intents.ts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (p: string) => readFileSync(new URL(`../../../${p}`, import.meta.url), "utf8");

describe("docs/architecture", () => {
  const intents = [...read("machines/intents.ts").matchAll(/type: "(\w+)"/g)].map((m) => m[1]!);

  it("finds the intents in machines/intents.ts", () => {
    expect(intents).toEqual(expect.arrayContaining(["openGate", "promoteCnpg", "publish"]));
  });

  for (const page of ["docs/architecture.md", "docs/architecture.svg"])
    it(`${page} names every intent (update the page when machines/intents.ts changes)`, () => {
      const text = read(page);
      expect(intents.filter((i) => !text.includes(i))).toEqual([]);
    });

  it("the SVG is self-contained: no external references, scripts or images", () => {
    const svg = read("docs/architecture.svg");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).not.toMatch(/<script|<image|xlink:href|href="http|@import|url\((?!#)/);
  });
});
