// Every verb of the CLI, in the order `splitguard --help` lists them. Verbs load on demand, so a
// process pays only for the verb it runs (the DNS server does not load the config parsers, the
// lease client or the simulator).
import type { Command } from "./command.ts";

export interface VerbEntry {
  readonly path: readonly string[];
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

const verb = (path: string[], summary: string, load: () => Promise<unknown>): VerbEntry => ({
  path,
  summary,
  load: load as () => Promise<Command>,
});

export const commands: readonly VerbEntry[] = [
  verb(["status"], "every FailoverService: role per region, epoch, safety mode, quorum, running timer", () =>
    import("./verbs/status.ts").then((m) => m.status),
  ),
  verb(
    ["explain"],
    "why a service has its current role, the evidence behind it, and what would change it",
    () => import("./verbs/explain.ts").then((m) => m.explain),
  ),
  verb(
    ["override"],
    "freeze, release, promote, demote or switch over a service, and wait for the outcome",
    () => import("./verbs/override.ts").then((m) => m.override),
  ),
  verb(
    ["dns", "serve"],
    "serve the GSLB zone from a configuration file (standalone authoritative responder)",
    () => import("./verbs/dns-serve.ts").then((m) => m.dnsServe),
  ),
  verb(
    ["lease", "status"],
    "show each lease witness's current lease value per service, and its latency",
    () => import("./verbs/lease-status.ts").then((m) => m.leaseStatus),
  ),
  verb(
    ["lease", "check"],
    "verify each lease witness accepts the key and allows lease updates, changing nothing",
    () => import("./verbs/lease-check.ts").then((m) => m.leaseCheck),
  ),
  verb(["probe"], "run one probe round: self-quorum, each peer's verdict, every witness's answers", () =>
    import("./verbs/probe.ts").then((m) => m.probe),
  ),
  verb(["config", "validate"], "check a configuration file and print the effective values", () =>
    import("./verbs/config-validate.ts").then((m) => m.configValidate),
  ),
  verb(
    ["controller"],
    "run the Kubernetes controller for this region (in-cluster or against a kubeconfig)",
    () => import("./verbs/controller.ts").then((m) => m.controllerVerb),
  ),
  verb(
    ["demo"],
    "run two regions, three witnesses and real DNS on loopback, with faults on keys or scripted",
    () => import("./verbs/demo.ts").then((m) => m.demo),
  ),
  verb(["simulate"], "run partition simulations in virtual time against the real state machines", () =>
    import("./verbs/simulate.ts").then((m) => m.simulate),
  ),
];
