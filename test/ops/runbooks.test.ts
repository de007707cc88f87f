// Every command and manifest in runbooks/ checked against the product, so a runbook cannot drift
// from it: `splitguard` commands parse against the CLI registry (an unknown verb or option fails),
// `kubectl` commands pass the lint in support/kubectl-lint.ts, FailoverOverride and
// FailoverService manifests validate against the CRDs' OpenAPI schemas (and their CEL rules, in
// the kube tier's test/kube/runbook-manifests.test.ts), and every `kubectl apply -f FILE` names a
// manifest the runbook shows.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseCommandArgs } from "../../src/cli/command.ts";
import { commands } from "../../src/cli/registry.ts";
import { runCli } from "../support/run-cli.ts";
import { lintKubectl } from "./support/kubectl-lint.ts";
import { readBlocks, type ShellCommand, shellCommands } from "./support/runbook-blocks.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const DIR = resolve(ROOT, "runbooks");
const blocks = readBlocks(DIR);
const shell = blocks.filter((b) => b.lang === "sh");
const cmds: ShellCommand[] = shell.flatMap(shellCommands);
const manifests = blocks
  .filter((b) => b.lang === "yaml")
  .map((b) => ({
    b,
    file: /^# (\S+\.yaml)$/m.exec(b.text.split("\n")[0] ?? "")?.[1],
    docs: parseAllDocuments(b.text),
  }));

/** Programs a runbook may run besides splitguard and kubectl (so a typo'd program fails). */
const OTHER_PROGRAMS = new Set(["dig", "jq", "grep", "curl", "date", "sleep", "watch", "promtool", "amtool"]);

async function splitguardProblem(argv: string[]): Promise<string | undefined> {
  let best: (typeof commands)[number] | undefined;
  for (const c of commands)
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  if (!best)
    return `unknown verb "${argv[0]}" (the CLI has: ${commands.map((c) => c.path.join(" ")).join(", ")})`;
  const cmd = await best.load();
  try {
    parseCommandArgs(cmd, argv.slice(best.path.length));
  } catch (e) {
    return `splitguard ${best.path.join(" ")}: ${(e as Error).message}`;
  }
  return undefined;
}

function crdSchema(file: string): z.ZodType {
  const crd = parseYaml(readFileSync(resolve(ROOT, "charts/splitguard/crds", file), "utf8")) as {
    spec: { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] };
  };
  return z.fromJSONSchema(stripKubernetesKeywords(crd.spec.versions[0]!.schema.openAPIV3Schema) as never);
}

/** x-kubernetes-* keywords are Kubernetes' own (CEL and list semantics): the kube tier checks them. */
function stripKubernetesKeywords(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(stripKubernetesKeywords);
  if (s === null || typeof s !== "object") return s;
  const o = s as Record<string, unknown>;
  const out = Object.fromEntries(
    Object.entries(o)
      .filter(([k]) => !k.startsWith("x-kubernetes-"))
      .map(([k, v]) => [k, stripKubernetesKeywords(v)]),
  );
  // kubectl validates strictly: a field the schema does not know is an error, not pruned.
  if (o.properties && !("additionalProperties" in o) && !o["x-kubernetes-preserve-unknown-fields"])
    out.additionalProperties = false;
  return out;
}

