import { hostname } from "node:os";
import { parseEndpoint } from "../../config/endpoint.ts";
import { loadConfigFile } from "../../config/load.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { resolveKubeconfig } from "../../kube/kubeconfig.ts";
import { startLiveController } from "../../kube/live-controller.ts";
import { jsonLogger } from "../../log.ts";
import { systemClock } from "../../shell/system-clock.ts";
import { defineCommand, UsageError } from "../command.ts";

function endpointArg(flag: string, value: string, defaultPort: number) {
  const e = parseEndpoint(value, defaultPort);
  if (!e) throw new UsageError(`${flag} ${value}: expected HOST:PORT, e.g. 0.0.0.0:5353 or [::]:53`);
  return e;
}

export const controllerVerb = defineCommand({
  path: ["controller"],
  summary: "run this region's controller: prober, service machines, actuators and DNS responder",
  usage:
    "--config FILE [--listen HOST:PORT] [--metrics HOST:PORT] [-n NAMESPACE] [--kubeconfig FILE] [--context NAME] [--identity ID]",
  help: `Options:
  --config FILE         the splitguard configuration (YAML): zone, region, regions, witnesses,
                        probe and failover timing (the one schema, docs/configuration.md)
  --listen HOST:PORT    the authoritative responder, UDP and TCP (default 0.0.0.0:53)
  --metrics HOST:PORT   /metrics (Prometheus), /healthz and /readyz (default 0.0.0.0:9153)
  -n, --namespace NS    the namespace of the FailoverServices, Clusters and pods (default: the
                        context's namespace, or the service account's in-cluster)
  --kubeconfig FILE     like kubectl: else $KUBECONFIG, ~/.kube/config, then in-cluster
  --context NAME        a kubeconfig context (default: current-context)
  --identity ID         the Lease holder identity (default: the host name, the pod name in-cluster)
  --region NAME         override the configuration's region (one config file for several regions)
  --lease-duration S    leader Lease duration in seconds (default 15)
  --log-level LEVEL     debug, info (default), warn or error

FailoverServices define the services. Every probe.interval one probe round asks the witnesses and
the peers for the whole region; the round drives one state machine per FailoverService; only the
holder of the Lease splitguard-controller actuates (readiness gate, CNPG, Events) and writes
status; every replica serves DNS. docs/controller.md has the data flow. Logs are JSON lines on
stderr.`,
  options: {
    config: { type: "string" },
    listen: { type: "string" },
    metrics: { type: "string" },
    region: { type: "string" },
    namespace: { type: "string", short: "n" },
    kubeconfig: { type: "string" },
    context: { type: "string" },
    identity: { type: "string" },
    "lease-duration": { type: "string" },
    "log-level": { type: "string" },
  },
  async run({ values }, io) {
    if (!values.config) throw new UsageError("--config FILE is required");
    const listen = endpointArg("--listen", values.listen ?? "0.0.0.0:53", 53);
    const metrics = endpointArg("--metrics", values.metrics ?? "0.0.0.0:9153", 9153);
    const level = values["log-level"] ?? "info";
    if (!["debug", "info", "warn", "error"].includes(level))
      throw new UsageError(`--log-level ${level}: expected debug, info, warn or error`);
    const leaseDurationS = Number(values["lease-duration"] ?? 15);
    if (!Number.isInteger(leaseDurationS) || leaseDurationS < 1)
      throw new UsageError("--lease-duration must be a whole number of seconds");
    let loaded = loadConfigFile(values.config);
    if (values.region !== undefined) {
      if (!loaded.config.regions.some((r) => r.name === values.region))
        throw new UsageError(
          `--region ${values.region} is not one of the configured regions (${loaded.config.regions.map((r) => r.name).join(", ")})`,
        );
      loaded = { ...loaded, config: { ...loaded.config, region: values.region } };
    }
    let kc: ReturnType<typeof resolveKubeconfig>;
    try {
      kc = resolveKubeconfig({ kubeconfig: values.kubeconfig, context: values.context });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const namespace = values.namespace ?? kc.namespace ?? "default";
    const identity = values.identity ?? hostname();
    const log = jsonLogger(io.err, systemClock.now, level as "info");
    log.log("info", "starting", { kubeconfig: kc.source, namespace, identity, config: loaded.path });
    const live = await startLiveController({
      loaded,
      client: new KubeClient(kc.conn),
      namespace,
      identity,
      clock: systemClock,
      log,
      listen,
      metrics,
      leaseDurationS,
    });
    await io.stopped;
    await live.stop();
    return 0;
  },
});
