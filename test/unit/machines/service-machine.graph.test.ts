// Generated paths (@xstate/graph): from every start (CNPG primary, replica, fenced, a promotion in
// flight) in every safety mode, traverse the machine with a representative set of evidence, lease,
// CNPG and timer events, and require that every state and every declared transition (source ->
// target) is reached. Then replay each shortest path on a real actor and check it ends where the
// traversal said. Time runs fast here (every clock read moves 10^7 ms), so every wait has elapsed
// by the next event; the hand-pinned tests cover the waits themselves.
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from "@xstate/graph";
import { describe, expect, it } from "vitest";
import { type AnyStateMachine, type AnyStateNode, createActor } from "xstate";
import { type ServiceEvent, type ServiceInput, serviceMachine } from "../../../machines/service-machine.ts";
import { type ServiceSnapshot, stateName } from "../../../machines/status.ts";
import type { SafetyMode } from "../../../src/core/decision.ts";
import type { CnpgStatus } from "../../../src/core/evidence.ts";
import { demotingReport, evidence, lease, primaryReport, spec, standbyReport } from "./fixtures.ts";

// @xstate/graph's ActorLogic type does not carry emitted-event types; the machine is the same.
const logic = serviceMachine as unknown as AnyStateMachine;

function warpClock() {
  let t = 0;
  return { now: () => (t += 1e7), setTimeout: () => ({}), clearTimeout: () => {} };
}

const PRIMARY: CnpgStatus = { role: "primary", fenced: false, primary: "eu" };
const REPLICA: CnpgStatus = { role: "replica", fenced: false, primary: "eu" };

function eventsFor(self: string): ServiceEvent[] {
  const peer = self === "eu" ? "us" : "eu";
  const ev = (o: Parameters<typeof evidence>[1]) => ({
    type: "EVIDENCE" as const,
    evidence: evidence(self, o),
  });
  const demoting = demotingReport(self);
  return [
    ev({ peers: { [peer]: { direct: true, report: standbyReport() } } }),
    ev({ peers: { [peer]: { direct: true, report: primaryReport() } } }),
    ev({ peers: { [peer]: { vote: "down" } } }),
    ev({ selfOk: 0, peers: { [peer]: { vote: "unknown" } } }),
    ev({ peers: { [peer]: { direct: true, report: primaryReport(9) } } }),
    ev({ peers: { [peer]: { direct: true, report: demoting } } }),
    ev({
      overrides: [{ action: "switchover", region: peer, reason: "t", id: "s" }],
      peers: { [peer]: { direct: true, report: standbyReport() } },
    }),
    ev({ overrides: [{ action: "freeze", reason: "t", id: "f" }] }),
    ev({
      overrides: [{ action: "promote", region: self, force: true, reason: "t", id: "p" }],
      peers: { [peer]: { vote: "down" } },
    }),
    { type: "LEASE", lease: lease(true, 2) },
    { type: "LEASE", lease: lease(false, 9, peer) },
    { type: "CNPG", cnpg: { role: "primary", fenced: false, primary: self } },
    { type: "CNPG", cnpg: { role: "replica", fenced: false, primary: peer } },
    { type: "CNPG", cnpg: { role: "replica", fenced: false, primary: peer, demotionToken: "tok" } },
    { type: "xstate.after.fenceDeadline.service.primary.atRisk" } as unknown as ServiceEvent,
    { type: "xstate.after.promoteAfter.service.standby.suspecting" } as unknown as ServiceEvent,
  ];
}

interface Start {
  readonly self: string;
  readonly cnpg: CnpgStatus;
  readonly promoting?: boolean;
}
const STARTS: Start[] = [
  { self: "eu", cnpg: PRIMARY },
  { self: "us", cnpg: REPLICA },
  { self: "eu", cnpg: { ...PRIMARY, fenced: true } },
  { self: "us", cnpg: REPLICA, promoting: true },
];
const MODES: SafetyMode[] = ["witness", "lease", "manual"];

function inputFor(s: Start, mode: SafetyMode): ServiceInput {
  return {
    spec: spec(s.self, mode),
    clock: warpClock(),
    cnpg: s.cnpg,
    restored: s.promoting
      ? {
          role: "promoting",
          epoch: 2,
          primary: "eu",
          lastHealthyAt: 0,
          leaseHoldUntil: 0,
          lastRoleChangeAt: null,
        }
      : undefined,
  };
}

