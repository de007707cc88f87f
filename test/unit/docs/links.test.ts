// Every relative link in docs/ (and the READMEs next to the code) points to a file that exists,
// and a #fragment into a Markdown page names one of its headings (GitHub's anchor rule).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");

function markdownFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith(".md") ? [join(dir, e.name)] : [],
  );
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.replace(/```[\s\S]*?```/g, "").matchAll(/^#{1,6} +(.+)$/gm))
    out.add(
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-"),
    );
  return out;
}

function brokenLinks(file: string): string[] {
  const text = readFileSync(file, "utf8")
    .replace(/```[\s\S]*?```/g, "")
    .replace(/`[^`\n]*`/g, "");
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const href = m[1]!;
    if (/^[a-z]+:/.test(href)) continue;
    const [path, fragment] = href.split("#") as [string, string | undefined];
    const target = path === "" ? file : join(dirname(file), path);
    if (!existsSync(target)) {
      out.push(`${relative(root, file)}: ${href} (no such file)`);
      continue;
    }
    if (fragment && target.endsWith(".md") && !anchors(readFileSync(target, "utf8")).has(fragment))
      out.push(`${relative(root, file)}: ${href} (no heading with that anchor)`);
  }
  return out;
}

describe("documentation links", () => {
  const files = [
    ...markdownFiles(join(root, "docs")),
    ...markdownFiles(join(root, "examples")),
    join(root, "README.md"),
  ];
  it("every relative link and anchor resolves", () => {
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });

  it("reports a missing file and a missing anchor, and ignores links inside code", () => {
    const dir = mkdtempSync(join(tmpdir(), "sg-links-"));
    writeFileSync(join(dir, "b.md"), "# Real heading\n");
    writeFileSync(
      join(dir, "a.md"),
      "[ok](b.md#real-heading) [gone](c.md) [anchor](b.md#nope) `[code](d.md)` [web](https://x.example)\n",
    );
    const found = brokenLinks(join(dir, "a.md"));
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/c\.md \(no such file\)/);
    expect(found[1]).toMatch(/b\.md#nope \(no heading with that anchor\)/);
  });
});
