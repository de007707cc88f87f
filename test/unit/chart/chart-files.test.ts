// The chart's generated files and its defaults, checked against their one source without helm
// (the `chart` tier renders the chart with the real helm).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { ConfigSchema } from "../../../src/config/schema.ts";
import { renderChartFiles } from "../../../src/kube/chart-render.ts";

const root = join(import.meta.dirname, "../../..");
const chart = join(root, "charts/splitguard");
const read = (p: string) => readFileSync(join(chart, p), "utf8");
const values = yaml.load(read("values.yaml")) as { config: Record<string, unknown> };
const example = yaml.load(read("ci/example-values.yaml")) as { config: Record<string, unknown> };

describe("generated chart files", () => {
  for (const [name, text] of Object.entries(renderChartFiles()))
    it(`${name} matches its source (run: node --import tsx scripts/gen-chart.ts)`, () => {
      expect(read(name)).toBe(text);
    });
});

describe("Chart.yaml", () => {
  it("version 0.1.0, appVersion = package.json's version", () => {
    const c = yaml.load(read("Chart.yaml")) as { version: string; appVersion: string };
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    expect(c.version).toBe("0.1.0");
    expect(c.appVersion).toBe(pkg.version);
  });
});

describe("values.yaml config", () => {
  // values.yaml spells the defaults out for readers; they must be the loader's own defaults.
  // Only the required fields that values.yaml cannot know (from the example values).
  const { zone, region, regions } = example.config;
  const parsed = ConfigSchema.parse({ ...values.config, zone, region, regions }) as Record<string, unknown>;
  const defaults = ConfigSchema.parse({
    zone,
    region,
    regions,
    heartbeatKeyFile: values.config.heartbeatKeyFile,
  }) as Record<string, unknown>;

  it("every value written in values.yaml is the configuration schema's default", () => {
    expect(parsed).toEqual(defaults);
    const written = (o: Record<string, unknown>, d: Record<string, unknown>, at: string) => {
      for (const [k, v] of Object.entries(o)) {
        if (v && typeof v === "object" && !Array.isArray(v))
          written(v as Record<string, unknown>, d[k] as Record<string, unknown>, `${at}.${k}`);
        else expect([`${at}.${k}`, v]).toEqual([`${at}.${k}`, d[k]]);
      }
    };
    written(values.config, defaults, "config");
  });

  it("the design card's defaults: witnesses 8.8.8.8, 1.1.1.1, 9.9.9.9; probe 5 s; promoteAfter 300 s; TTL 30 s; rate limiting on", () => {
    expect(parsed).toMatchObject({
      witnesses: ["8.8.8.8", "1.1.1.1", "9.9.9.9"],
      probe: { interval: 5 },
      failover: { promoteAfter: 300 },
      ttl: 30,
      rateLimit: { enabled: true },
    });
  });
});
