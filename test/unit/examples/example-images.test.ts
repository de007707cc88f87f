// Every container image the examples name is one a user can pull as written: a registry host, a
// tag pinned to a release (never `latest` or a bare major), and no placeholder. The only images
// allowed under example.com are the user's own application, marked `# your application` on the
// line, because the example cannot know it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLES_DIR, exampleRegions } from "../../support/examples.ts";

interface Found {
  readonly file: string;
  readonly image: string;
}

/** `image` of every container and init container, and a CNPG Cluster's `imageName`. */
function imagesIn(value: unknown, out: string[]): string[] {
  if (Array.isArray(value)) for (const v of value) imagesIn(v, out);
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      if ((k === "image" || k === "imageName") && typeof v === "string") out.push(v);
      else imagesIn(v, out);
    }
  return out;
}

const found: Found[] = [...exampleRegions(), ...exampleRegions(true)].flatMap((r) =>
  r.objects.flatMap(({ file, object }) => imagesIn(object, []).map((image) => ({ file, image }))),
);

const PLACEHOLDER = /placeholder|changeme|todo|<|>|\$\{|example\.(com|org|net)/i;
const YOUR_APP = "# your application";

/** registry/path:tag or registry/path@sha256:… with a host-like first component. */
function parse(image: string): { registry: string; tag?: string; digest?: string } | undefined {
  const m = /^([a-z0-9.-]+(?::\d+)?)\/([a-z0-9._/-]+)(?::([\w.-]+))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(image);
  if (!m || !(m[1]!.includes(".") || m[1]!.includes(":") || m[1] === "localhost")) return undefined;
  return { registry: m[1]!, ...(m[3] ? { tag: m[3] } : {}), ...(m[4] ? { digest: m[4] } : {}) };
}

function lineOf(f: Found): string {
  const text = readFileSync(join(EXAMPLES_DIR, f.file), "utf8");
  return text.split("\n").find((l) => l.includes(f.image)) ?? "";
}

/** The rule, as one function so the negative cases below exercise exactly what the examples face. */
function imageProblem(image: string, line: string): string | undefined {
  const p = parse(image);
  if (!p) return "no registry host (write e.g. ghcr.io/owner/name:tag)";
  if (!p.tag && !p.digest) return "no tag or digest";
  if (PLACEHOLDER.test(image)) {
    if (!line.includes(YOUR_APP)) return "a placeholder image (only the user's own application may be one)";
    return undefined;
  }
  if (p.digest) return undefined;
  if (p.tag === "latest" || !/\d+\.\d+\.\d+/.test(p.tag!)) return `tag ${p.tag} is not pinned to a release`;
  return undefined;
}

describe("example images", () => {
  it("the examples name images (FerretDB's PostgreSQL among them)", () => {
    expect(found.map((f) => f.image)).toContain(
      "ghcr.io/ferretdb/postgres-documentdb:17-0.107.0-ferretdb-2.7.0",
    );
  });

  it("every image has a registry, a pinned tag and no placeholder", () => {
    const problems = found
      .map((f) => ({ ...f, problem: imageProblem(f.image, lineOf(f)) }))
      .filter((f) => f.problem !== undefined)
      .map((f) => `${f.file}: ${f.image}: ${f.problem}`);
    expect(problems).toEqual([]);
  });

  it("the rule rejects what the FerretDB example used to have", () => {
    expect(
      imageProblem(
        "registry.example.com/postgres-documentdb:17",
        "  imageName: registry.example.com/postgres-documentdb:17",
      ),
    ).toMatch(/placeholder/);
    expect(
      imageProblem("ghcr.io/ferretdb/ferretdb:2", "image: ghcr.io/ferretdb/ferretdb:2 # pin a release"),
    ).toMatch(/not pinned/);
    expect(imageProblem("postgres:17", "image: postgres:17")).toMatch(/registry/);
    expect(imageProblem("ghcr.io/x/y", "image: ghcr.io/x/y")).toMatch(/no tag/);
    expect(imageProblem("ghcr.io/x/y:latest", "image: ghcr.io/x/y:latest")).toMatch(/not pinned/);
    expect(
      imageProblem("registry.example.com/www:1.0", "image: registry.example.com/www:1.0 # your application"),
    ).toBeUndefined();
  });
});
