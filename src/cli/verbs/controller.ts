import { hostname } from "node:os";
import type { PeerServiceReport } from "../../core/evidence.ts";
import { Controller } from "../../kube/controller.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { resolveKubeconfig } from "../../kube/kubeconfig.ts";
import { systemClock } from "../../shell/system-clock.ts";
import { defineCommand, UsageError } from "../command.ts";

export const controllerVerb = defineCommand({
  path: ["controller"],
  summary: "run the Kubernetes controller for this region (in-cluster or against a kubeconfig)",
  usage: "--region NAME [-n NAMESPACE] [--kubeconfig FILE] [--context NAME] [--identity ID]",
  help: `Options:
  --region NAME         this region's name, as in the FailoverServices' spec.regions
  -n, --namespace NS    the namespace of the FailoverServices, Clusters and pods (default: the
                        context's namespace, or the service account's in-cluster)
  --kubeconfig FILE     like kubectl: else $KUBECONFIG, ~/.kube/config, then in-cluster
  --context NAME        a kubeconfig context (default: current-context)
  --identity ID         the Lease holder identity (default: the host name, the pod name in-cluster)
  --lease-duration S    leader Lease duration in seconds (default 15)

Every replica watches; only the holder of the Lease splitguard-controller actuates and writes
status. Peer evidence comes from the witness prober (issue 4); until it is wired in, the
controller acts on overrides and on CNPG state only. Logs are lines on stderr.`,
  options: {
    region: { type: "string" },
    namespace: { type: "string", short: "n" },
    kubeconfig: { type: "string" },
    context: { type: "string" },
    identity: { type: "string" },
    "lease-duration": { type: "string" },
  },
  async run({ values }, io) {
    if (!values.region) throw new UsageError("--region NAME is required");
    let kc: ReturnType<typeof resolveKubeconfig>;
    try {
      kc = resolveKubeconfig({ kubeconfig: values.kubeconfig, context: values.context });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const namespace = values.namespace ?? kc.namespace ?? "default";
    const leaseDurationS = Number(values["lease-duration"] ?? 15);
    if (!Number.isInteger(leaseDurationS) || leaseDurationS < 1)
      throw new UsageError("--lease-duration must be a whole number of seconds");
    const identity = values.identity ?? hostname();
    const reports = new Map<string, PeerServiceReport>();
    const ctl = new Controller({
      client: new KubeClient(kc.conn),
      namespace,
      region: values.region,
      identity,
      clock: systemClock,
      peers: () => ({}),
      publish: (svc, r) => reports.set(svc, r),
      leaseDurationS,
      log: (m) => io.err(`${new Date().toISOString()} ${m}`),
    });
    io.err(
      `splitguard controller: region ${values.region}, namespace ${namespace}, ${kc.source}, identity ${identity}`,
    );
    await ctl.start();
    await io.stopped;
    await ctl.stop(true);
    return 0;
  },
});