describe("runbooks", () => {
  it("exist for every alert and every operator procedure, and the index lists them all", () => {
    const index = readFileSync(resolve(DIR, "README.md"), "utf8");
    const rules = readFileSync(resolve(ROOT, "charts/splitguard/files/alerts.yaml"), "utf8");
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    const procedures = [
      "planned-switchover",
      "forced-promotion",
      "failback",
      "freeze-for-maintenance",
      "reclone-stale-primary",
    ];
    for (const page of [...alerts, ...procedures]) {
      expect(existsSync(resolve(DIR, `${page}.md`)), `runbooks/${page}.md`).toBe(true);
      expect(index, `README.md links ${page}.md`).toContain(`(${page}.md)`);
    }
  });

  it("have commands to check (the parser found them)", () => {
    expect(cmds.filter((c) => c.argv[0] === "splitguard").length).toBeGreaterThan(20);
    expect(cmds.filter((c) => c.argv[0] === "kubectl").length).toBeGreaterThan(20);
    expect(manifests.length).toBeGreaterThanOrEqual(5);
  });

  it("run only known programs, without command substitution", () => {
    for (const c of cmds) {
      expect(["splitguard", "kubectl", ...OTHER_PROGRAMS], c.where).toContain(c.argv[0]);
      expect(c.argv.join(" "), c.where).not.toMatch(/\$\(|`/);
    }
  });

  it("give splitguard commands the CLI parses (verbs and options from src/cli/registry.ts)", async () => {
    const problems: string[] = [];
    for (const c of cmds.filter((c) => c.argv[0] === "splitguard")) {
      const p = await splitguardProblem(c.argv.slice(1));
      if (p) problems.push(`${c.where}: ${p}`);
    }
    expect(problems).toEqual([]);
  });

  it("give splitguard commands that succeed with --dry-run where the verb has it, printing valid manifests", async () => {
    const fo = crdSchema("failoveroverrides.yaml");
    const problems: string[] = [];
    let ran = 0;
    for (const c of cmds.filter((c) => c.argv[0] === "splitguard")) {
      const entry = commands.find((e) => e.path.every((w, i) => c.argv[1 + i] === w));
      if (!entry || !("dry-run" in (await entry.load()).options)) continue;
      const argv = c.argv.slice(1).concat(c.argv.includes("--dry-run") ? [] : ["--dry-run"]);
      const { code, out, err } = await runCli(...argv);
      ran++;
      if (code !== 0) problems.push(`${c.where}: exit ${code}: ${err.trim()}`);
      else {
        const r = fo.safeParse(parseYaml(out));
        if (!r.success) problems.push(`${c.where}: the printed manifest: ${z.prettifyError(r.error)}`);
      }
    }
    expect(problems).toEqual([]);
    // Once the override verb is in the registry, every override command ran.
    if (commands.some((e) => e.path[0] === "override"))
      expect(ran).toBe(cmds.filter((c) => c.argv[0] === "splitguard" && c.argv[1] === "override").length);
  });

  it("check kubectl commands with a lint that rejects what kubectl rejects", () => {
    expect(
      lintKubectl(["--context", "eu", "-n", "databases", "get", "fsvc", "orders", "-o", "wide"]),
    ).toEqual([]);
    expect(
      lintKubectl([
        "-n",
        "databases",
        "patch",
        "clusters.postgresql.cnpg.io",
        "pg-eu",
        "--type",
        "merge",
        "-p",
        '{"a":1}',
      ]),
    ).toEqual([]);
    expect(lintKubectl(["gett", "pods"])).toEqual(['unknown kubectl verb "gett"']);
    expect(lintKubectl(["get", "pods", "--namespcae", "x"])).toEqual([
      "unknown flag --namespcae for kubectl get",
    ]);
    expect(lintKubectl(["get", "failoverservice/orders", "-n"])).toEqual(["-n needs a value"]);
    expect(lintKubectl(["get", "fsvcs"])).toEqual(['unknown resource type "fsvcs"']);
    expect(lintKubectl(["get", "pods", "-o", "tabel"])).toEqual(["-o tabel: not an output format"]);
    expect(lintKubectl(["patch", "cluster.postgresql.cnpg.io", "pg-eu", "-p", "{a:1}"])[0]).toMatch(
      /not JSON/,
    );
    expect(lintKubectl(["rollout", "deployment/splitguard"])).toContain(
      "kubectl rollout needs one of status, restart, history",
    );
    expect(lintKubectl(["annotate", "pods", "p1", "not a pair"])).toEqual([
      '"not a pair" is not key=value or key-',
    ]);
  });

  it("give well-formed kubectl commands", () => {
    const problems = cmds
      .filter((c) => c.argv[0] === "kubectl")
      .flatMap((c) => lintKubectl(c.argv.slice(1)).map((p) => `${c.where}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("apply only manifests they show", () => {
    const shown = new Set(manifests.map((m) => m.file));
    for (const c of cmds.filter((c) => c.argv[0] === "kubectl" && c.argv[1] === "apply")) {
      const f = c.argv[c.argv.indexOf("-f") + 1];
      if (f === "-") expect(c.stdin, c.where).toBeDefined();
      else expect(shown, `${c.where}: ${f}`).toContain(f);
    }
  });

  it("show manifests that validate against the CRD schemas", () => {
    const schemas: Record<string, z.ZodType> = {
      FailoverOverride: crdSchema("failoveroverrides.yaml"),
      FailoverService: crdSchema("failoverservices.yaml"),
    };
    const problems: string[] = [];
    let checked = 0;
    for (const { b, docs } of manifests)
      for (const d of docs) {
        if (d.errors.length) problems.push(`${b.file}:${b.line}: ${d.errors[0]!.message}`);
        const o = d.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string } };
        if (o?.apiVersion !== "splitguard.io/v1alpha1") continue;
        const r = schemas[o.kind ?? ""]?.safeParse(o);
        if (!r) problems.push(`${b.file}:${b.line}: unknown kind ${o.kind}`);
        else if (!r.success) problems.push(`${b.file}:${b.line}: ${z.prettifyError(r.error)}`);
        checked++;
      }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it("use a CRD validator that rejects what the API server rejects", () => {
    const fo = crdSchema("failoveroverrides.yaml");
    const ok = {
      apiVersion: "splitguard.io/v1alpha1",
      kind: "FailoverOverride",
      metadata: { name: "x" },
      spec: { service: "orders", action: "freeze", reason: "r", expiresAt: "2026-11-22T06:00:00Z" },
    };
    expect(fo.safeParse(ok).success).toBe(true);
    for (const bad of [
      { ...ok.spec, action: "failover" },
      { ...ok.spec, reasons: "typo" },
      { ...ok.spec, expiresAt: "tomorrow" },
      { ...ok.spec, region: "EU" },
      { service: "orders", action: "freeze" },
    ])
      expect(fo.safeParse({ ...ok, spec: bad }).success, JSON.stringify(bad)).toBe(false);
  });
});
