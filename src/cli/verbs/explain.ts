import { KubeApiError, type KubeClient, type KubeObject } from "../../kube/kube-client.ts";
import { defineCommand, UsageError } from "../command.ts";
import { explainService } from "../explain.ts";
import { connect, kubeOptions, kubeOptionsHelp, overridesPath, servicesPath } from "../kube-target.ts";
import { readOverride, readService } from "../status-view.ts";

export const explain = defineCommand({
  path: ["explain"],
  summary: "why a service has its current role, the evidence behind it, and what would change it",
  usage: "SERVICE [-n NS] [--kubeconfig F] [--context C]",
  help: `Explains, in words, this cluster's region's view of one FailoverService: its role and the last
decision with its reason, what each witness and peer said in the last probe round, the timer that
runs and when it fires, the overrides in force, and what would change the decision, e.g.

  Promotion would happen at 12:04:31Z (in 2m31s) if eu stays unreachable from 2 of 3 witnesses
  every round and is sighted by no path, us keeps its self-quorum ...

Options:
${kubeOptionsHelp}

Examples:
  splitguard explain db -n shop
  splitguard explain db -n shop --context us-prod`,
  options: { ...kubeOptions },
  allowPositionals: 1,
  async run({ values, positionals }, io) {
    const name = positionals[0];
    if (!name) throw new UsageError("name the FailoverService: splitguard explain SERVICE");
    const { client, namespace, source } = connect(values);
    let fs: KubeObject;
    try {
      fs = await client.get(servicesPath(namespace, name));
    } catch (e) {
      if (e instanceof KubeApiError && e.isNotFound)
        throw new Error(`FailoverService ${name} not found in namespace ${namespace} (${source})`);
      throw e;
    }
    const overrides = (await listOverrides(client, namespace))
      .filter((o) => (o.spec as { service?: string } | undefined)?.service === name)
      .map(readOverride)
      .sort((a, b) => (a.created ?? 0) - (b.created ?? 0));
    io.out(explainService(readService(fs), overrides, Date.now()));
    return 0;
  },
});

/** The namespace's overrides; none when the FailoverOverride CRD is not installed. */
async function listOverrides(client: KubeClient, namespace: string): Promise<KubeObject[]> {
  try {
    return (await client.get<{ items: KubeObject[] }>(overridesPath(namespace))).items;
  } catch (e) {
    if (e instanceof KubeApiError && e.isNotFound) return [];
    throw e;
  }
}
