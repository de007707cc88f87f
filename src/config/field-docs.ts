// The prose of the configuration reference: one description per field of the config schema, keyed
// by its path (`regions[].name`: a field of every item of `regions`; `hosts[].targets.*`: the value
// of any key of `targets`). Types, defaults, bounds and enums are not repeated here: the generator
// (src/docs/config-reference.ts) takes them from the schema itself. A unit test fails when a schema
// field has no entry here or an entry names a field the schema no longer has.
//
// Run `npm run docs:gen` after editing this file or src/config/schema.ts.
import type { Config } from "./schema.ts";

export interface FieldDoc {
  /** What the field does, in sentences. */
  readonly description: string;
  /** A YAML value as a user would write it (shown in the reference). */
  readonly example?: string;
}

export const FIELD_DOCS: Readonly<Record<string, FieldDoc>> = {
  zone: {
    description:
      "The GSLB zone Z this responder is authoritative for, delegated from the parent zone to one NS name per region, `ns-<region>.Z`. A trailing dot is dropped and the name is lower-cased. At most 140 characters, so that `<nonce>.<service>.<region>.hb.Z` fits 255 octets.",
    example: "gslb.example.com",
  },
  region: {
    description:
      "The region this process speaks for. It must be one of `regions[].name`; it decides which heartbeat subzone (`<region>.hb.Z`) is answered authoritatively and which targets are this region's own.",
    example: "eu",
  },
  ttl: {
    description:
      "TTL in seconds of the answers for hosts and of the apex SOA/NS records. Short TTLs let clients follow a failover sooner at the cost of more queries.",
  },
  negativeTtl: {
    description:
      "The SOA MINIMUM: how long resolvers cache a negative answer (NXDOMAIN or NODATA). Kept short so that a failover host that answers NODATA while no region serves recovers quickly.",
  },
  heartbeatKeyFile: {
    description:
      "File holding the secret shared by all regions that signs heartbeat TXT records (HMAC-SHA256). Relative to the configuration file; must be a regular file of at least 16 bytes after trimming whitespace. The key is never logged.",
    example: "./hb.key",
  },
  heartbeatKeys: {
    description:
      "Heartbeat keys with ids, for rotation without downtime (runbooks/rotate-heartbeat-key.md); replaces `heartbeatKeyFile` (exactly one of the two). Records name the key that signed them (`mac=<id>:...`, the id inside the MAC), and a verifier uses exactly that key. The old `heartbeatKeyFile` interoperates with the same secret listed under an id, both ways.",
  },
  "heartbeatKeys.signWith": {
    description:
      "The id of the key this region signs with. Required as soon as two keys are listed: during a rotation the old key keeps signing until every region lists the new one.",
    example: "k2026a",
  },
  "heartbeatKeys.keys": {
    description: "Every key a peer's heartbeat may be signed with; ids are unique.",
  },
  "heartbeatKeys.keys[].id": {
    description: "The key's id: 1–32 characters of a-z, 0-9 and '-'. Not secret; it appears in every record.",
    example: "k2026a",
  },
  "heartbeatKeys.keys[].file": {
    description:
      "File holding this key's secret, relative to the configuration file; a regular file of at least 16 bytes after trimming whitespace. Never logged.",
    example: "./hb-k2026a.key",
  },
  regions: {
    description:
      "Every region, in priority order. The first region names the apex SOA's MNAME, so every region serves an identical apex. Each region gets the NS name `ns-<name>.Z` with its nameserver addresses as glue.",
  },
  "regions[].name": {
    description:
      "The region's name: a lower-case DNS label of at most 24 characters (so that the per-service heartbeat's first TXT string fits 255 octets). Unique among the regions.",
    example: "us",
  },
  "regions[].nameservers": {
    description:
      "IPv4 or IPv6 addresses of the region's responder, served as glue for `ns-<name>.Z` and probed directly by the other regions (every address, not only the first).",
    example: "[192.0.2.11, 2001:db8::11]",
  },
  hosts: {
    description:
      "The names the zone answers for clients, relative to Z. Standalone mode (`dns serve`) takes the answers from here; the controller takes its services from FailoverService objects instead.",
  },
  "hosts[].name": {
    description:
      "The host label relative to Z, at most 50 characters so that `localtargets-<name>` is still one DNS label. Unique; `hb`, `ns-<region>` and names starting with `localtargets-` are reserved.",
    example: "db",
  },
  "hosts[].strategy": {
    description:
      "`roundRobin` answers the targets of every region that has any; `failover` answers only the targets of the region named by `primary`.",
  },
  "hosts[].primary": {
    description:
      "For `failover` hosts only, and required there: the region whose targets are answered. Must be a configured region; refused for `roundRobin`.",
    example: "eu",
  },
  "hosts[].targets": {
    description:
      "The host's addresses per region (keys must be configured regions). IPv4 and IPv6 may be mixed; each region's list is also served as `localtargets-<host>`. At most 2,000 addresses in total, so every answer fits one DNS message.",
    example: "{ eu: [10.0.1.10], us: [10.0.2.10] }",
  },
  "hosts[].targets.*": {
    description: "One region's target addresses (IPv4 or IPv6).",
    example: '[10.0.2.1, "2001:db8::1"]',
  },
  witnesses: {
    description:
      "The witness resolvers asked every probe round for this region's and the peers' heartbeats: an IP address, optionally with a port (`192.0.2.1:5353`, `[2001:db8::1]:53`). The quorum is a majority of the configured list, never of those that answered.",
    example: "[8.8.8.8, 1.1.1.1, 9.9.9.9]",
  },
  safety: {
    description:
      "The safety mode (docs/safety.md): `witness` promotes on a witness down-quorum held for `failover.promoteAfter`; `lease` additionally requires a lease held on a majority of lease witnesses; `manual` never promotes by itself but still fences on isolation.",
  },
  probe: {
    description: "The probe round: how often evidence is gathered and how long each query may take.",
  },
  "probe.interval": {
    description: "Seconds between probe rounds, independent of the number of services.",
  },
  "probe.timeout": {
    description:
      "Per-query timeout in seconds. Must be shorter than `probe.interval`, and should outlast the witness resolvers' own give-up time (docs/prober.md), or a down peer is voted unknown instead of down.",
  },
  "probe.retries": {
    description: "Further attempts after a query that got no answer, within the same round.",
  },
  failover: {
    description: "The thresholds of the state machine (docs/state-machine.md).",
  },
  "failover.fenceAfter": {
    description:
      "Seconds a primary may go without self-quorum (and without a direct acknowledgement from every peer) before it closes its gate and fences its database.",
  },
  "failover.promoteAfter": {
    description:
      "Seconds the primary must be voted down in every round, with no sighting by any path, before a standby promotes. Bounded below by the timing rule.",
  },
  "failover.margin": {
    description: "Extra seconds in the timing rule, for actuation delays (closing the gate, fencing).",
  },
  "failover.holdDown": {
    description:
      "Seconds after a role change during which no automatic reverse change happens (anti-flapping).",
  },
  lease: {
    description:
      "The lease witnesses and timing; required when `safety` is `lease` (docs/lease-witnesses.md).",
  },
  "lease.ttl": {
    description:
      "Lease duration in seconds. The holder renews every ttl/3 and counts itself holder only until the start of its last majority-successful renewal plus ttl.",
  },
  "lease.margin": {
    description:
      "Extra seconds a contender waits beyond ttl before acquiring, covering clock drift and the time to close the old holder's gate. Bounded below by the lease timing rule.",
  },
  "lease.maxClockDrift": {
    description:
      "Assumed bound on the difference in clock rate between regions, as a fraction (0.01 = 1%). Used only in the lease timing rule.",
  },
  "lease.failsafe": {
    description:
      "DESIGN §5, after Patroni's failsafe_mode: a primary whose lease renewal fails keeps its gate open past the lease's expiry only while every peer region answers it directly and reports (`lm=no` in its signed heartbeat) that it cannot reach a majority of the lease witnesses either, follows its epoch and knows none newer; each answer counts for `ttl` after it was asked. Off: the primary fences at lease expiry. docs/lease-witnesses.md, \"Failsafe\".",
  },
  "lease.witnesses": {
    description:
      "At least 3 authoritative DNS servers that accept RFC 2136 dynamic updates signed with TSIG (BIND, Knot, PowerDNS, or a provider). A majority must agree for every lease write.",
  },
  "lease.witnesses[].name": {
    description: "Shown in status, logs and errors; defaults to the address.",
    example: "bind-1",
  },
  "lease.witnesses[].address": {
    description:
      "The server's IP address, optionally with a port (`192.0.2.53:5353`, `[2001:db8::53]:53`); port 53 by default.",
    example: "192.0.2.53",
  },
  "lease.witnesses[].zone": {
    description: "The zone on that server that holds the lease records (`<service>.<zone> TXT`).",
    example: "lease.example.com",
  },
  "lease.witnesses[].keyName": {
    description: "The TSIG key name the server expects.",
    example: "splitguard-key",
  },
  "lease.witnesses[].algorithm": {
    description: "The TSIG algorithm.",
  },
  "lease.witnesses[].keyFile": {
    description:
      "File holding the TSIG secret (a `tsig-keygen` clause or bare base64), relative to the configuration file. Exactly one of `keyFile` and `keySecret`.",
    example: "./tsig.key",
  },
  "lease.witnesses[].keySecret": {
    description:
      "A Kubernetes Secret holding the TSIG secret, read through the in-cluster service account (`lease status|check` inside a pod). Exactly one of `keyFile` and `keySecret`.",
  },
  "lease.witnesses[].keySecret.name": {
    description: "The Secret's name.",
    example: "lease-tsig",
  },
  "lease.witnesses[].keySecret.key": {
    description: "The key of the Secret's `data` that holds the TSIG secret.",
    example: "tsig.key",
  },
  "lease.witnesses[].keySecret.namespace": {
    description: "The Secret's namespace; defaults to the namespace the controller runs in.",
  },
  "lease.witnesses[].signWith": {
    description:
      "With `keys`: the id of the key that signs. Required as soon as two keys are listed; the others are tried only when the server answers BADKEY (runbooks/rotate-tsig-key.md).",
    example: "k2026a",
  },
  "lease.witnesses[].keys": {
    description:
      "Several TSIG keys for this witness, for rotation; replaces `keyName` with `keyFile`/`keySecret`. `lease check` checks each key on its own.",
  },
  "lease.witnesses[].keys[].id": {
    description: "The key's id in this list: 1–32 characters of a-z, 0-9 and '-'.",
    example: "k2026a",
  },
  "lease.witnesses[].keys[].keyName": {
    description: "The TSIG key name the server knows this key by (each key of a rotation has its own name).",
    example: "sg-lease-2026a",
  },
  "lease.witnesses[].keys[].keyFile": {
    description:
      "File holding this key's TSIG secret (a `tsig-keygen` clause or bare base64), relative to the configuration file. Exactly one of `keyFile` and `keySecret`.",
    example: "./sg-lease-2026a.key",
  },
  "lease.witnesses[].keys[].keySecret": {
    description:
      "A Kubernetes Secret holding this key's TSIG secret. Exactly one of `keyFile` and `keySecret`.",
  },
  "lease.witnesses[].keys[].keySecret.name": {
    description: "The Secret's name.",
    example: "lease-tsig",
  },
  "lease.witnesses[].keys[].keySecret.key": {
    description: "The key of the Secret's `data` that holds the TSIG secret.",
    example: "sg-lease-2026a.key",
  },
  "lease.witnesses[].keys[].keySecret.namespace": {
    description: "The Secret's namespace; defaults to the namespace the controller runs in.",
  },
  rateLimit: {
    description:
      "Response rate limiting on UDP answers, per client prefix. On by default: an authoritative server on the internet must not be a reflection amplifier.",
  },
  "rateLimit.enabled": {
    description: "Turns rate limiting on or off.",
  },
  "rateLimit.responsesPerSecond": {
    description:
      "NOERROR answers (including NODATA and referrals) per second per client prefix; 0 = unlimited.",
  },
  "rateLimit.nxdomainsPerSecond": {
    description: "NXDOMAIN answers per second per client prefix; 0 = unlimited.",
  },
  "rateLimit.errorsPerSecond": {
    description:
      "Answers with any other RCODE (REFUSED, FORMERR, NOTIMP, …) per second per client prefix; 0 = unlimited.",
  },
  "rateLimit.slip": {
    description:
      "Every slip-th limited answer is sent truncated (TC=1) so real clients retry over TCP; 0 = drop all, 1 = truncate all.",
  },
  "rateLimit.ipv4PrefixLength": {
    description: "IPv4 clients are counted by this prefix (24 = per /24).",
  },
  "rateLimit.ipv6PrefixLength": {
    description: "IPv6 clients are counted by this prefix (56 = per /56).",
  },
  "rateLimit.tableSize": {
    description: "Token buckets kept; memory is fixed at about 24 bytes each.",
  },
  tcp: {
    description: "Bounds on the responder's TCP side (RFC 7766 §6.2.3), applied at start.",
  },
  "tcp.maxConnections": {
    description: "Open TCP connections at most; further connections are refused.",
  },
  "tcp.idleTimeout": {
    description: "Seconds a connection may stay idle, or stall mid-message, before it is closed.",
  },
  "tcp.maxQueriesPerConnection": {
    description: "Queries answered on one connection before it is closed.",
  },
  notifications: {
    description:
      "Optional event notifications: promotions, demotions, fences and unfences posted to Alertmanager and to generic JSON webhooks, retried with backoff, never blocking a decision (docs/operations.md).",
  },
  "notifications.alertmanager": {
    description: "Alertmanager base URLs; each event is POSTed to <url>/api/v2/alerts.",
    example: "[http://alertmanager.monitoring:9093]",
  },
  "notifications.webhooks": {
    description: "URLs that receive one JSON object per event (POST).",
  },
  "notifications.timeout": {
    description: "Seconds per request before it counts as failed and is retried.",
  },
  "notifications.maxRetries": {
    description:
      "Retries after the first attempt, for 5xx, 429 and timeouts; then the event is dropped and counted.",
  },
  "notifications.queueSize": {
    description: "Pending events per destination; beyond it the oldest is dropped and counted.",
  },
  "notifications.retryBackoff": {
    description: "Seconds before the first retry; doubles per retry, at most 60 s.",
  },
};

