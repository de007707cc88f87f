// The CustomResourceDefinitions of splitguard.io/v1alpha1, built from this one source and written
// to charts/splitguard/crds/ by scripts/gen-crds.ts (a unit test checks the files match). The
// field rules repeat the config schema's (src/config/schema.ts): the same DNS-label pattern, the
// same enums, and the same timing rule (timingIssues) expressed in CEL so the API server rejects a
// FailoverService whose promoteAfter could let a standby promote before the old primary fences.
import { LABEL_PATTERN, MAX_HOST_NAME, MAX_REGION_NAME } from "../config/dns-label.ts";

export const GROUP = "splitguard.io";
export const VERSION = "v1alpha1";

type Schema = Record<string, unknown>;
const str = (description: string, extra: Schema = {}): Schema => ({ type: "string", description, ...extra });
const int = (description: string, extra: Schema = {}): Schema => ({ type: "integer", description, ...extra });
// Hosts and regions are DNS labels capped below 63 by what splitguard builds from them (the
// `localtargets-<host>` label, the heartbeat TXT string): the same constants as the config schema,
// so the API server never admits a name the runtime must then refuse (src/config/dns-label.ts).
const label = (description: string, maxLength: number): Schema =>
  str(description, { pattern: LABEL_PATTERN, maxLength });
const seconds = (description: string, dflt: number, max = 86_400): Schema =>
  int(`${description} (seconds)`, { minimum: 1, maximum: max, default: dflt });
const obj = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => ({
  type: "object",
  properties,
  ...(required.length ? { required } : {}),
  ...extra,
});
const rule = (r: string, message: string, fieldPath?: string): Schema => ({
  rule: r,
  message,
  ...(fieldPath ? { fieldPath } : {}),
});

const labelSelector = obj(
  {
    matchLabels: { type: "object", additionalProperties: { type: "string" } },
  },
  ["matchLabels"],
  { description: "The pods whose readiness gate splitguard.io/primary follows this region's role." },
);

const targets = obj(
  {
    gateway: obj(
      { name: str("Gateway name (gateway.networking.k8s.io/v1); its status.addresses are the targets") },
      ["name"],
    ),
    service: obj(
      { name: str("A type LoadBalancer Service; its status.loadBalancer.ingress are the targets") },
      ["name"],
    ),
    static: {
      type: "array",
      description: "Fixed IPv4/IPv6 addresses",
      minItems: 1,
      maxItems: 16,
      items: str("an IP address", { oneOf: [{ format: "ipv4" }, { format: "ipv6" }] }),
    },
  },
  [],
  {
    description:
      "Where this region's own answers for the host come from: exactly one of gateway, service, static.",
    "x-kubernetes-validations": [
      rule(
        "(has(self.gateway) ? 1 : 0) + (has(self.service) ? 1 : 0) + (has(self.static) ? 1 : 0) == 1",
        "set exactly one target source: gateway, service or static",
      ),
    ],
  },
);

