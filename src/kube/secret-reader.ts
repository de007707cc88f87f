// Reads one key of a Kubernetes Secret through the controller's own API connection (in-cluster or
// a kubeconfig alike), for lease witness keys given as `keySecret`. The value is returned decoded
// and never logged; errors name the Secret and the key only.
import type { SecretReader } from "../config/lease-keys.ts";
import type { KubeClient } from "./kube-client.ts";

export function kubeSecretReader(client: KubeClient, defaultNamespace: string): SecretReader {
  return async (ref) => {
    const ns = ref.namespace ?? defaultNamespace;
    const s = await client.get<{ data?: Record<string, string> }>(
      `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets/${encodeURIComponent(ref.name)}`,
    );
    const v = s.data?.[ref.key];
    if (v === undefined) throw new Error(`Secret ${ns}/${ref.name} has no key ${ref.key}`);
    return Buffer.from(v, "base64");
  };
}