/**
 * A rule the loader checks beyond what the JSON Schema can say (cross-field rules, address and
 * name syntax). `example` is a configuration that breaks the rule: the generator runs the real
 * schema on it and prints the message the loader gives, and fails if the rule no longer fires at
 * `path` (so the prose cannot outlive the rule).
 */
export interface ValidationRuleDoc {
  /** Schema paths the rule concerns (checked against the schema like FIELD_DOCS' keys). */
  readonly fields: readonly string[];
  readonly description: string;
  readonly example: {
    /** Builds the offending configuration from a small valid one (two regions, eu and us). */
    readonly config: (valid: Record<string, unknown>) => Record<string, unknown>;
    /** Where the loader reports it, as printed (`hosts[0].primary`). */
    readonly path: string;
  };
  /** What the rule comes to with every default (computed, so it follows the defaults; `lease` set). */
  readonly withDefaults?: (defaults: Config) => string;
}

const leaseSection = {
  witnesses: ["192.0.2.53", "192.0.2.54", "192.0.2.55"].map((address) => ({
    address,
    zone: "lease.example.com",
    keyName: "splitguard-key",
    keyFile: "./tsig.key",
  })),
};

const failoverHost = { name: "db", strategy: "failover", primary: "eu", targets: { eu: ["10.0.1.10"] } };