const failoverServiceSpec = obj(
  {
    host: label("The host name under the GSLB zone that clients resolve", MAX_HOST_NAME),
    strategy: str("DNS answer strategy", { enum: ["failover", "roundRobin"], default: "failover" }),
    safety: str("Safety mode (DESIGN §5)", { enum: ["witness", "lease", "manual"], default: "witness" }),
    regions: {
      type: "array",
      description:
        "The regions in priority order (first = preferred primary), each with its CNPG cluster (a roundRobin service may have none)",
      minItems: 1,
      maxItems: 16,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
      items: obj(
        {
          name: label("Region name, as in the splitguard configuration", MAX_REGION_NAME),
          cnpgCluster: str(
            "The postgresql.cnpg.io/v1 Cluster serving this service in that region; required unless strategy is roundRobin",
            { pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 50 },
          ),
        },
        ["name"],
      ),
    },
    gate: obj({ selector: labelSelector }, ["selector"], {
      description: "The gated pods; required for a service with CNPG clusters, unused without",
    }),
    targets,
    probe: obj(
      {
        interval: seconds("probe.interval", 5, 300),
        timeout: seconds("probe.timeout", 2, 300),
      },
      [],
      {
        default: { interval: 5, timeout: 2 },
        "x-kubernetes-validations": [
          rule(
            "self.timeout < self.interval",
            "probe.timeout must be shorter than probe.interval so rounds do not overlap",
          ),
        ],
      },
    ),
    failover: obj(
      {
        fenceAfter: seconds("failover.fenceAfter", 60),
        promoteAfter: seconds("failover.promoteAfter", 300),
        margin: seconds("failover.margin", 10),
        holdDown: seconds("failover.holdDown", 600),
      },
      [],
      { default: { fenceAfter: 60, promoteAfter: 300, margin: 10, holdDown: 600 } },
    ),
    // No `failback` field: DESIGN §7 lists a failback policy, but automatic switchover back to the
    // preferred region is not built, and a field nothing reads promises what does not happen. A
    // region that returns follows (or stays fenced); moving back is a planned switchover by
    // FailoverOverride (runbooks/failback.md).
    ttl: int("DNS answer TTL (seconds)", { minimum: 0, maximum: 86_400, default: 30 }),
  },
  ["host", "regions", "targets"],
  {
    "x-kubernetes-validations": [
      // Stateful (strategy failover) means a CNPG cluster per region that the machine promotes and
      // demotes; a stateless roundRobin service has none, and then no machine and no gate
      // (kube-world.ts, region-runtime.ts). Half of the regions with a cluster is neither.
      rule(
        "(has(self.strategy) && self.strategy == 'roundRobin') || self.regions.all(r, has(r.cnpgCluster))",
        "regions[].cnpgCluster is required for every region unless strategy is roundRobin (a failover service is stateful: splitguard promotes and demotes its CNPG clusters)",
        ".regions",
      ),
      rule(
        "self.regions.all(r, has(r.cnpgCluster)) || self.regions.all(r, !has(r.cnpgCluster))",
        "set regions[].cnpgCluster for every region or for none",
        ".regions",
      ),
      rule(
        "has(self.gate) || self.regions.all(r, !has(r.cnpgCluster))",
        "gate is required for a service with CNPG clusters (the pods whose readiness follows the role)",
        ".gate",
      ),
      // Same rule as timingIssues() in src/config/schema.ts: the old primary fences before a standby
      // may promote (DESIGN §8 invariant 2).
      rule(
        "self.failover.promoteAfter >= self.failover.fenceAfter + 2 * self.probe.interval + 2 * self.probe.timeout + self.failover.margin",
        "failover.promoteAfter must be at least fenceAfter + 2*probe.interval + 2*probe.timeout + margin, so the old primary fences before a standby promotes",
        ".failover.promoteAfter",
      ),
    ],
  },
);

const condition = obj(
  {
    type: str("condition type"),
    status: str("True, False or Unknown", { enum: ["True", "False", "Unknown"] }),
    reason: str("CamelCase reason"),
    message: str("in words"),
    lastTransitionTime: str("when it changed", { format: "date-time" }),
    observedGeneration: int("spec generation seen"),
  },
  ["type", "status"],
);

