// The generated reference pages match the code they are generated from (run npm run docs:gen).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED_DOCS } from "../../../src/docs/generated-docs.ts";

const root = join(import.meta.dirname, "../../..");

describe("generated docs", () => {
  for (const [file, render] of Object.entries(GENERATED_DOCS))
    it(`${file} is up to date (run npm run docs:gen)`, () => {
      const committed = readFileSync(join(root, file), "utf8");
      const fresh = render();
      if (committed !== fresh) {
        const a = committed.split("\n");
        const b = fresh.split("\n");
        const i = a.findIndex((l, n) => l !== b[n]);
        expect.fail(
          `${file} is stale: line ${i + 1} is\n  ${a[i] ?? "(end of file)"}\nbut the code generates\n  ${b[i] ?? "(end of file)"}\nRun npm run docs:gen and commit the result.`,
        );
      }
    });
});
