import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { metricsByClass } from "../../../src/docs/metrics-reference.ts";

const root = join(import.meta.dirname, "../../..");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("metrics reference", () => {
  it("lists every metric class of src/metrics.ts with name, type and labels", () => {
    const byClass = metricsByClass();
    expect([...byClass.keys()]).toEqual(expect.arrayContaining(["DnsMetrics", "ProbeMetrics"]));
    expect(byClass.get("ProbeMetrics")?.own).toContainEqual({
      name: "splitbrain_checks_total",
      type: "counter",
      labels: ["witness", "result"],
      help: expect.stringContaining("Witness checks"),
    });
  });

  it("says what to do when an exported class cannot be built on a registry", () => {
    class NeedsMore {
      constructor(_r: Registry, opts: { n: number }) {
        if (opts.n > 0) new Counter({ name: "x_total", help: "x", registers: [_r] });
      }
    }
    expect(() => metricsByClass({ NeedsMore })).toThrow(
      /new NeedsMore\(registry\).*registry as the first argument/,
    );
  });

  it("a class that composes another is listed with what it adds; one metric defined twice differently is refused", () => {
    const counter = (r: Registry, help = "rounds") =>
      new Counter({ name: "x_rounds_total", help, labelNames: ["path"], registers: [r] });
    class Base {
      constructor(r: Registry) {
        counter(r);
      }
    }
    class Composed {
      readonly registry: Registry;
      constructor(opts: { registry?: Registry }) {
        // An options-style constructor keeps its own registry: the generator reads that one.
        this.registry = opts.registry ?? new Registry();
        new Base(this.registry);
        new Counter({ name: "x_promotions_total", help: "promotions", registers: [this.registry] });
      }
    }
    const byClass = metricsByClass({ Base, Composed });
    expect(byClass.get("Composed")).toEqual({
      own: [expect.objectContaining({ name: "x_promotions_total" })],
      includes: ["Base"],
    });
    class Clash {
      constructor(r: Registry) {
        counter(r, "something else");
      }
    }
    expect(() => metricsByClass({ Base, Clash })).toThrow(/x_rounds_total is defined by both Base and Clash/);
  });

  it("metrics are defined only in src/metrics.ts, so the generated page sees them all", () => {
    const outside = [...tsFiles(join(root, "src")), ...tsFiles(join(root, "machines"))]
      .filter((f) => !f.endsWith("src/metrics.ts"))
      .filter((f) => /from "prom-client"/.test(readFileSync(f, "utf8")))
      .map((f) => relative(root, f));
    expect(outside).toEqual(["src/docs/metrics-reference.ts"]);
  });
});
