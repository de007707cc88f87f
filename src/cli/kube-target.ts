// The cluster an operator verb talks to, found like kubectl: --kubeconfig, else $KUBECONFIG, else
// ~/.kube/config, else in-cluster; --context; -n, else the context's namespace, else "default".
import { KubeClient } from "../kube/kube-client.ts";
import { resolveKubeconfig } from "../kube/kubeconfig.ts";
import { UsageError } from "./command.ts";

export const kubeOptions = {
  namespace: { type: "string", short: "n" },
  kubeconfig: { type: "string" },
  context: { type: "string" },
} as const;

export const kubeOptionsHelp = `  -n, --namespace NS    the namespace (default: the context's namespace, else "default")
  --kubeconfig FILE     like kubectl: else $KUBECONFIG, ~/.kube/config, then in-cluster
  --context NAME        a kubeconfig context (default: current-context)`;

export interface KubeTarget {
  readonly client: KubeClient;
  readonly namespace: string;
  /** Where the connection came from, e.g. "/home/op/.kube/config context eu-prod". */
  readonly source: string;
}

export function connect(values: { namespace?: string; kubeconfig?: string; context?: string }): KubeTarget {
  let kc: ReturnType<typeof resolveKubeconfig>;
  try {
    kc = resolveKubeconfig({ kubeconfig: values.kubeconfig, context: values.context });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return {
    client: new KubeClient(kc.conn, 15_000),
    namespace: values.namespace ?? kc.namespace ?? "default",
    source: kc.source,
  };
}

export const servicesPath = (ns: string, name = "") =>
  `/apis/splitguard.io/v1alpha1/namespaces/${ns}/failoverservices${name ? `/${name}` : ""}`;
export const overridesPath = (ns: string, name = "") =>
  `/apis/splitguard.io/v1alpha1/namespaces/${ns}/failoveroverrides${name ? `/${name}` : ""}`;