// What a guard may read besides the state: planned, a handover in progress, CNPG's role and token.
const serializeState = (s: ServiceSnapshot) => {
  const c = s.context;
  return `${stateName(s)}|${c.planned}|${c.handoverTo}|${c.cnpg.role}|${c.cnpg.demotionToken !== undefined}`;
};

function nameOf(n: AnyStateNode): string {
  return n.path.join(".");
}

/** Every declared transition as "source -> target" (targetless ones as source -> source). */
function declaredEdges(): Set<string> {
  const out = new Set<string>();
  const visit = (n: AnyStateNode) => {
    for (const [, defs] of n.transitions)
      for (const d of defs) if (n.path.length > 0) out.add(edge(n, d.target?.[0] ?? n));
    for (const d of n.always ?? []) out.add(edge(n, d.target?.[0] ?? n));
    for (const c of Object.values(n.states)) visit(c as AnyStateNode);
  };
  const edge = (from: AnyStateNode, to: AnyStateNode) => {
    const leaf = (x: AnyStateNode): AnyStateNode => {
      const t = x.initial?.target?.[0];
      return t ? leaf(t) : x;
    };
    return `${nameOf(from)} -> ${nameOf(leaf(to))}`;
  };
  visit(serviceMachine.root);
  return out;
}

function atomicStates(): string[] {
  const out: string[] = [];
  const visit = (n: AnyStateNode) => {
    const kids = Object.values(n.states) as AnyStateNode[];
    if (kids.length === 0 && n.path.length > 0) out.push(nameOf(n));
    kids.forEach(visit);
  };
  visit(serviceMachine.root);
  return out;
}

describe("service machine, generated paths", () => {
  const observed = new Set<string>();
  const reached = new Set<string>();
  for (const mode of MODES)
    for (const s of STARTS) {
      const adj = getAdjacencyMap(logic, {
        input: inputFor(s, mode),
        events: eventsFor(s.self),
        serializeState,
      });
      for (const { state, nextState } of adjacencyMapToArray(adj)) {
        const from = stateName(state as ServiceSnapshot);
        const to = stateName(nextState as ServiceSnapshot);
        observed.add(`${from} -> ${to}`);
        // A release passes through initializing too: frozen -> X took initializing -> X.
        if (from === "frozen" && to !== "frozen") observed.add(`initializing -> ${to}`);
        reached.add(from);
        reached.add(to);
      }
      // initializing is left by `always` before the first snapshot: its edges show as start states.
      const first = stateName(createActor(serviceMachine, { input: inputFor(s, mode) }).getSnapshot());
      observed.add(`initializing -> ${first}`);
      reached.add(first);
    }

  it("reaches every state", () => {
    expect(atomicStates().filter((s) => s !== "initializing" && !reached.has(s))).toEqual([]);
  });

  it("takes every declared transition", () => {
    // A targetless transition (actions only) shows as a self-loop of its source state.
    // A transition into initializing passes straight through it (`always`): it shows as the source
    // going to wherever initializing resolved.
    const through = (e: string) => {
      const [from, to] = e.split(" -> ") as [string, string];
      return (
        to === "initializing" &&
        [...observed].some((o) => o.startsWith(`${from} -> `) && !o.endsWith(` ${from}`))
      );
    };
    const missing = [...declaredEdges()].filter((e) => !observed.has(e) && !through(e));
    expect(missing).toEqual([]);
  });

  it("replays every shortest path on a real actor to the same state", () => {
    let checked = 0;
    for (const mode of MODES)
      for (const s of STARTS) {
        const paths = getShortestPaths(logic, {
          input: inputFor(s, mode),
          events: eventsFor(s.self),
          serializeState,
        });
        for (const p of paths) {
          const input = inputFor(s, mode);
          const actor = createActor(serviceMachine, {
            input,
            clock: { setTimeout: () => ({}), clearTimeout: () => {} },
          });
          actor.start();
          for (const step of p.steps.slice(1)) actor.send(step.event);
          expect(
            stateName(actor.getSnapshot()),
            `${mode} ${s.self} ${p.steps.map((x) => x.event.type).join(" > ")}`,
          ).toBe(stateName(p.state as ServiceSnapshot));
          actor.stop();
          checked += 1;
        }
      }
    expect(checked).toBeGreaterThan(20);
  });
});
