import { watch } from "node:fs";
import { createServer } from "node:http";
import { basename, dirname } from "node:path";
import { parseEndpoint } from "../../config/endpoint.ts";
import { DnsService } from "../../dns/dns-service.ts";
import { ResponseRateLimiter } from "../../dns/rate-limit.ts";
import { DEFAULT_LIMITS, startDnsServer } from "../../dns/server.ts";
import type { RateLimitSettings } from "../../dns/zone-build.ts";
import { jsonLogger } from "../../log.ts";
import { DnsMetrics } from "../../metrics.ts";
import { systemClock } from "../../shell/system-clock.ts";
import { defineCommand, UsageError } from "../command.ts";

function endpointArg(flag: string, value: string, defaultPort: number) {
  const e = parseEndpoint(value, defaultPort);
  if (!e) throw new UsageError(`${flag} ${value}: expected HOST:PORT, e.g. 127.0.0.1:5353 or [::1]:53`);
  return e;
}

export const dnsServe = defineCommand({
  path: ["dns", "serve"],
  summary: "serve the GSLB zone from a configuration file (standalone authoritative responder)",
  usage: "--config FILE [--listen HOST:PORT] [--metrics HOST:PORT]",
  help: `Options:
  --config FILE         the splitguard configuration (YAML)
  --listen HOST:PORT    UDP and TCP address to answer on (default 0.0.0.0:53)
  --metrics HOST:PORT   serve Prometheus metrics at http://HOST:PORT/metrics
  --log-level LEVEL     debug, info (default), warn or error

Reloads the configuration on SIGHUP and when the file changes. A bad new file is rejected with
the reason logged, and the previous zone keeps answering. Logs are JSON lines on stderr.

Example:
  splitguard dns serve --config examples/standalone/splitguard.yaml --listen 127.0.0.1:5353
  dig @127.0.0.1 -p 5353 app.gslb.example.com A`,
  options: {
    config: { type: "string" },
    listen: { type: "string" },
    metrics: { type: "string" },
    "log-level": { type: "string" },
  },
  async run({ values }, io) {
    if (!values.config) throw new UsageError("--config FILE is required");
    const listen = endpointArg("--listen", values.listen ?? "0.0.0.0:53", 53);
    const metricsAt = values.metrics ? endpointArg("--metrics", values.metrics, 9153) : undefined;
    const level = values["log-level"] ?? "info";
    if (!["debug", "info", "warn", "error"].includes(level))
      throw new UsageError(`--log-level ${level}: expected debug, info, warn or error`);
    const metrics = new DnsMetrics();
    const base = jsonLogger(io.err, systemClock.now, level as "info");
    const svc = await DnsService.start(values.config, systemClock.now, base, metrics);
    const log = base.child({ region: svc.summary.region });
    const limiterFor = (r: RateLimitSettings) => (r.enabled ? new ResponseRateLimiter(r) : undefined);
    const server = await startDnsServer(svc, listen.host, listen.port, {
      rateLimiter: limiterFor(svc.summary.rateLimit),
      limits: {
        ...DEFAULT_LIMITS,
        maxTcpConnections: svc.summary.tcp.maxConnections,
        tcpIdleMs: svc.summary.tcp.idleTimeout * 1000,
        tcpMaxQueries: svc.summary.tcp.maxQueriesPerConnection,
      },
      observer: metrics,
      now: systemClock.now,
    });
    let http: ReturnType<typeof createServer> | undefined;
    if (metricsAt) {
      http = createServer((req, res) => {
        if (req.url !== "/metrics") {
          res.writeHead(404).end("not found\n");
          return;
        }
        metrics.registry.metrics().then(
          (body) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body),
          (e: Error) => res.writeHead(500).end(`${e.message}\n`),
        );
      });
      await new Promise<void>((r) => http!.listen(metricsAt.port, metricsAt.host, r));
    }
    log.log("info", "serving", {
      rateLimit: svc.summary.rateLimit.enabled
        ? `${svc.summary.rateLimit.responsesPerSecond}/s per prefix, slip ${svc.summary.rateLimit.slip}`
        : "off",
      zone: svc.summary.zone,
      hosts: svc.summary.hosts,
      listen: `${server.host}:${server.port}`,
      serial: svc.serial,
      ...(metricsAt ? { metrics: `${metricsAt.host}:${metricsAt.port}` } : {}),
    });
    // A reload may change the rate-limit settings too; apply them with the new zone.
    const reload = () =>
      void svc.reload().then((r) => {
        if (r.kind !== "rejected") server.setRateLimiter(limiterFor(svc.summary.rateLimit));
      });
    const onHup = () => reload();
    process.on("SIGHUP", onHup);
    // Editors replace files (rename), so watch the directory and filter by name; debounce bursts.
    let timer: NodeJS.Timeout | undefined;
    const file = basename(values.config);
    const watcher = watch(dirname(values.config), (_event, name) => {
      if (name !== file) return;
      clearTimeout(timer);
      timer = setTimeout(reload, 200);
    });
    await io.stopped;
    watcher.close();
    clearTimeout(timer);
    process.off("SIGHUP", onHup);
    await server.close();
    http?.close();
    log.log("info", "stopped", {});
    return 0;
  },
});
