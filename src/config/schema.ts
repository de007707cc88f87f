// The one configuration schema of splitguard. The standalone DNS responder, the simulator, the
// demo, the controller and the Helm chart's values all read this shape (STYLE.md 9). Every
// rejection names the field path and the reason; see load.ts for how paths map to file lines.
import { isIP } from "node:net";
import { z } from "zod";
import { LABEL, MAX_HOST_NAME, MAX_REGION_NAME } from "./dns-label.ts";
import { parseEndpoint } from "./endpoint.ts";

/*
 * Length limits that keep every name and TXT string splitguard generates on the wire (found in
 * review): hosts and regions in dns-label.ts (shared with the CRDs); and
 * `<nonce>.<service>.<region>.hb.<zone>` must fit 255 octets, so the zone has at most 140.
 */
export { MAX_HOST_NAME, MAX_REGION_NAME } from "./dns-label.ts";
export { type Endpoint, parseEndpoint } from "./endpoint.ts";
export const MAX_ZONE_NAME = 140;

const label = (what: string) =>
  z.string().regex(LABEL, `${what} must be a lower-case DNS label (a-z, 0-9, '-', at most 63 characters)`);

const dnsName = z
  .string()
  .transform((s) => s.replace(/\.$/, "").toLowerCase())
  .refine((s) => s.length > 0 && s.length <= 253, "must be a domain name of 1 to 253 characters")
  .refine(
    (s) => s.split(".").every((l) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l)),
    "every label must be 1-63 characters of a-z, 0-9, '-' or '_', not starting or ending with '-'",
  );

const ipAddress = z.string().refine((s) => isIP(s) !== 0, "must be an IPv4 or IPv6 address");

/** `host` or `host:port` (IPv6 with a port as `[addr]:port`). */
export const endpoint = z.string().refine((s) => parseEndpoint(s, 53) !== undefined, {
  message: "must be an IP address, optionally with a port: 192.0.2.1, 192.0.2.1:5353 or [2001:db8::1]:53",
});

const seconds = (what: string) => z.number({ error: `${what} must be a number of seconds` }).positive();

export const RegionSchema = z
  .object({
    name: label("region name").max(
      MAX_REGION_NAME,
      `a region name has at most ${MAX_REGION_NAME} characters`,
    ),
    nameservers: z.array(ipAddress).min(1, "a region needs at least one nameserver address"),
  })
  .strict();

export const HostSchema = z
  .object({
    name: label("host name").max(
      MAX_HOST_NAME,
      `a host name has at most ${MAX_HOST_NAME} characters (localtargets-<host> must be one DNS label)`,
    ),
    strategy: z.enum(["roundRobin", "failover"]),
    primary: label("primary").optional(),
    targets: z.record(z.string(), z.array(ipAddress)),
  })
  .strict();

export const ProbeSchema = z
  .object({
    interval: seconds("probe.interval").default(5),
    timeout: seconds("probe.timeout").default(2),
    retries: z.number().int().min(0).max(5).default(1),
  })
  .strict();

export const FailoverTimingSchema = z
  .object({
    fenceAfter: seconds("failover.fenceAfter").default(60),
    promoteAfter: seconds("failover.promoteAfter").default(300),
    margin: seconds("failover.margin").default(10),
    holdDown: seconds("failover.holdDown").default(600),
  })
  .strict();

/** A Kubernetes Secret holding TSIG key material (a `tsig-keygen` clause or bare base64). */
export const KeySecretSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "keySecret.name must be a Kubernetes Secret name"),
    key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, "keySecret.key must be a key of the Secret's data"),
    /** Defaults to the namespace the controller runs in. */
    namespace: label("keySecret.namespace").optional(),
  })
  .strict();

/** Exactly one of two alternative fields: the issue names the missing one, or the second when both are set. */
function exactlyOne(
  ctx: z.RefinementCtx,
  fields: readonly [name: string, value: unknown][],
  message: (none: boolean) => string,
): void {
  const [[a, av], [b, bv]] = fields as [[string, unknown], [string, unknown]];
  if ((av === undefined) === (bv === undefined))
    ctx.addIssue({ code: "custom", path: [av === undefined ? a : b], message: message(av === undefined) });
}

/** Key ids of heartbeat keys and lease-witness TSIG keys (the same rule as heartbeat-record.ts KEY_ID). */
const KEY_ID = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
const keyId = (what: string) =>
  z
    .string()
    .regex(KEY_ID, `${what} must be 1-32 characters of a-z, 0-9 and '-', not starting or ending with '-'`);

