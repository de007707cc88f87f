// Evidence builders and a hand-driven clock for the service machine tests.
import { createActor } from "xstate";
import type { Intent } from "../../../machines/intents.ts";
import { type RestoredStatus, serviceMachine } from "../../../machines/service-machine.ts";
import { stateName } from "../../../machines/status.ts";
import type { SafetyMode, ServiceSpec } from "../../../src/core/decision.ts";
import type {
  CnpgStatus,
  Override,
  PeerServiceReport,
  ServiceEvidence,
  Vote,
} from "../../../src/core/evidence.ts";
import type { LeaseView } from "../../../src/core/lease-core.ts";

export const W = ["w1", "w2", "w3"];

export function spec(region: string, safety: SafetyMode = "witness", regions = ["eu", "us"]): ServiceSpec {
  return {
    service: "db",
    region,
    regions,
    witnesses: W,
    safety,
    timing: {
      probeIntervalMs: 5_000,
      probeTimeoutMs: 2_000,
      fenceAfterMs: 60_000,
      promoteAfterMs: 84_000,
      holdDownMs: 600_000,
    },
  };
}

export interface PeerView {
  vote?: Vote;
  direct?: boolean;
  report?: PeerServiceReport | undefined;
}

export const standbyReport = (epoch = 1): PeerServiceReport => ({
  role: "standby",
  epoch,
  gate: "closed",
  localTargets: [],
});
export const primaryReport = (epoch = 1): PeerServiceReport => ({
  role: "primary",
  epoch,
  gate: "open",
  localTargets: [],
});

export function evidence(
  region: string,
  o: {
    selfOk?: number;
    peers?: Record<string, PeerView>;
    cnpg?: CnpgStatus;
    replicaHealthy?: boolean;
    overrides?: Override[];
  } = {},
): ServiceEvidence {
  const selfOk = o.selfOk ?? 3;
  const peers = o.peers ?? {};
  return {
    service: "db",
    region,
    round: 0,
    startedAt: 0,
    completedAt: 0,
    witnesses: W.map((w, i) => ({
      witness: w,
      self: i < selfOk ? "ok" : "fail",
      peers: Object.fromEntries(
        Object.entries(peers).map(([p, v]) => {
          const vote = v.vote ?? "up";
          const hb = v.report ? { region: p, incarnation: 1, services: { db: v.report } } : undefined;
          return [p, { vote, heartbeat: vote === "up" ? hb : undefined }];
        }),
      ),
    })),
    direct: Object.fromEntries(
      Object.entries(peers).map(([p, v]) => [
        p,
        v.direct
          ? {
              reachable: true,
              heartbeat: v.report ? { region: p, incarnation: 1, services: { db: v.report } } : undefined,
            }
          : { reachable: false },
      ]),
    ),
    local: { replicaHealthy: o.replicaHealthy ?? true, cnpg: o.cnpg ?? { role: "unknown", fenced: false } },
    overrides: o.overrides ?? [],
  };
}

export const lease = (
  held: boolean,
  epoch = 1,
  holder: string | null = null,
  holdUntil = 1e12,
): LeaseView => ({
  held,
  holdUntil: held ? holdUntil : null,
  epoch,
  holder: held ? null : holder,
  maxEpochSeen: epoch,
  lastWriteOk: held,
  reachesMajority: true,
  reason: held ? "held" : "not held",
});

/** An actor on a clock the test moves by hand; intents are collected in order. */
export function harness(
  region: string,
  o: {
    safety?: SafetyMode;
    regions?: string[];
    cnpg: CnpgStatus;
    restored?: RestoredStatus;
    at?: number;
    /** Lease mode with lease.failsafe on, acknowledgements counting for this ttl. */
    failsafeTtlMs?: number;
    /** Instead of the fixture's 84 s (the timing rule's minimum with margin 10 s). */
    promoteAfterMs?: number;
  },
) {
  let now = o.at ?? 0;
  const timers: { at: number; fn: () => void; h: object }[] = [];
  const clock = {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => {
      const h = {};
      timers.push({ at: now + ms, fn, h });
      return h;
    },
    clearTimeout: (h: unknown) => {
      const i = timers.findIndex((t) => t.h === h);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const base = spec(region, o.safety, o.regions);
  const actor = createActor(serviceMachine, {
    input: {
      spec: {
        ...base,
        ...(o.promoteAfterMs === undefined
          ? {}
          : { timing: { ...base.timing, promoteAfterMs: o.promoteAfterMs } }),
        ...(o.failsafeTtlMs === undefined ? {} : { leaseFailsafe: { ttlMs: o.failsafeTtlMs } }),
      },
      clock,
      cnpg: o.cnpg,
      restored: o.restored,
    },
    clock,
  });
  const intents: Intent[] = [];
  actor.on("*", (e) => intents.push(e as Intent));
  actor.start();
  return {
    actor,
    intents,
    state: () => stateName(actor.getSnapshot()),
    ctx: () => actor.getSnapshot().context,
    /** Move the clock, firing due timers in order. */
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > until) break;
        timers.shift();
        now = t.at;
        t.fn();
      }
      now = until;
    },
    send(ev: ServiceEvidence) {
      actor.send({ type: "EVIDENCE", evidence: ev });
    },
    /** One probe round every 5 s for `ms`, each with this evidence. */
    rounds(ms: number, ev: ServiceEvidence) {
      for (let t = 0; t < ms; t += 5_000) {
        this.advance(5_000);
        this.send(ev);
      }
    },
    types: () => intents.map((i) => i.type),
  };
}

/** A primary in a planned switchover to `to`, publishing its CNPG demotion token. */
export const demotingReport = (to: string, epoch = 1): PeerServiceReport => ({
  role: "demoting",
  epoch,
  gate: "closed",
  localTargets: [],
  demotionToken: "tok",
  handoverTo: to,
});
