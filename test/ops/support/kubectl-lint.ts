// A lint for the kubectl commands in runbooks: the verbs, flags and resource types they may use,
// taken from `kubectl <verb> --help` (v1.32). It rejects what kubectl would reject at parse time
// (unknown verb, unknown flag, a flag without its value) plus names of resources that do not
// exist in a splitguard installation, and checks that inline patches are JSON.

/** Resource types (and their short names) a splitguard installation serves. */
const RESOURCES = new Set([
  "failoverservices",
  "failoverservice",
  "fsvc",
  "failoverservices.splitguard.io",
  "failoveroverrides",
  "failoveroverride",
  "fovr",
  "failoveroverrides.splitguard.io",
  "clusters.postgresql.cnpg.io",
  "cluster.postgresql.cnpg.io",
  "backups.postgresql.cnpg.io",
  "pods",
  "pod",
  "po",
  "events",
  "event",
  "ev",
  "leases",
  "lease",
  "deployments",
  "deployment",
  "deploy",
  "secrets",
  "secret",
  "services",
  "service",
  "svc",
  "configmaps",
  "configmap",
  "cm",
  "persistentvolumeclaims",
  "pvc",
  "prometheusrules",
  "servicemonitors",
]);

/** Flags taking a value; `true` for boolean flags. Global flags apply to every verb. */
type Flags = Record<string, boolean>;
const GLOBAL: Flags = { "-n": false, "--namespace": false, "--context": false, "--kubeconfig": false };
const OUTPUT: Flags = { "-o": false, "--output": false };
const SELECT: Flags = { "-l": false, "--selector": false, "--field-selector": false, "-A": true };

interface Verb {
  readonly flags: Flags;
  /** Positional shape: resources (TYPE [NAME...] | TYPE/NAME...), or free words. */
  readonly args: "resources" | "words" | "none";
  readonly sub?: readonly string[];
}

const VERBS: Record<string, Verb> = {
  get: {
    flags: { ...OUTPUT, ...SELECT, "-w": true, "--watch": true, "--show-labels": true },
    args: "resources",
  },
  describe: { flags: { ...SELECT }, args: "resources" },
  apply: {
    flags: { "-f": false, "--filename": false, "--server-side": true, "--dry-run": false, ...OUTPUT },
    args: "none",
  },
  create: { flags: { "-f": false, "--filename": false, "--dry-run": false, ...OUTPUT }, args: "none" },
  delete: { flags: { "-f": false, "--wait": false, "--dry-run": false, ...SELECT }, args: "resources" },
  annotate: { flags: { "--overwrite": true, "--dry-run": false, ...SELECT }, args: "resources" },
  label: { flags: { "--overwrite": true, "--dry-run": false, ...SELECT }, args: "resources" },
  patch: {
    flags: {
      "--type": false,
      "-p": false,
      "--patch": false,
      "--subresource": false,
      "--dry-run": false,
      ...OUTPUT,
    },
    args: "resources",
  },
  logs: {
    flags: {
      "--since": false,
      "--tail": false,
      "-f": true,
      "--follow": true,
      "-c": false,
      "--previous": true,
      ...SELECT,
    },
    args: "resources",
  },
  rollout: { flags: { "--timeout": false }, args: "resources", sub: ["status", "restart", "history"] },
  scale: { flags: { "--replicas": false }, args: "resources" },
  wait: { flags: { "--for": false, "--timeout": false, ...SELECT }, args: "resources" },
  events: {
    flags: { "--for": false, "--types": false, "-w": true, "--watch": true, ...OUTPUT },
    args: "none",
  },
  config: { flags: {}, args: "words", sub: ["use-context", "current-context", "get-contexts"] },
  cnpg: { flags: { "--verbose": true, "-v": true }, args: "words", sub: ["status", "fence", "promote"] },
  auth: { flags: { "--as": false }, args: "words", sub: ["can-i"] },
};

/** Problems with one kubectl argv (without the leading "kubectl"); empty when well-formed. */
export function lintKubectl(argv: readonly string[]): string[] {
  const problems: string[] = [];
  const rest = [...argv];
  const positionals: string[] = [];
  let verb: Verb | undefined;
  let verbName = "";
  let patch: string | undefined;
  let patchType: string | undefined;
  while (rest.length) {
    const a = rest.shift()!;
    if (a.startsWith("-") && a !== "-") {
      const [flag, inline] = a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
      const known = { ...GLOBAL, ...(verb?.flags ?? {}) };
      if (!(flag in known)) {
        problems.push(`unknown flag ${flag}${verbName ? ` for kubectl ${verbName}` : " before the verb"}`);
        continue;
      }
      let value = inline;
      if (!known[flag] && value === undefined) {
        value = rest.shift();
        if (value === undefined) problems.push(`${flag} needs a value`);
      }
      if (flag === "-p" || flag === "--patch") patch = value;
      if (flag === "--type") patchType = value;
      if (flag === "--dry-run" && !["server", "client", "none"].includes(value ?? ""))
        problems.push(`--dry-run must be server, client or none`);
      if (
        (flag === "-o" || flag === "--output") &&
        !/^(wide|json|yaml|name|jsonpath=.+|custom-columns=.+)$/.test(value ?? "")
      )
        problems.push(`-o ${value}: not an output format`);
      continue;
    }
    if (!verb) {
      verb = VERBS[a];
      verbName = a;
      if (!verb) {
        problems.push(`unknown kubectl verb "${a}"`);
        return problems;
      }
      continue;
    }
    positionals.push(a);
  }
  if (!verb) return ["no kubectl verb"];
  let args = positionals;
  if (verb.sub) {
    if (!verb.sub.includes(args[0] ?? ""))
      problems.push(`kubectl ${verbName} needs one of ${verb.sub.join(", ")}`);
    args = args.slice(1);
  }
  if (verb.args === "resources") {
    if (args.length === 0) problems.push(`kubectl ${verbName} needs a resource`);
    else {
      const first = args[0]!;
      const types = first.includes("/") ? args.map((x) => x.split("/")[0]!) : first.split(",");
      for (const t of types) if (!RESOURCES.has(t)) problems.push(`unknown resource type "${t}"`);
      if (verbName === "annotate" || verbName === "label")
        for (const kv of args.slice(first.includes("/") ? 1 : 2))
          if (!/^[a-z0-9./-]+(=.*|-)$/i.test(kv) && !kv.includes("/"))
            problems.push(`"${kv}" is not key=value or key-`);
    }
  }
  if (verbName === "patch") {
    if (patch === undefined) problems.push("kubectl patch needs -p");
    else {
      try {
        JSON.parse(patch);
      } catch (e) {
        problems.push(`the patch is not JSON: ${(e as Error).message}`);
      }
    }
    if (!["merge", "json", "strategic", undefined].includes(patchType)) problems.push(`--type ${patchType}`);
  }
  return problems;
}
