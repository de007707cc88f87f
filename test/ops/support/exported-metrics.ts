// Every metric name src/metrics.ts exports (histograms with their _bucket/_sum/_count series), and
// the splitguard/splitbrain/k8gb metric names a PromQL expression reads.
import { ControllerMetrics, DnsMetrics } from "../../../src/metrics.ts";

export async function exportedMetricNames(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const reg of [new ControllerMetrics({ region: "eu" }).registry, new DnsMetrics().registry])
    for (const m of await reg.getMetricsAsJSON())
      for (const suffix of String(m.type) === "histogram" ? ["", "_bucket", "_sum", "_count"] : [""])
        out.add(`${m.name}${suffix}`);
  return out;
}

export function metricsRead(expr: string): string[] {
  return expr.match(/\b(?:splitguard|splitbrain|k8gb)_[a-z_]+/g) ?? [];
}
