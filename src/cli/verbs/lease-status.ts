import { performance } from "node:perf_hooks";
import { formatLeaseValue, type LeaseValue } from "../../core/lease-transport.ts";
import { defineCommand, UsageError } from "../command.ts";
import { table } from "../table.ts";
import { leaseOptions, leaseOptionsHelp, loadLeaseContext } from "./lease-common.ts";

interface ServiceRead {
  readonly service: string;
  readonly state: "value" | "absent" | "error";
  readonly value?: LeaseValue;
  readonly error?: string;
  readonly latencyMs: number;
}

export const leaseStatus = defineCommand({
  path: ["lease", "status"],
  summary: "show each lease witness's current lease value per service, and its latency",
  usage: "--config FILE [--service NAME[,NAME...]] [-o json] [--timeout MS]",
  help: `Reads <service>.<zone> TXT from every lease witness directly (signed, RD=0, never through a
cache) and shows the value and how long the answer took.

Options:
${leaseOptionsHelp}
  --service NAMES   comma-separated services (default: every failover host of the configuration)

Exits 0 when every witness answered for every service, 1 when any read failed, 2 for bad usage or
configuration.`,
  options: { ...leaseOptions, service: { type: "string" } },
  async run({ values }, io) {
    const ctx = await loadLeaseContext(values);
    const services = values.service
      ? values.service.split(",").map((s) => s.trim())
      : ctx.config.hosts.filter((h) => h.strategy === "failover").map((h) => h.name);
    if (services.length === 0)
      throw new UsageError("no services: the configuration has no failover host; pass --service NAME");
    for (const s of services)
      if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(s))
        throw new UsageError(`--service ${s}: must be a lower-case DNS label`);
    const results = await Promise.all(
      ctx.witnesses.map(async (w) => ({
        witness: w,
        reads: await Promise.all(
          services.map(async (service): Promise<ServiceRead> => {
            const t0 = performance.now();
            const r = await w.transport.read(service, ctx.timeoutMs);
            const latencyMs = Math.round((performance.now() - t0) * 10) / 10;
            if (r.kind === "value") return { service, state: "value", value: r.value, latencyMs };
            if (r.kind === "absent") return { service, state: "absent", latencyMs };
            return { service, state: "error", error: r.reason, latencyMs };
          }),
        ),
      })),
    );
    if (values.output === "json") {
      io.out(
        `${JSON.stringify(
          {
            witnesses: results.map(({ witness: w, reads }) => ({
              name: w.name,
              address: w.address,
              zone: w.zone,
              services: reads,
            })),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const rows = [["WITNESS", "ADDRESS", "SERVICE", "LEASE", "LATENCY"]];
      for (const { witness: w, reads } of results)
        for (const r of reads)
          rows.push([
            w.name,
            w.address,
            r.service,
            r.state === "value"
              ? formatLeaseValue(r.value!)
              : r.state === "absent"
                ? "(none)"
                : `ERROR ${r.error}`,
            `${r.latencyMs.toFixed(1)} ms`,
          ]);
      io.out(table(rows));
    }
    return results.every(({ reads }) => reads.every((r) => r.state !== "error")) ? 0 : 1;
  },
});
