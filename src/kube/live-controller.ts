// The controller process of one region (`splitguard controller`): the Kubernetes shell (informers,
// Lease leader election, the override executor), the region runtime (prober → machines →
// actuators), the authoritative responder serving the runtime's zone, and the HTTP endpoints
// (/metrics, /healthz, /readyz). docs/controller.md draws the data flow.
import { createServer, type Server } from "node:http";
import { loadLeaseKeys } from "../config/lease-keys.ts";
import type { LoadedConfig } from "../config/load.ts";
import { probePlan } from "../config/probe-plan.ts";
import type { Clock } from "../core/clock.ts";
import { LeaseDriver } from "../core/lease-driver.ts";
import { ProbeLoop } from "../core/probe-loop.ts";
import { type ProbePlan, Prober } from "../core/prober.ts";
import { dnsProbeTransport } from "../dns/probe-transport.ts";
import { ResponseRateLimiter } from "../dns/rate-limit.ts";
import { DEFAULT_LIMITS, type RunningServer, startDnsServer } from "../dns/server.ts";
import { standaloneView } from "../dns/zone-model.ts";
import type { Logger } from "../log.ts";
import { ControllerMetrics, DnsMetrics, ROLES, type Role } from "../metrics.ts";
import type { LeaseFactory } from "../runtime/actuators.ts";
import { LiveZone } from "../runtime/live-zone.ts";
import { RegionRuntime } from "../runtime/region-runtime.ts";
import { buildLeaseWitnesses } from "../shell/lease-witnesses.ts";
import { randomNonce } from "../shell/nonce.ts";
import { Controller } from "./controller.ts";
import type { KubeClient } from "./kube-client.ts";
import { KubeWorld } from "./kube-world.ts";
import { kubeSecretReader } from "./secret-reader.ts";

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface LiveControllerOptions {
  readonly loaded: LoadedConfig;
  readonly client: KubeClient;
  readonly namespace: string;
  readonly identity: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly listen: HostPort;
  readonly metrics?: HostPort | undefined;
  readonly leaseDurationS?: number;
  readonly resyncMs?: number;
  /**
   * Status is written on every change and at least this often (default STATUS_REFRESH_MS, 30 s).
   * Tests: a shorter refresh so a resumed wait's written round is never more than this behind.
   */
  readonly statusRefreshMs?: number | undefined;
  /** Tests: a prober that asks the witnesses at other ports than the config's 53. */
  readonly probePlan?: (plan: ProbePlan) => ProbePlan;
}

export interface LiveController {
  readonly controller: Controller;
  readonly runtime: RegionRuntime;
  readonly zone: LiveZone;
  readonly dns: RunningServer;
  readonly http: Server | undefined;
  readonly registry: ControllerMetrics["registry"];
  stop(): Promise<void>;
}