/**
 * Duplicate ids and the signing key of a key list (heartbeatKeys, a lease witness's keys).
 * Why `signWith` is required as soon as there are two keys: "the newest signs" would make the
 * first step of a rotation (adding the new key) start signing with it at once, before every other
 * region has it, and those regions would reject this one's heartbeats. The rotation runbooks add
 * the key first, switch `signWith` second, remove the old key last.
 */
function keyListIssues(
  ids: readonly string[],
  signWith: string | undefined,
  listField: string,
  ctx: z.RefinementCtx,
  base: (string | number)[] = [],
): void {
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i)
      ctx.addIssue({
        code: "custom",
        path: [...base, listField, i, "id"],
        message: `key id "${id}" is listed twice`,
      });
  });
  if (signWith !== undefined && !ids.includes(signWith))
    ctx.addIssue({
      code: "custom",
      path: [...base, "signWith"],
      message: `signWith "${signWith}" is not one of the listed key ids (${ids.join(", ")})`,
    });
  if (signWith === undefined && ids.length > 1)
    ctx.addIssue({
      code: "custom",
      path: [...base, "signWith"],
      message: `${ids.length} keys are listed: set signWith to the id of the one that signs (during a rotation: the old one until every region has the new one)`,
    });
}

/** The heartbeat keys with ids (rotation without downtime; runbooks/rotate-heartbeat-key.md). */
export const HeartbeatKeysSchema = z
  .object({
    /** The id of the key that signs this region's heartbeats; required when several are listed. */
    signWith: z.string().optional(),
    /** Every key a peer's heartbeat may be signed with. */
    keys: z
      .array(
        z
          .object({
            id: keyId("heartbeatKeys.keys[].id"),
            /** A file holding the secret (≥ 16 bytes), relative to the configuration file. */
            file: z.string().min(1, "file must name a file holding the key"),
          })
          .strict(),
      )
      .min(1, "heartbeatKeys needs at least one key"),
  })
  .strict()
  .superRefine((k, ctx) =>
    keyListIssues(
      k.keys.map((x) => x.id),
      k.signWith,
      "keys",
      ctx,
    ),
  );

/** One more TSIG key of a lease witness, for rotation (runbooks/rotate-tsig-key.md). */
export const TsigKeySchema = z
  .object({
    id: keyId("keys[].id"),
    keyName: dnsName,
    keyFile: z.string().min(1).optional(),
    keySecret: KeySecretSchema.optional(),
  })
  .strict()
  .superRefine((k, ctx) =>
    exactlyOne(
      ctx,
      [
        ["keyFile", k.keyFile],
        ["keySecret", k.keySecret],
      ],
      () => "set exactly one of keyFile or keySecret {name, key} for this key",
    ),
  );

export const LeaseWitnessSchema = z
  .object({
    /** Shown in status, logs and errors; defaults to the address. */
    name: label("lease witness name").optional(),
    address: endpoint,
    zone: dnsName,
    algorithm: z.enum(["hmac-sha256"]).default("hmac-sha256"),
    /** The one TSIG key: `keyName` with its material from a file (relative to the config) ... */
    keyName: dnsName.optional(),
    keyFile: z.string().min(1).optional(),
    /** ... or from a Kubernetes Secret: exactly one of the two. */
    keySecret: KeySecretSchema.optional(),
    /** Or several TSIG keys with ids (rotation): `signWith` names the one that signs. */
    keys: z.array(TsigKeySchema).min(1, "keys needs at least one key").optional(),
    signWith: z.string().optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (w.keys !== undefined) {
      for (const f of ["keyName", "keyFile", "keySecret"] as const)
        if (w[f] !== undefined)
          ctx.addIssue({
            code: "custom",
            path: [f],
            message: `${f} belongs to the single-key form; with keys [...] put it in each key`,
          });
      keyListIssues(
        w.keys.map((k) => k.id),
        w.signWith,
        "keys",
        ctx,
      );
      return;
    }
    if (w.signWith !== undefined)
      ctx.addIssue({ code: "custom", path: ["signWith"], message: "signWith needs a keys [...] list" });
    if (w.keyName === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["keyName"],
        message: "is required (the TSIG key's name), unless keys [...] lists the keys",
      });
    exactlyOne(
      ctx,
      [
        ["keyFile", w.keyFile],
        ["keySecret", w.keySecret],
      ],
      () =>
        "set exactly one of keyFile (a file holding the TSIG key) or keySecret {name, key} (a Kubernetes Secret holding it)",
    );
  });

