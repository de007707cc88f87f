import yaml from "js-yaml";
import { KubeApiError, type KubeObject } from "../../kube/kube-client.ts";
import { defineCommand, UsageError } from "../command.ts";
import { connect, kubeOptions, kubeOptionsHelp, servicesPath } from "../kube-target.ts";
import { readService, statusTable } from "../status-view.ts";
import { table } from "../table.ts";

export const status = defineCommand({
  path: ["status"],
  summary: "every FailoverService: role per region, epoch, safety mode, quorum, running timer",
  usage: "[SERVICE] [-n NS | -A] [-o wide|json|yaml] [--kubeconfig F] [--context C]",
  help: `Reads the FailoverServices of this cluster's namespace (each region's cluster holds its own copy,
with that region's view in status) and prints one line per service:

  ROLES     this region's role from status, each peer's role as it last reported it
  EPOCH     the fencing epoch; QUORUM: witnesses answering / configured
  TIMER     the wait that is running (promoteAfter, fenceAfter, holdDown, demotionToken, ...)
  DEADLINE  when it fires, relative and in UTC

A field the controller has not written yet shows "-".

Options:
  -o wide               also the machine state, the primary, the lease and the last decision
  -o json | -o yaml     the objects as the API server returns them (a List for several)
  -A, --all-namespaces  every namespace
${kubeOptionsHelp}

Examples:
  splitguard status -n shop
  splitguard status db -n shop -o wide
  splitguard status -A -o json | jq '.items[].status.role'`,
  options: {
    ...kubeOptions,
    output: { type: "string", short: "o" },
    "all-namespaces": { type: "boolean", short: "A" },
  },
  allowPositionals: 1,
  async run({ values, positionals }, io) {
    const output = values.output;
    if (output !== undefined && !["wide", "json", "yaml"].includes(output))
      throw new UsageError(`-o ${output}: use wide, json or yaml`);
    const name = positionals[0];
    const all = values["all-namespaces"] === true;
    if (all && name) throw new UsageError("a SERVICE name goes with one namespace: drop -A or the name");
    const { client, namespace, source } = connect(values);
    let items: KubeObject[];
    try {
      items = name
        ? [await client.get(servicesPath(namespace, name))]
        : (
            await client.get<{ items: KubeObject[] }>(
              all ? "/apis/splitguard.io/v1alpha1/failoverservices" : servicesPath(namespace),
            )
          ).items;
    } catch (e) {
      if (e instanceof KubeApiError && e.isNotFound)
        throw new Error(
          name
            ? `FailoverService ${name} not found in namespace ${namespace} (${source})`
            : `the FailoverService CRD is not installed in this cluster (${source}): install the splitguard chart`,
        );
      throw e;
    }
    if (output === "json" || output === "yaml") {
      for (const i of items) {
        i.apiVersion ??= "splitguard.io/v1alpha1";
        i.kind ??= "FailoverService";
      }
      const doc = name ? items[0] : { apiVersion: "v1", kind: "List", items };
      io.out(output === "json" ? `${JSON.stringify(doc, null, 2)}\n` : yaml.dump(doc, { lineWidth: -1 }));
      return 0;
    }
    if (items.length === 0) {
      io.err(`No FailoverServices found${all ? "" : ` in namespace ${namespace}`}.\n`);
      return 0;
    }
    io.out(
      table(statusTable(items.map(readService), Date.now(), { wide: output === "wide", namespaces: all })),
    );
    return 0;
  },
});