// Status is written by the leader's region runtime after every round that changed something (and
// at least every 30 s): src/runtime/service-status.ts builds it; `splitguard status/explain` read
// it; a restarted controller restores the machine from role, epoch, primary and `restore`.
const reportFields = {
  role: str("the role it publishes: primary, standby, promoting, demoting, fenced, frozen"),
  epoch: int("the epoch it publishes"),
  gate: str("open or closed", { enum: ["open", "closed"] }),
};
const failoverServiceStatus = obj({
  observedGeneration: int("spec generation this status describes"),
  state: str("machine state, e.g. primary.serving, standby.suspecting, fenced, frozen"),
  role: str("primary, standby, promoting, demoting, fenced or frozen"),
  epoch: int("fencing epoch; only increases", { minimum: 0 }),
  primary: str("the region believed primary", { nullable: true }),
  quorum: str("witnesses that returned this region's own heartbeat in the last round / configured, e.g. 2/3"),
  lease: obj(
    {
      holder: str("lease holder region", { nullable: true }),
      epoch: int("lease epoch", { nullable: true }),
      holdUntil: str("this region counts itself holder until", { format: "date-time", nullable: true }),
      reason: str("the lease driver's last step, in words"),
      lastAttempt: obj({ epoch: int("epoch"), seq: int("sequence") }, [], {
        nullable: true,
        description: "the highest lease value ever attempted, recorded before it was written (never reused)",
      }),
    },
    [],
    { nullable: true, description: "lease mode only (spec.safety: lease); null otherwise" },
  ),
  witnesses: {
    type: "array",
    description: "every configured witness resolver in the last round",
    items: obj({
      name: str("witness as configured (host or host:port)"),
      self: str("self(w): ok, or fail: <why>"),
      peers: {
        type: "object",
        description: "per peer region: up, down, or unknown: <why> (unknown never counts toward promotion)",
        additionalProperties: { type: "string" },
      },
    }),
  },
  peers: {
    type: "array",
    description: "every other region of the service in the last round",
    items: obj({
      region: str("peer region"),
      seen: str("up (sighted by some path), down (witness down-quorum and not sighted), unknown", {
        enum: ["up", "down", "unknown"],
      }),
      direct: { type: "boolean", description: "answered this region's direct question" },
      votes: str("the witness votes, in words"),
      ...reportFields,
      lostSince: str("lost (down-quorum, no sighting) every round since", { format: "date-time" }),
    }),
  },
  timer: obj(
    {
      name: str(
        "the wait running: promoteAfter (standby), fenceAfter (primary at risk), lease (lease expiry)",
      ),
      since: str("started", { format: "date-time" }),
      deadline: str("fires at (if the evidence holds until then)", { format: "date-time" }),
    },
    [],
    { nullable: true, description: "null when no wait is running" },
  ),
  switchover: obj({
    step: str("last completed switchover/promotion step of an override (restart safety)"),
    target: str("the region taking over"),
    token: str("CNPG demotion token carried to the new primary"),
    since: str(
      "when the demotion token was first published (the live controller hands an untaken switchover to the machine promoteAfter later)",
      {
        format: "date-time",
      },
    ),
  }),
  decision: obj({
    action: str("what the last decision did (the state it went to, or the override action)"),
    reason: str("why, in words"),
    at: str("when", { format: "date-time" }),
  }),
  published: obj(
    {
      ...reportFields,
      localTargets: { type: "array", items: str("an address"), description: "localtargets-<host>" },
      handoverTo: str("planned switchover target"),
      demotionToken: str("CNPG demotion token being handed over"),
    },
    [],
    {
      nullable: true,
      description:
        "what this region publishes in its per-service heartbeat; replicas that are not the leader serve it",
    },
  ),
  restore: obj(
    {
      lastHealthyAt: str("last round this region was healthy (the fence deadline is this + fenceAfter)", {
        format: "date-time",
        nullable: true,
      }),
      leaseHoldUntil: str("lease mode: until when the lease was last known held", {
        format: "date-time",
        nullable: true,
      }),
      lastRoleChangeAt: str("when this region last lost the primary role (holdDown)", {
        format: "date-time",
        nullable: true,
      }),
      selfQuorumSince: str("self-quorum held every round since (a resumed promotion wait counts from it)", {
        format: "date-time",
        nullable: true,
      }),
    },
    [],
    { description: "timers as timestamps: a restarted controller never shortens a wait" },
  ),
  round: obj(
    {
      number: int("probe round number since the controller started"),
      at: str("completed", { format: "date-time" }),
    },
    [],
    { nullable: true, description: "the probe round this status describes" },
  ),
  conditions: {
    type: "array",
    description: "SelfQuorum, Serving, TargetsResolved",
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
    items: condition,
  },
});

