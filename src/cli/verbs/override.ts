import { randomInt } from "node:crypto";
import yaml from "js-yaml";
import { KubeApiError, type KubeClient, type KubeObject } from "../../kube/kube-client.ts";
import { defineCommand, type Io, UsageError } from "../command.ts";
import { formatDuration, parseDuration } from "../duration.ts";
import { follow } from "../kube-follow.ts";
import { connect, kubeOptions, kubeOptionsHelp, overridesPath, servicesPath } from "../kube-target.ts";
import {
  ACK_FLAG,
  ACTIONS,
  type Action,
  FORCE_FLAG,
  type Outcome,
  type OverrideStatusView,
  overrideAdvice,
  overrideManifest,
  overrideName,
  overrideOutcome,
  SUFFIX_ALPHABET,
  validateOverride,
} from "../override-request.ts";
import { readService } from "../status-view.ts";

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
/** With no status after this long, say which controller should be picking the override up. */
const NO_CONTROLLER_HINT_MS = 15_000;

export const override = defineCommand({
  path: ["override"],
  summary: "freeze, release, promote, demote or switch over a service, and wait for the outcome",
  usage: `${ACTIONS.join("|")} SERVICE [--region R] --reason TEXT [--ttl D] [--runbook URL] [${FORCE_FLAG} ${ACK_FLAG}] [--dry-run] [-n NS] [--kubeconfig F] [--context C] [--timeout D]`,
  help: `Creates a FailoverOverride named SERVICE-ACTION-<random> next to the FailoverService SERVICE
and waits for the controller's outcome: one line per phase change on stderr (Accepted, Applied,
Rejected, Expired), the final one on stdout.

Actions (create the override in the cluster of the region that acts):
  freeze       no automatic transition at all until a release (or the --ttl runs out)
  release      ends a freeze
  promote      promote --region (its controller refuses while a peer still reports primary)
  demote       make --region follow another region
  switchover   planned handover to --region, run by the current primary region's controller

Options:
  --region R            the region acted on or taking over (required except for freeze/release)
  --reason TEXT         why, in words (shown in Events and in the service's status)
  --ttl D               the override expires after D (30m, 2h); a freeze ends then by itself
  --runbook URL         the runbook followed (recorded in the override)
  ${FORCE_FLAG}               promote even while a peer may still be primary; needs
  ${ACK_FLAG}
                        which states that two writable primaries may diverge
  --dry-run             check everything locally and print the manifest; contacts no cluster
  --timeout D           how long to wait for the outcome (default ${formatDuration(DEFAULT_TIMEOUT_MS)})
${kubeOptionsHelp}

Examples:
  splitguard override freeze db -n shop --reason "maintenance window CHG-1234" --ttl 2h
  splitguard override switchover db -n shop --region us --reason "eu datacenter maintenance" \\
      --runbook https://wiki.example.com/runbooks/switchover
  splitguard override promote db --region us --reason "eu lost (INC-42)" --dry-run

Exits 0 when the override is Applied (a freeze: once in force), 1 when it is Rejected or Expired,
when the wait times out or the service does not exist, 2 for bad usage.`,
  options: {
    ...kubeOptions,
    region: { type: "string" },
    reason: { type: "string" },
    ttl: { type: "string" },
    runbook: { type: "string" },
    force: { type: "boolean" },
    "i-understand-split-brain-risk": { type: "boolean" },
    "dry-run": { type: "boolean" },
    timeout: { type: "string" },
  },
  allowPositionals: 2,
  async run({ values, positionals }, io) {
    const req = validateOverride({
      action: positionals[0],
      service: positionals[1],
      region: values.region,
      reason: values.reason,
      runbook: values.runbook,
      ttl: values.ttl,
      force: values.force,
      acknowledge: values["i-understand-split-brain-risk"],
    });
    let timeoutMs = DEFAULT_TIMEOUT_MS;
    if (values.timeout !== undefined) {
      const d = parseDuration(values.timeout);
      if (!d.ok) throw new UsageError(`--timeout ${d.error}`);
      if (d.ms < 1000) throw new UsageError("--timeout must be at least 1s");
      timeoutMs = d.ms;
    }
    const suffix = Array.from({ length: 5 }, () => SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)]).join(
      "",
    );
    const name = overrideName(req, suffix);
    if (values["dry-run"]) {
      io.out(
        yaml.dump(overrideManifest(req, { name, now: Date.now(), namespace: values.namespace }), {
          lineWidth: -1,
        }),
      );
      io.err("dry run: checked locally, nothing was sent to a cluster\n");
      return 0;
    }

    const target = connect(values);
    const { client, namespace: ns } = target;
    let fs: KubeObject;
    try {
      fs = await client.get(servicesPath(ns, req.service));
    } catch (e) {
      if (e instanceof KubeApiError && e.isNotFound)
        throw new Error(
          `FailoverService ${req.service} not found in namespace ${ns} (${target.source}); check -n and --context`,
        );
      throw e;
    }
    const regions = ((fs.spec as { regions?: { name: string }[] }).regions ?? []).map((r) => r.name);
    if (req.region !== undefined && !regions.includes(req.region))
      throw new UsageError(
        `--region ${req.region} is not a region of ${req.service} (${regions.join(", ")})`,
      );

    const advice = overrideAdvice(req, readService(fs));
    if (advice) io.err(`warning: ${advice}\n`);
    const created = await client.create(overridesPath(ns), overrideManifest(req, { name, now: Date.now() }));
    io.err(
      `failoveroverride/${name} created in namespace ${ns} (${target.source}); waiting up to ${formatDuration(timeoutMs)}\n`,
    );
    const end = await waitForOutcome(client, ns, name, req.action, created, timeoutMs, io, (s) =>
      io.err(`${clockTime(Date.now())} ${name} ${s.phase}${s.message ? `: ${s.message}` : ""}\n`),
    );
    if (end.kind === "succeeded") {
      io.out(`failoveroverride/${name} ${end.summary}\n`);
      return 0;
    }
    if (end.kind === "failed") {
      io.out(`failoveroverride/${name} ${end.summary}\n`);
      return 1;
    }
    const last = end.last?.phase
      ? `last phase ${end.last.phase}${end.last.message ? `: ${end.last.message}` : ""}`
      : "no status yet";
    io.out(
      `failoveroverride/${name}: ${end.kind === "stopped" ? "stopped waiting" : `no outcome within ${formatDuration(timeoutMs)}`} (${last}); it stays and may still apply: kubectl -n ${ns} delete failoveroverride ${name} withdraws it if it has not been applied\n`,
    );
    return 1;
  },
});