export const LeaseSchema = z
  .object({
    ttl: seconds("lease.ttl").default(30),
    margin: seconds("lease.margin").default(5),
    maxClockDrift: z.number().min(0).max(0.1).default(0.01),
    /**
     * DESIGN §5, after Patroni's failsafe_mode: a primary whose lease renewal fails keeps its gate
     * open past the lease's expiry only while every peer region answers it directly and reports
     * that it cannot reach a majority of the lease witnesses either (docs/lease-witnesses.md).
     */
    failsafe: z.boolean({ error: "lease.failsafe must be true or false" }).default(false),
    witnesses: z.array(LeaseWitnessSchema).min(3, "lease mode needs at least 3 lease witnesses"),
  })
  .strict();

/** Response rate limiting on the responder's UDP answers (src/dns/rate-limit.ts). */
const RATE_LIMIT_DEFAULTS = {
  enabled: true,
  responsesPerSecond: 20,
  nxdomainsPerSecond: 10,
  errorsPerSecond: 10,
  slip: 2,
  ipv4PrefixLength: 24,
  ipv6PrefixLength: 56,
  tableSize: 65536,
};

export const RateLimitSchema = z
  .object({
    /** On by default: an authoritative server on the internet must not be a reflection amplifier. */
    enabled: z.boolean().default(RATE_LIMIT_DEFAULTS.enabled),
    /** Positive answers per second per client prefix; 0 = unlimited. */
    responsesPerSecond: z.number().min(0).default(RATE_LIMIT_DEFAULTS.responsesPerSecond),
    nxdomainsPerSecond: z.number().min(0).default(RATE_LIMIT_DEFAULTS.nxdomainsPerSecond),
    errorsPerSecond: z.number().min(0).default(RATE_LIMIT_DEFAULTS.errorsPerSecond),
    /** Every slip-th limited answer goes out truncated (TC=1); 0 = drop all, 1 = truncate all. */
    slip: z.number().int().min(0).max(10).default(RATE_LIMIT_DEFAULTS.slip),
    ipv4PrefixLength: z.number().int().min(8).max(32).default(RATE_LIMIT_DEFAULTS.ipv4PrefixLength),
    ipv6PrefixLength: z.number().int().min(16).max(128).default(RATE_LIMIT_DEFAULTS.ipv6PrefixLength),
    /** Token buckets kept (memory is fixed: about 24 bytes each). */
    tableSize: z
      .number()
      .int()
      .min(16)
      .max(1 << 22)
      .default(RATE_LIMIT_DEFAULTS.tableSize),
  })
  .strict();

const TCP_DEFAULTS = { maxConnections: 512, idleTimeout: 10, maxQueriesPerConnection: 1000 };

/** Bounds on the responder's TCP side (RFC 7766 §6.2.3): applied at start. */
export const TcpLimitsSchema = z
  .object({
    maxConnections: z.number().int().min(1).max(65535).default(TCP_DEFAULTS.maxConnections),
    /** Seconds a connection may stay idle, or stall mid-message, before it is closed. */
    idleTimeout: seconds("tcp.idleTimeout").default(TCP_DEFAULTS.idleTimeout),
    maxQueriesPerConnection: z.number().int().min(1).default(TCP_DEFAULTS.maxQueriesPerConnection),
  })
  .strict();

/**
 * An http(s) URL to POST notifications to: a host name or bracketed IPv6 address, an optional port
 * and path. A pattern (RE2-compatible), so the generated JSON Schema, and with it `helm install`,
 * rejects a bad URL with the field named too.
 */
