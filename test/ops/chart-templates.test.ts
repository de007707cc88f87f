// The chart's PrometheusRule and Grafana dashboard templates render the very files the promtool
// tests check: rendered by helm (built by scripts/chart-tools.sh, cached outside the clone) from
// these two templates, the chart's helpers and files/ in a throwaway chart, so this test does not
// depend on the rest of the chart (nor on its values schema). The rendered rules pass promtool; the dashboard's queries parse as PromQL and
// read only metrics src/metrics.ts exports.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { CHART, Helm } from "../chart/support/chart-tools.ts";
import { exportedMetricNames, metricsRead } from "./support/exported-metrics.ts";
import { promtool } from "./support/promtool.ts";

const helm = new Helm();
const tmp = mkdtempSync(join(tmpdir(), "sg-chart-"));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  helm.remove();
});

/** A chart holding only the two templates, the chart's helpers and files/. */
function render(
  values: Record<string, unknown>,
): { kind: string; metadata: Record<string, unknown>; [k: string]: unknown }[] {
  const dir = join(tmp, "splitguard");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "templates"), { recursive: true });
  writeFileSync(join(dir, "Chart.yaml"), "apiVersion: v2\nname: splitguard\nversion: 0.0.0-test\n");
  for (const t of ["_helpers.tpl", "prometheusrule.yaml", "grafana-dashboard.yaml"])
    cpSync(join(CHART, "templates", t), join(dir, "templates", t));
  cpSync(join(CHART, "files"), join(dir, "files"), { recursive: true });
  writeFileSync(join(tmp, "values.yaml"), stringify(values));
  const r = helm.run(["template", "splitguard", dir, "-n", "databases", "-f", join(tmp, "values.yaml")]);
  if (r.code !== 0) throw new Error(`helm template: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS())
    .filter(Boolean);
}

const ON = {
  prometheusRule: {
    enabled: true,
    labels: { release: "kube-prometheus-stack" },
    runbookBaseUrl: "https://runbooks.example.com/splitguard/",
  },
  grafanaDashboard: {
    enabled: true,
    labels: { grafana_dashboard: "1" },
    annotations: { grafana_folder: "Databases" },
  },
};

describe("chart templates for alerts and the dashboard", () => {
  it("render nothing when disabled", () => {
    expect(render({ prometheusRule: { enabled: false }, grafanaDashboard: { enabled: false } })).toEqual([]);
  });

  it("render the PrometheusRule from files/alerts.yaml with the runbook base URL", () => {
    const [rule] = render(ON).filter((o) => o.kind === "PrometheusRule");
    expect(rule?.metadata.labels).toMatchObject({ release: "kube-prometheus-stack" });
    const source = readFileSync(join(CHART, "files/alerts.yaml"), "utf8").replaceAll(
      "RUNBOOK_BASE_URL",
      "https://runbooks.example.com/splitguard",
    );
    expect(rule?.spec).toEqual(parse(source));
    const file = join(tmp, "rendered-rules.yaml");
    writeFileSync(file, stringify(rule?.spec));
    const r = promtool(["check", "rules", file]);
    expect(r.out).toContain("SUCCESS: 10 rules found");
    expect(JSON.stringify(rule?.spec)).toContain(
      "https://runbooks.example.com/splitguard/SplitguardTwoPrimaries.md",
    );
  });

  it("render the dashboard ConfigMap for the Grafana sidecar", () => {
    const [cm] = render(ON).filter((o) => o.kind === "ConfigMap");
    expect(cm?.metadata.labels).toMatchObject({ grafana_dashboard: "1" });
    expect(cm?.metadata.annotations).toEqual({ grafana_folder: "Databases" });
    const data = cm?.data as Record<string, string>;
    expect(JSON.parse(data["splitguard.json"]!)).toEqual(
      JSON.parse(readFileSync(join(CHART, "files/dashboard.json"), "utf8")),
    );
  });
});

describe("the dashboard", () => {
  const dash = JSON.parse(readFileSync(join(CHART, "files/dashboard.json"), "utf8")) as {
    uid: string;
    panels: { title: string; type: string; targets?: { expr: string }[] }[];
  };
  const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it("has queries in every panel that is not a row", () => {
    for (const p of dash.panels) if (p.type !== "row") expect(p.targets?.length, p.title).toBeGreaterThan(0);
    expect(exprs.length).toBeGreaterThan(10);
  });

  it("queries parse as PromQL (promtool, with Grafana's $__rate_interval filled in)", () => {
    const file = join(tmp, "dashboard-queries.yaml");
    writeFileSync(
      file,
      stringify({
        groups: [
          {
            name: "dashboard",
            rules: exprs.map((e, i) => ({
              record: `dashboard:query_${i}`,
              expr: e.expr.replaceAll("$__rate_interval", "5m"),
            })),
          },
        ],
      }),
    );
    const r = promtool(["check", "rules", file]);
    expect(r.out).toContain(`SUCCESS: ${exprs.length} rules found`);
  });

  it("queries read only metrics that src/metrics.ts exports", async () => {
    const exported = await exportedMetricNames();
    for (const e of exprs)
      for (const name of metricsRead(e.expr)) expect(exported, `${e.panel}: ${name}`).toContain(name);
  });
});