export async function startLiveController(o: LiveControllerOptions): Promise<LiveController> {
  const { config, heartbeatKeys } = o.loaded;
  const runtimeMetrics = new ControllerMetrics({ region: config.region, now: o.clock.now });
  const dnsMetrics = new DnsMetrics(runtimeMetrics.registry);
  const staticView = standaloneView(config);
  const zone = new LiveZone(config, heartbeatKeys.sign, staticView, o.clock.now, dnsMetrics);
  const log = o.log.child({ region: config.region });
  // The runtime is created before the controller it reads from; the cycle is closed by a getter.
  let runtime: RegionRuntime | undefined;
  const controller = new Controller({
    client: o.client,
    namespace: o.namespace,
    region: config.region,
    identity: o.identity,
    clock: o.clock,
    peers: (name) => runtime?.peerReports(name) ?? {},
    publish: (name, report) => runtime?.pin(name, report),
    // A peer report older than three probe rounds no longer proves the peer alive.
    peerAliveMs: 3 * config.probe.interval * 1000,
    handoverToMachineAfterMs: config.failover.promoteAfter * 1000,
    leaseDurationS: o.leaseDurationS ?? 15,
    resyncMs: o.resyncMs ?? 30_000,
    overridesOnly: true,
    log: (m) => log.log("info", m),
    onLeader: (leading) => runtimeMetrics.setLeader(leading),
  });
  const world = new KubeWorld({
    client: o.client,
    namespace: o.namespace,
    region: config.region,
    identity: o.identity,
    clock: o.clock,
    controller,
  });
  runtime = new RegionRuntime({
    lease: await leaseFactory(o),
    config,
    clock: o.clock,
    world,
    log,
    statusRefreshMs: o.statusRefreshMs,
    staticView,
    onZone: (view) => {
      if (zone.update(view)) log.log("debug", "zone updated", { serial: zone.serial });
    },
    observer: {
      round: (r, quorum) => runtimeMetrics.round(r, quorum),
      transition: (service, from, to) => runtimeMetrics.transition(service, from, to),
      promoted: (service) => runtimeMetrics.promoted(service),
      served: (host, records) => runtimeMetrics.served(host, records),
      forget: (def) => {
        runtimeMetrics.forgetService(def.name);
        runtimeMetrics.forgetHost(def.host);
      },
      status: (service, doc) => {
        // Mirrors of status for the alerts (charts/splitguard/files/alerts.yaml).
        const since = Date.parse(doc.restore.lastRoleChangeAt ?? doc.decision.at);
        runtimeMetrics.setFenced(
          service,
          doc.state === "fenced" ? (Number.isFinite(since) ? since : o.clock.now()) : null,
        );
        if (doc.lease) {
          const until = doc.lease.holdUntil ? Date.parse(doc.lease.holdUntil) : Number.NaN;
          runtimeMetrics.setLeaseHeld(service, doc.lease.holder === config.region && until > o.clock.now());
        }
        // A peer not sighted this round is "unknown", never its last claimed role: a failed-over
        // former primary must not read as a second primary (SplitguardTwoPrimaries).
        for (const p of doc.peers)
          runtimeMetrics.setRole(service, p.region, p.seen === "up" ? asRole(p.role) : "unknown");
      },
    },
  });
  const rt = runtime;
  // Sign with heartbeatKeys.signWith (its id named in every record) and accept every listed key:
  // during a rotation peers sign with the old or the new key (runbooks/rotate-heartbeat-key.md).
  const base = probePlan(config, heartbeatKeys.verify);
  // The services are the FailoverServices' hosts, read at every round (they come and go).
  const plan: ProbePlan = {
    ...base,
    get services() {
      return world.services().map((s) => s.host);
    },
  };
  const prober = new Prober(
    o.probePlan ? o.probePlan(plan) : plan,
    dnsProbeTransport({
      clock: o.clock,
      timeoutMs: config.probe.timeout * 1000,
      retries: config.probe.retries,
    }),
    o.clock,
    randomNonce,
  );
  const loop = new ProbeLoop(
    prober,
    o.clock,
    config.probe.interval * 1000,
    (r) => void rt.onRound(r),
    (e) => log.log("error", "probe round failed", { reason: (e as Error).message }),
  );

  const dns = await startDnsServer(zone, o.listen.host, o.listen.port, {
    rateLimiter: config.rateLimit.enabled ? new ResponseRateLimiter(config.rateLimit) : undefined,
    limits: {
      ...DEFAULT_LIMITS,
      maxTcpConnections: config.tcp.maxConnections,
      tcpIdleMs: config.tcp.idleTimeout * 1000,
      tcpMaxQueries: config.tcp.maxQueriesPerConnection,
    },
    observer: dnsMetrics,
    now: o.clock.now,
  });
  let ready = false;
  const startedAt = o.clock.now();
  const intervalMs = config.probe.interval * 1000;
  let http: Server | undefined;
  if (o.metrics) {
    http = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/metrics") {
        runtimeMetrics.registry.metrics().then(
          (body) => res.writeHead(200, { "content-type": runtimeMetrics.registry.contentType }).end(body),
          (e: Error) => res.writeHead(500).end(`${e.message}\n`),
        );
        return;
      }
      if (path === "/healthz") {
        // Alive while probe rounds keep being processed (three intervals of slack for slow rounds).
        const last = rt.lastRound ?? startedAt;
        const ok = o.clock.now() - last <= 3 * intervalMs + config.probe.timeout * 1000;
        res.writeHead(ok ? 200 : 503).end(ok ? "ok\n" : `no probe round for ${o.clock.now() - last} ms\n`);
        return;
      }
      if (path === "/readyz") {
        // Ready once the informers have listed and a round has built the zone from them.
        const ok = ready && rt.lastRound !== undefined;
        res.writeHead(ok ? 200 : 503).end(ok ? "ready\n" : "waiting for the first probe round\n");
        return;
      }
      res.writeHead(404).end("not found: /metrics, /healthz, /readyz\n");
    });
    await new Promise<void>((r) => http!.listen(o.metrics!.port, o.metrics!.host, r));
  }
  await controller.start();
  ready = true;
  loop.start();
  log.log("info", "controller running", {
    identity: o.identity,
    namespace: o.namespace,
    listen: `${dns.host}:${dns.port}`,
    ...(o.metrics ? { metrics: `${o.metrics.host}:${o.metrics.port}` } : {}),
    probeInterval: config.probe.interval,
    witnesses: config.witnesses.length,
  });
  return {
    controller,
    runtime: rt,
    zone,
    dns,
    http,
    registry: runtimeMetrics.registry,
    async stop() {
      loop.stop();
      await rt.settled().catch(() => {});
      rt.stop();
      await controller.stop(true);
      await dns.close();
      await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
      log.log("info", "controller stopped", {});
    },
  };
}

/**
 * Lease mode (DESIGN §5): one lease driver per lease-mode service over the configured RFC 2136
 * witnesses, keys from files or Secrets. Undefined without a `lease` section (lease-mode services
 * are then held, see region-runtime.ts).
 */
async function leaseFactory(o: LiveControllerOptions): Promise<LeaseFactory | undefined> {
  const { config, path } = o.loaded;
  const lease = config.lease;
  if (!lease) return undefined;
  const keys = await loadLeaseKeys(config, path, path, kubeSecretReader(o.client, o.namespace));
  const witnesses = buildLeaseWitnesses(config, keys, o.clock);
  return (svc, h) =>
    new LeaseDriver({
      params: {
        self: config.region,
        ttlMs: lease.ttl * 1000,
        marginMs: lease.margin * 1000,
        witnesses: witnesses.length,
      },
      service: svc.host,
      transports: witnesses.map((w) => w.transport),
      clock: o.clock,
      opTimeoutMs: config.probe.timeout * 1000,
      ...(h.lastAttempt ? { lastAttempt: { ...h.lastAttempt } } : {}),
      persistAttempt: h.persist,
      onView: h.onView,
    });
}

function asRole(role: string | undefined): Role {
  return (ROLES as readonly string[]).includes(role ?? "") ? (role as Role) : "unknown";
}