const col = (name: string, jsonPath: string, type = "string", priority = 0): Schema => ({
  name,
  type,
  jsonPath,
  ...(priority ? { priority } : {}),
});

function crd(kind: string, plural: string, shortNames: string[], schema: Schema, columns: Schema[]): Schema {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: kind.toLowerCase(),
        shortNames,
        categories: ["splitguard"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: { openAPIV3Schema: schema },
        },
      ],
    },
  };
}

export const failoverServiceCrd = crd(
  "FailoverService",
  "failoverservices",
  ["fsvc"],
  obj(
    {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: failoverServiceSpec,
      status: failoverServiceStatus,
    },
    ["spec"],
    {
      description: "A stateful service replicated across regions whose primary splitguard elects and gates.",
    },
  ),
  [
    col("Host", ".spec.host"),
    col("Role", ".status.role"),
    col("Epoch", ".status.epoch", "integer"),
    col("Safety", ".spec.safety"),
    col("Quorum", ".status.quorum"),
    col("Primary", ".status.primary", "string", 1),
    col("Reason", ".status.decision.reason", "string", 1),
    col("Age", ".metadata.creationTimestamp", "date"),
  ],
);

const overrideSpec = obj(
  {
    service: str("the FailoverService (same namespace)", {
      pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
      maxLength: 253,
    }),
    action: str("what to do", { enum: ["freeze", "release", "promote", "demote", "switchover"] }),
    region: label("the region acted on (promote/demote) or taking over (switchover)", MAX_REGION_NAME),
    reason: str("why, in words (shown in Events and status)", { minLength: 1, maxLength: 1024 }),
    runbook: str("the runbook followed (URL or reference)", { maxLength: 1024 }),
    expiresAt: str("after this the override is ignored and marked Expired", { format: "date-time" }),
    force: { type: "boolean", description: "promote even while a peer may still be primary", default: false },
    acknowledgeSplitBrain: {
      type: "boolean",
      description: "required with force: the operator accepts that two primaries may diverge",
      default: false,
    },
  },
  ["service", "action", "reason"],
  {
    "x-kubernetes-validations": [
      rule(
        "self.action in ['freeze', 'release'] || has(self.region)",
        "region is required for promote, demote and switchover",
        ".region",
      ),
      rule("!self.force || self.action == 'promote'", "force applies only to action promote", ".force"),
      rule(
        "!self.force || self.acknowledgeSplitBrain",
        "force: true needs acknowledgeSplitBrain: true (a forced promotion may leave two primaries)",
        ".acknowledgeSplitBrain",
      ),
      rule("self == oldSelf", "an override is immutable; delete it and create a new one"),
    ],
  },
);

export const failoverOverrideCrd = crd(
  "FailoverOverride",
  "failoveroverrides",
  ["fovr"],
  obj(
    {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: overrideSpec,
      status: obj({
        phase: str("Accepted, Applied, Rejected or Expired", {
          enum: ["Accepted", "Applied", "Rejected", "Expired"],
        }),
        message: str("why (for Rejected) or what was done"),
        observedGeneration: int("spec generation seen"),
        epoch: int("the epoch fixed for a promotion or switchover before its first step (restart safety)"),
        appliedAt: str("when applied", { format: "date-time" }),
      }),
    },
    ["spec"],
    { description: "A manual instruction to a FailoverService, with reason, runbook and expiry." },
  ),
  [
    col("Service", ".spec.service"),
    col("Action", ".spec.action"),
    col("Region", ".spec.region"),
    col("Phase", ".status.phase"),
    col("Expires", ".spec.expiresAt"),
    col("Age", ".metadata.creationTimestamp", "date"),
  ],
);

export const crds = {
  "failoverservices.yaml": failoverServiceCrd,
  "failoveroverrides.yaml": failoverOverrideCrd,
};
