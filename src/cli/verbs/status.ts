import yaml from "js-yaml";
import { KubeApiError, type KubeObject } from "../../kube/kube-client.ts";
import { defineCommand, UsageError } from "../command.ts";
import { follow } from "../kube-follow.ts";
import { connect, kubeOptions, kubeOptionsHelp, servicesPath } from "../kube-target.ts";
import { readService, statusTable } from "../status-view.ts";
import { columnWidths, table } from "../table.ts";

export const status = defineCommand({
  path: ["status"],
  summary: "every FailoverService: role per region, epoch, safety mode, quorum, running timer",
  usage: "[SERVICE] [-n NS | -A] [-o wide|json|yaml] [-w] [--kubeconfig F] [--context C]",
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
  -w, --watch           after the table, print a service's line again whenever it changes
                        (until Ctrl-C), like kubectl get -w
${kubeOptionsHelp}

Examples:
  splitguard status -n shop
  splitguard status db -n shop -o wide
  splitguard status db -n shop -w
  splitguard status -A -o json | jq '.items[].status.role'`,
  options: {
    ...kubeOptions,
    output: { type: "string", short: "o" },
    "all-namespaces": { type: "boolean", short: "A" },
    watch: { type: "boolean", short: "w" },
  },
  allowPositionals: 1,
  async run({ values, positionals }, io) {
    const output = values.output;
    if (output !== undefined && !["wide", "json", "yaml"].includes(output))
      throw new UsageError(`-o ${output}: use wide, json or yaml`);
    const name = positionals[0];
    const all = values["all-namespaces"] === true;
    if (all && name) throw new UsageError("a SERVICE name goes with one namespace: drop -A or the name");
    if (values.watch && (output === "json" || output === "yaml"))
      throw new UsageError("-w prints table lines: use it without -o json|yaml");
    const { client, namespace, source } = connect(values);
    const collection = all ? "/apis/splitguard.io/v1alpha1/failoverservices" : servicesPath(namespace);
    const selector = name ? `fieldSelector=metadata.name%3D${name}` : "";
    let items: KubeObject[];
    let listVersion: string | undefined;
    try {
      const list = await client.get<{ items: KubeObject[]; metadata?: { resourceVersion?: string } }>(
        `${collection}${selector ? `?${selector}` : ""}`,
      );
      items = list.items;
      listVersion = list.metadata?.resourceVersion;
    } catch (e) {
      if (e instanceof KubeApiError && e.isNotFound)
        throw new Error(
          `the FailoverService CRD is not installed in this cluster (${source}): install the splitguard chart`,
        );
      throw e;
    }
    if (name && items.length === 0 && !values.watch)
      throw new Error(`FailoverService ${name} not found in namespace ${namespace} (${source})`);
    if (output === "json" || output === "yaml") {
      for (const i of items) {
        i.apiVersion ??= "splitguard.io/v1alpha1";
        i.kind ??= "FailoverService";
      }
      const doc = name ? items[0] : { apiVersion: "v1", kind: "List", items };
      io.out(output === "json" ? `${JSON.stringify(doc, null, 2)}\n` : yaml.dump(doc, { lineWidth: -1 }));
      return 0;
    }
    const shape = { wide: output === "wide", namespaces: all };
    const rows = statusTable(items.map(readService), Date.now(), shape);
    if (items.length === 0) io.err(`No FailoverServices found${all ? "" : ` in namespace ${namespace}`}.\n`);
    else io.out(table(rows));
    if (!values.watch) return 0;
    // -w: one line per change, in the columns of the table above (kubectl get -w).
    const widths = columnWidths(rows);
    const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
    const printed = new Map(items.map((i) => [key(i), JSON.stringify(i.status)]));
    const line = (o: KubeObject, deleted = false) => {
      const row = statusTable([readService(o)], Date.now(), shape)[1]!;
      if (deleted) row[shape.namespaces ? 3 : 2] = "(deleted)";
      io.out(table([row], widths));
    };
    const changed = (o: KubeObject) => {
      if (printed.get(key(o)) === JSON.stringify(o.status)) return;
      printed.set(key(o), JSON.stringify(o.status));
      line(o);
    };
    const f = follow(client, collection, selector, listVersion, {
      onChange: (type, o) => {
        if (type !== "DELETED") return changed(o);
        printed.delete(key(o));
        line(o, true);
      },
      onRelist: (fresh) => {
        for (const o of fresh) changed(o);
      },
    });
    await io.stopped;
    f.stop();
    return 0;
  },
});