const clockTime = (ms: number) => new Date(ms).toISOString().slice(11, 19);

type WaitEnd =
  | Exclude<Outcome, { kind: "pending" }>
  | { readonly kind: "timeout" | "stopped"; readonly last: OverrideStatusView | undefined };

/**
 * Follows the one override (from the resourceVersion of its creation, so no phase is missed) until
 * its status means an outcome, the timeout, or Ctrl-C.
 */
async function waitForOutcome(
  client: KubeClient,
  ns: string,
  name: string,
  action: Action,
  created: KubeObject,
  timeoutMs: number,
  io: Io,
  onPhase: (s: OverrideStatusView) => void,
): Promise<WaitEnd> {
  let last: OverrideStatusView | undefined;
  let finish: (e: WaitEnd) => void = () => {};
  const result = new Promise<WaitEnd>((r) => {
    finish = r;
  });
  const deleted = () => finish({ kind: "failed", summary: "deleted before an outcome" });
  const see = (o: KubeObject) => {
    const s = o.status as OverrideStatusView | undefined;
    if (s?.phase && (s.phase !== last?.phase || s.message !== last?.message)) {
      last = s;
      onPhase(s);
    }
    const out = overrideOutcome(action, s);
    if (out.kind !== "pending") finish(out);
  };
  const f = follow(
    client,
    overridesPath(ns),
    `fieldSelector=metadata.name%3D${name}`,
    created.metadata.resourceVersion,
    {
      onChange: (type, o) => (type === "DELETED" ? deleted() : see(o)),
      onRelist: (items) => (items[0] ? see(items[0]) : deleted()),
    },
  );
  const timers = [
    setTimeout(() => finish({ kind: "timeout", last }), timeoutMs),
    setTimeout(() => {
      if (!last)
        io.err(
          `no status after ${formatDuration(NO_CONTROLLER_HINT_MS)}: is the splitguard controller running in this cluster and namespace?\n`,
        );
    }, NO_CONTROLLER_HINT_MS),
  ];
  void io.stopped.then(() => finish({ kind: "stopped", last }));
  const end = await result;
  for (const t of timers) clearTimeout(t);
  f.stop();
  return end;
}