const HTTP_URL =
  /^https?:\/\/([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?([/?#]\S*)?$/;
const httpUrl = z
  .string()
  .regex(HTTP_URL, "must be an http:// or https:// URL, e.g. http://alertmanager.monitoring:9093");

const NOTIFICATION_DEFAULTS = { timeout: 5, maxRetries: 3, queueSize: 100, retryBackoff: 1 };

/**
 * Optional event notifications (src/notify/notifier.ts): promotions, demotions and fences posted
 * to Alertmanager's v2 API and to generic JSON webhooks, retried, never blocking a decision.
 */
export const NotificationsSchema = z
  .object({
    /** Alertmanager base URLs; alerts go to <url>/api/v2/alerts. */
    alertmanager: z.array(httpUrl).default([]),
    /** URLs that receive one JSON object per event. */
    webhooks: z.array(httpUrl).default([]),
    timeout: seconds("notifications.timeout").max(60).default(NOTIFICATION_DEFAULTS.timeout),
    maxRetries: z.number().int().min(0).max(10).default(NOTIFICATION_DEFAULTS.maxRetries),
    /** Pending notifications per destination; beyond it the oldest is dropped (and counted). */
    queueSize: z.number().int().min(1).max(10_000).default(NOTIFICATION_DEFAULTS.queueSize),
    /** First wait before a retry, in seconds; doubles per retry, at most 60 s. */
    retryBackoff: seconds("notifications.retryBackoff").max(60).default(NOTIFICATION_DEFAULTS.retryBackoff),
  })
  .strict();

export const ConfigSchema = z
  .object({
    zone: dnsName.refine(
      (z) => z.length <= MAX_ZONE_NAME,
      `the zone name has at most ${MAX_ZONE_NAME} characters (heartbeat names below it must fit 255 octets)`,
    ),
    region: label("region"),
    ttl: z.number().int().min(0).max(86_400).default(30),
    negativeTtl: z.number().int().min(0).max(86_400).default(5),
    /** The old single heartbeat key (no key id) ... */
    heartbeatKeyFile: z
      .string()
      .min(1, "heartbeatKeyFile must name a file holding the shared secret")
      .optional(),
    /** ... or keys with ids, for rotation: exactly one of the two. */
    heartbeatKeys: HeartbeatKeysSchema.optional(),
    regions: z.array(RegionSchema).min(1, "at least one region is needed"),
    hosts: z.array(HostSchema).default([]),
    witnesses: z.array(endpoint).min(1).default(["8.8.8.8", "1.1.1.1", "9.9.9.9"]),
    safety: z.enum(["witness", "lease", "manual"]).default("witness"),
    probe: ProbeSchema.default({ interval: 5, timeout: 2, retries: 1 }),
    failover: FailoverTimingSchema.default({ fenceAfter: 60, promoteAfter: 300, margin: 10, holdDown: 600 }),
    lease: LeaseSchema.optional(),
    rateLimit: RateLimitSchema.default(RATE_LIMIT_DEFAULTS),
    tcp: TcpLimitsSchema.default(TCP_DEFAULTS),
    notifications: NotificationsSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    exactlyOne(
      ctx,
      [
        ["heartbeatKeyFile", c.heartbeatKeyFile],
        ["heartbeatKeys", c.heartbeatKeys],
      ],
      (none) =>
        none
          ? "is required: a file holding the shared heartbeat secret (or heartbeatKeys {signWith, keys: [{id, file}]} for keys with ids)"
          : "set heartbeatKeyFile or heartbeatKeys, not both (heartbeatKeys replaces heartbeatKeyFile: list the same file under an id)",
    );
    const names = c.regions.map((r) => r.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.addIssue({
          code: "custom",
          path: ["regions", i, "name"],
          message: `region "${n}" is listed twice`,
        });
    });
    if (!names.includes(c.region))
      ctx.addIssue({
        code: "custom",
        path: ["region"],
        message: `region "${c.region}" is not one of the configured regions (${names.join(", ")})`,
      });
    const hostNames = c.hosts.map((h) => h.name);
    c.hosts.forEach((h, i) => {
      if (hostNames.indexOf(h.name) !== i)
        ctx.addIssue({
          code: "custom",
          path: ["hosts", i, "name"],
          message: `host "${h.name}" is listed twice`,
        });
      const reserved = reservedHostReason(h.name, names);
      if (reserved) ctx.addIssue({ code: "custom", path: ["hosts", i, "name"], message: reserved });
      for (const r of Object.keys(h.targets)) {
        if (!names.includes(r))
          ctx.addIssue({
            code: "custom",
            path: ["hosts", i, "targets", r],
            message: `"${r}" is not a configured region (${names.join(", ")})`,
          });
      }
      // Every answer must fit one TCP message (65,535 octets; an AAAA record is 28): at most 2,000
      // addresses in any one answer.
      const total = Object.values(h.targets).reduce((n, ips) => n + ips.length, 0);
      if (total > 2000)
        ctx.addIssue({
          code: "custom",
          path: ["hosts", i, "targets"],
          message: `${total} target addresses; at most 2,000 fit one DNS answer`,
        });
      if (h.strategy === "failover") {
        if (h.primary === undefined)
          ctx.addIssue({
            code: "custom",
            path: ["hosts", i, "primary"],
            message: "a failover host needs `primary`: the region that serves it",
          });
        else if (!names.includes(h.primary))
          ctx.addIssue({
            code: "custom",
            path: ["hosts", i, "primary"],
            message: `"${h.primary}" is not a configured region (${names.join(", ")})`,
          });
      } else if (h.primary !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["hosts", i, "primary"],
          message: "`primary` applies only to strategy failover",
        });
      }
    });
    if (c.safety === "lease" && c.lease === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["lease"],
        message: "safety lease needs a `lease` section with at least 3 lease witnesses",
      });
    for (const issue of timingIssues(c)) ctx.addIssue({ code: "custom", ...issue });
  });