export const VALIDATION_RULES: readonly ValidationRuleDoc[] = [
  {
    fields: [
      "failover.promoteAfter",
      "failover.fenceAfter",
      "failover.margin",
      "probe.interval",
      "probe.timeout",
    ],
    description:
      "The timing rule: `failover.promoteAfter ≥ failover.fenceAfter + 2·probe.interval + 2·probe.timeout + failover.margin`. The old primary fences `fenceAfter` after it last saw self-quorum, and a standby's view of the loss can be up to two probe rounds (interval plus timeout each) apart from the primary's own; without this rule a standby could promote while the old primary is still writable. FailoverService objects carry the same rule as a CEL validation.",
    example: { config: (v) => ({ ...v, failover: { promoteAfter: 70 } }), path: "failover.promoteAfter" },
    withDefaults: (c) =>
      `the least allowed promoteAfter is ${c.failover.fenceAfter} + 2·${c.probe.interval} + 2·${c.probe.timeout} + ${c.failover.margin} = ${c.failover.fenceAfter + 2 * c.probe.interval + 2 * c.probe.timeout + c.failover.margin} s`,
  },
  {
    fields: ["probe.timeout", "probe.interval"],
    description: "`probe.timeout` is shorter than `probe.interval`, so that probe rounds never overlap.",
    example: { config: (v) => ({ ...v, probe: { interval: 5, timeout: 5 } }), path: "probe.timeout" },
  },
  {
    fields: ["lease.margin", "lease.ttl", "lease.maxClockDrift", "probe.timeout"],
    description:
      "The lease timing rule: `lease.margin ≥ 2·ttl·d/(1−d) + probe.timeout·(1+d)` with d = `lease.maxClockDrift`. A holder believes it holds the lease until ttl after its last successful renewal started, on its own clock; a contender waits ttl + margin on its own clock. The margin covers the clocks running at different rates and the time the old holder needs to close its gate (src/core/lease-core.ts has the argument, docs/safety.md the figures).",
    example: {
      config: (v) => ({ ...v, safety: "lease", lease: { ...leaseSection, ttl: 60, margin: 1 } }),
      path: "lease.margin",
    },
    withDefaults: (c) => {
      const { ttl, margin, maxClockDrift: d } = c.lease!;
      const need = (2 * ttl * d) / (1 - d) + c.probe.timeout * (1 + d);
      return `ttl ${ttl}, d ${d} and probe.timeout ${c.probe.timeout}: the least lease.margin is ${need.toFixed(2)} s (the default is ${margin})`;
    },
  },
  {
    fields: ["lease.ttl", "probe.timeout"],
    description:
      "`lease.ttl / 3 > 2·probe.timeout`: a renewal every ttl/3 must leave room for two operation timeouts.",
    example: {
      config: (v) => ({ ...v, safety: "lease", lease: { ...leaseSection, ttl: 6 } }),
      path: "lease.ttl",
    },
  },
  {
    fields: ["safety", "lease"],
    description: "`safety: lease` needs a `lease` section (with at least 3 lease witnesses).",
    example: { config: (v) => ({ ...v, safety: "lease" }), path: "lease" },
  },
  {
    fields: ["lease.witnesses[].keyFile", "lease.witnesses[].keySecret"],
    description: "Every lease witness sets exactly one of `keyFile` and `keySecret`.",
    example: {
      config: (v) => ({
        ...v,
        safety: "lease",
        lease: {
          witnesses: leaseSection.witnesses.map((w) => ({ ...w, keySecret: { name: "tsig", key: "key" } })),
        },
      }),
      path: "lease.witnesses[0].keySecret",
    },
  },
  {
    fields: ["region", "regions[].name"],
    description: "`region` is one of the configured regions.",
    example: { config: (v) => ({ ...v, region: "ap" }), path: "region" },
  },
  {
    fields: ["regions[].name"],
    description: "Region names are unique.",
    example: {
      config: (v) => ({
        ...v,
        regions: [
          { name: "eu", nameservers: ["192.0.2.11"] },
          { name: "eu", nameservers: ["192.0.2.12"] },
        ],
      }),
      path: "regions[1].name",
    },
  },
  {
    fields: ["hosts[].name"],
    description: "Host names are unique.",
    example: { config: (v) => ({ ...v, hosts: [failoverHost, failoverHost] }), path: "hosts[1].name" },
  },
  {
    fields: ["hosts[].name"],
    description:
      "Host names may not shadow the names splitguard owns: `hb` (the heartbeat subzones), `ns-<region>` and `localtargets-*`.",
    example: {
      config: (v) => ({ ...v, hosts: [{ ...failoverHost, name: "ns-us" }] }),
      path: "hosts[0].name",
    },
  },
  {
    fields: ["hosts[].targets", "regions[].name"],
    description: "A host's `targets` name only configured regions.",
    example: {
      config: (v) => ({ ...v, hosts: [{ ...failoverHost, targets: { ap: ["10.0.3.1"] } }] }),
      path: "hosts[0].targets.ap",
    },
  },
  {
    fields: ["hosts[].targets"],
    description:
      "A host has at most 2,000 target addresses in all, so that every answer fits one DNS message.",
    example: {
      config: (v) => ({
        ...v,
        hosts: [
          {
            name: "app",
            strategy: "roundRobin",
            targets: { eu: Array.from({ length: 2001 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) },
          },
        ],
      }),
      path: "hosts[0].targets",
    },
  },
  {
    fields: ["hosts[].primary", "hosts[].strategy"],
    description: "A `failover` host needs `primary`.",
    example: {
      config: (v) => ({ ...v, hosts: [{ name: "db", strategy: "failover", targets: {} }] }),
      path: "hosts[0].primary",
    },
  },
  {
    fields: ["hosts[].primary", "regions[].name"],
    description: "A host's `primary` is a configured region.",
    example: {
      config: (v) => ({ ...v, hosts: [{ ...failoverHost, primary: "ap" }] }),
      path: "hosts[0].primary",
    },
  },
  {
    fields: ["hosts[].primary", "hosts[].strategy"],
    description: "`primary` is refused on a `roundRobin` host.",
    example: {
      config: (v) => ({ ...v, hosts: [{ ...failoverHost, strategy: "roundRobin" }] }),
      path: "hosts[0].primary",
    },
  },
  {
    fields: ["regions[].nameservers", "hosts[].targets.*"],
    description: "Nameserver and target addresses are IPv4 or IPv6 addresses.",
    example: {
      config: (v) => ({
        ...v,
        regions: [
          { name: "eu", nameservers: ["192.0.2.300"] },
          { name: "us", nameservers: ["192.0.2.12"] },
        ],
      }),
      path: "regions[0].nameservers[0]",
    },
  },
  {
    fields: ["witnesses", "lease.witnesses[].address"],
    description: "Witness and lease witness addresses are an IP address with an optional port.",
    example: { config: (v) => ({ ...v, witnesses: ["resolver.example"] }), path: "witnesses[0]" },
  },
  {
    fields: ["zone", "lease.witnesses[].zone", "lease.witnesses[].keyName"],
    description: "Zone and key names are domain names (labels of a-z, 0-9, '-', '_').",
    example: { config: (v) => ({ ...v, zone: "gslb..example.com" }), path: "zone" },
  },
  {
    fields: ["heartbeatKeyFile", "heartbeatKeys"],
    description:
      "Exactly one of `heartbeatKeyFile` (the old single key) and `heartbeatKeys` (keys with ids).",
    example: {
      config: (v) => ({ ...v, heartbeatKeys: { keys: [{ id: "k1", file: "./hb.key" }] } }),
      path: "heartbeatKeys",
    },
  },
  {
    fields: [
      "heartbeatKeys.signWith",
      "heartbeatKeys.keys[].id",
      "lease.witnesses[].signWith",
      "lease.witnesses[].keys[].id",
    ],
    description:
      "Key ids are unique within their list; `signWith` names a listed id, and is required as soon as two keys are listed (otherwise adding a new key would start signing with it before every other region has it).",
    example: {
      config: (v) => {
        const { heartbeatKeyFile: _, ...rest } = v as Record<string, unknown>;
        return {
          ...rest,
          heartbeatKeys: {
            keys: [
              { id: "k1", file: "./a.key" },
              { id: "k2", file: "./b.key" },
            ],
          },
        };
      },
      path: "heartbeatKeys.signWith",
    },
  },
  {
    fields: ["lease.witnesses[].keys", "lease.witnesses[].keyName"],
    description:
      "A lease witness either has one key (`keyName` with `keyFile` or `keySecret`) or lists `keys`, not both; `keyName` is required in the single-key form.",
    example: {
      config: (v) => ({
        ...v,
        safety: "lease",
        lease: {
          witnesses: leaseSection.witnesses.map((w) => ({
            ...w,
            signWith: "a",
            keys: [{ id: "a", keyName: "k", keyFile: "./k.key" }],
          })),
        },
      }),
      path: "lease.witnesses[0].keyName",
    },
  },
  {
    fields: ["zone"],
    description: "The zone has at most 140 characters, so heartbeat names below it fit 255 octets.",
    example: {
      config: (v) => ({ ...v, zone: `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(20)}.example` }),
      path: "zone",
    },
  },
];

/** Checked when the files are read, after the schema (src/config/load.ts, lease-keys.ts). */
export const LOAD_CHECKS: readonly string[] = [
  "`heartbeatKeyFile`, every `heartbeatKeys.keys[].file` and every lease witness's `keyFile` must be regular, readable files; a heartbeat key must hold at least 16 bytes (after trimming whitespace). Messages name the file and the field, never the content.",
  "A lease witness's TSIG secret (file or Secret) must parse as a `tsig-keygen` clause or bare base64.",
];