/** Names inside Z that splitguard itself owns; a host may not shadow them. */
function reservedHostReason(name: string, regions: readonly string[]): string | undefined {
  if (name === "hb") return `host name "hb" is reserved for the heartbeat subzones`;
  if (name.startsWith("localtargets-")) return `host names may not start with "localtargets-" (reserved)`;
  for (const r of regions)
    if (name === `ns-${r}`) return `host name "${name}" is reserved for region ${r}'s nameserver`;
  return undefined;
}

export interface TimingInput {
  readonly probe: { readonly interval: number; readonly timeout: number };
  readonly failover: { readonly fenceAfter: number; readonly promoteAfter: number; readonly margin: number };
  readonly safety: "witness" | "lease" | "manual";
  readonly lease?:
    | { readonly ttl: number; readonly margin: number; readonly maxClockDrift: number }
    | undefined;
}

/**
 * The timing rules of DESIGN §5, with the numbers in the message.
 *
 * Why: the old primary must have fenced itself before any standby can decide to promote. The
 * primary fences `fenceAfter` after it last saw self-quorum; the standby's evidence of loss can be
 * up to two probe rounds (interval + timeout each) older or newer than the primary's own view.
 * Without the margin, a primary that loses quorum at the same instant as the standby starts its
 * timer could still be writable when the standby promotes (invariant 2).
 */
export function timingIssues(c: TimingInput): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const { interval, timeout } = c.probe;
  const { fenceAfter, promoteAfter, margin } = c.failover;
  if (timeout >= interval)
    out.push({
      path: ["probe", "timeout"],
      message: `probe.timeout (${timeout}s) must be shorter than probe.interval (${interval}s) so rounds do not overlap`,
    });
  const need = fenceAfter + 2 * interval + 2 * timeout + margin;
  if (promoteAfter < need)
    out.push({
      path: ["failover", "promoteAfter"],
      message:
        `failover.promoteAfter (${promoteAfter}s) must be at least fenceAfter + 2*probe.interval + 2*probe.timeout + margin` +
        ` = ${fenceAfter} + 2*${interval} + 2*${timeout} + ${margin} = ${need}s, so the old primary fences before a standby promotes`,
    });
  if (c.lease) {
    // Lease rule (lease-core.ts has the whole argument). A holder believes it holds until S + ttl on
    // its own clock, S being the start of its last majority-successful renewal; with clock rates
    // within 1 ± d that lasts up to ttl/(1-d) real time, and its gate needs up to probe.timeout more
    // to close. A contender first sees the value no earlier than S and waits ttl + margin on its own
    // clock, at least (ttl + margin)/(1+d) real time. So (ttl + margin)/(1+d) >= ttl/(1-d) + timeout,
    // i.e. margin >= 2*ttl*d/(1-d) + timeout*(1+d). Without it a contender could promote while the
    // old holder's gate is still open.
    const { ttl, margin: lm, maxClockDrift: d } = c.lease;
    const needMargin = (2 * ttl * d) / (1 - d) + timeout * (1 + d);
    if (lm < needMargin)
      out.push({
        path: ["lease", "margin"],
        message: `lease.margin (${lm}s) must cover clock drift and closing the gate: 2*ttl*d/(1-d) + probe.timeout*(1+d) = 2*${ttl}*${d}/(1-${d}) + ${timeout}*(1+${d}) = ${needMargin.toFixed(2)}s`,
      });
    if (ttl / 3 <= 2 * timeout)
      out.push({
        path: ["lease", "ttl"],
        message: `lease.ttl (${ttl}s) must allow a renewal every ttl/3 (${(ttl / 3).toFixed(2)}s) longer than two operation timeouts (2*${timeout}s)`,
      });
  }
  return out;
}

export type ConfigInput = z.input<typeof ConfigSchema>;
export type Config = z.output<typeof ConfigSchema>;
export type RegionConfig = z.output<typeof RegionSchema>;
export type HostConfig = z.output<typeof HostSchema>;
export type LeaseWitnessConfig = z.output<typeof LeaseWitnessSchema>;
export type NotificationsConfig = z.output<typeof NotificationsSchema>;
