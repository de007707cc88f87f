// `splitguard explain`, the words: a pure function of a FailoverService as status-view.ts reads it
// (plus its overrides and the time), saying why the region has its role, what each witness and peer
// said in the last round, which timer runs, and what would change the decision. The conditions
// named here are the state machine's guards (docs/state-machine.md); keep them in step.
import { formatDuration } from "./duration.ts";
import {
  configuredWitnesses,
  type OverrideView,
  quorumOf,
  type ServiceView,
  stamp,
  utc,
} from "./status-view.ts";

function roleSentence(v: ServiceView, state: string): string {
  const p = v.primary ?? "the primary";
  const at = v.epoch !== undefined ? ` at epoch ${v.epoch}` : "";
  switch (state) {
    case "primary.serving":
    case "primary":
      return `primary${at}: serving writes, readiness gate open`;
    case "primary.atRisk":
      return `primary${at}, at risk: still serving while the fence deadline runs`;
    case "fenced":
      return `fenced${at}: gate closed and CNPG fenced, because it may have been superseded`;
    case "standby.following":
    case "standby":
      return `standby${at}, following ${p}`;
    case "standby.suspecting":
      return `standby${at}, suspecting that ${p} is lost`;
    case "standby.acquiring":
      return `standby${at}, contending for the lease before promoting`;
    case "standby.promoting":
    case "promoting":
      return `promoting${at}: waiting for CNPG to report the local cluster primary`;
    case "demoting":
      return `demoting${at}: handing over to ${v.switchoverTarget ?? "the switchover target"}`;
    case "frozen":
      return `frozen${at}: a freeze override holds every automatic transition`;
    case "stateless.serving":
      return "stateless (roundRobin, no CNPG cluster): this region answers with its own targets and those of every peer it sights with targets; nothing is promoted, fenced or gated";
    case "stateless.noTargets":
      return "stateless (roundRobin, no CNPG cluster), without targets: this region is left out of every answer";
    default:
      return `${state}${at}`;
  }
}

const downVotes = (v: ServiceView, region: string) =>
  v.witnesses.filter((w) => w.peers[region] === "down").length;
const selfOk = (v: ServiceView) => v.witnesses.filter((w) => w.self === "ok").length;

function evidenceLines(v: ServiceView, now: number): string[] {
  const out: string[] = [];
  const q = quorumOf(v);
  if (v.witnesses.length > 0) {
    out.push(
      `  witnesses (quorum ${q ?? "?"} of ${configuredWitnesses(v)} configured; unknown never counts):`,
    );
    const width = Math.max(...v.witnesses.map((w) => w.name.length));
    for (const w of v.witnesses) {
      const votes = Object.entries(w.peers).map(([r, vote]) => `${r} ${vote}`);
      out.push(
        `    ${w.name.padEnd(width)}  reaches ${v.self ?? "this region"}: ${w.self ?? "-"}${votes.length ? `; votes ${votes.join(", ")}` : ""}`,
      );
    }
  } else if (v.quorum) out.push(`  witnesses: ${v.quorum.answering} of ${v.quorum.configured} answering`);
  if (v.peers.length > 0) {
    out.push("  peers:");
    for (const p of v.peers) {
      const parts = [
        p.seen ? `seen ${p.seen}` : undefined,
        p.direct === undefined ? undefined : p.direct ? "answered directly" : "no direct answer",
        p.lostSince !== undefined ? `lost every round since ${stamp(p.lostSince, now)}` : undefined,
        // A stateless service's heartbeat says primary at epoch 0 for "serving": only the gate means anything.
        v.state?.startsWith("stateless.") && p.gate
          ? p.gate === "open"
            ? "last reported targets (in the answer)"
            : "last reported no targets (left out)"
          : p.role
            ? `last reported ${p.role}${p.epoch !== undefined ? ` at epoch ${p.epoch}` : ""}${p.gate ? `, gate ${p.gate}` : ""}`
            : undefined,
        p.votes ??
          (v.witnesses.length
            ? `${downVotes(v, p.region)} of ${configuredWitnesses(v)} witnesses vote it down`
            : undefined),
      ].filter(Boolean);
      out.push(`    ${p.region}: ${parts.join("; ") || "-"}`);
    }
  }
  if (v.lease)
    out.push(
      `  lease: ${v.lease.holder ? `held by ${v.lease.holder}` : "holder unknown"}${v.lease.epoch !== undefined ? ` at epoch ${v.lease.epoch}` : ""}${v.lease.holdUntil ? `, counted held until ${utc(v.lease.holdUntil, now)}` : ""}${v.lease.reason ? ` (${v.lease.reason})` : ""}`,
    );
  if (v.conditions.length) {
    out.push("  conditions:");
    for (const c of v.conditions) out.push(`    ${c.type} ${c.status}${c.message ? `: ${c.message}` : ""}`);
  }
  return out;
}

function changeLines(
  v: ServiceView,
  state: string,
  overrides: readonly OverrideView[],
  now: number,
): string[] {
  const p = v.primary ?? "the primary";
  const q = quorumOf(v);
  const w = configuredWitnesses(v);
  const ofW = q !== undefined && w ? `${q} of ${w}` : "a quorum of";
  const promoteAfter = formatDuration(v.timing.promoteAfterS * 1000);
  const lease = v.safety === "lease";
  const self = v.self ?? "this region";
  switch (state) {
    case "frozen": {
      const freeze = overrides.filter((o) => o.action === "freeze" && o.phase === "Applied").at(-1);
      return [
        `Nothing automatic happens while frozen: no promotion, demotion or fencing decision.`,
        `\`splitguard override release ${v.name}${v.namespace ? ` -n ${v.namespace}` : ""} --reason TEXT\` ends the freeze; the controller then re-derives the role from CNPG as after a restart.`,
        ...(freeze?.expiresAt
          ? [`The freeze ${freeze.name} ends by itself at ${stamp(freeze.expiresAt, now)}.`]
          : []),
      ];
    }
    case "standby.following":
    case "standby":
      if (v.safety === "manual")
        return [
          `Safety mode manual: ${self} never promotes by itself; only \`splitguard override promote ${v.name} --region ${self}\` promotes it.`,
        ];
      return [
        `The promotion timer (promoteAfter ${promoteAfter}) would start when ${ofW} witnesses vote ${p} down in one round and no path sights it${v.witnesses.length ? ` (now ${downVotes(v, p)} of ${w} vote it down)` : ""}.`,
        `Promotion would follow ${promoteAfter} later if that holds every round, ${self} keeps its self-quorum and its replica stays healthy${lease ? ", and only after it acquired the lease" : ""}.`,
      ];
    case "standby.suspecting": {
      const at = v.timer?.deadline;
      return [
        `Promotion would happen ${at ? `at ${stamp(at, now)},` : `after promoteAfter (${promoteAfter})`} if ${p} stays unreachable from ${ofW} witnesses every round and is sighted by no path, ${self} keeps its self-quorum (${ofW} witnesses must reach it; now ${selfOk(v)} do) and its replica stays healthy${lease ? ", and then only once it holds the lease" : ""}.`,
        `Any sighting of ${p} (through a witness or directly) sends it back to following and resets the timer.`,
        ...(v.safety === "manual"
          ? ["Safety mode manual: the timer only informs; promotion needs an override."]
          : []),
      ];
    }
    case "standby.acquiring":
      return [
        `It promotes once it acquires the lease: the lease record must stay unchanged on a majority of lease witnesses for ttl + margin, then its compare-and-swap must win.`,
        `Any sighting of ${p} ends the contention and it goes back to following.`,
      ];
    case "standby.promoting":
    case "promoting":
      return [
        "It becomes primary, and opens the gate, when CNPG reports the local cluster primary and unfenced.",
      ];
    case "primary.serving":
    case "primary":
      return lease
        ? [
            `It would go at risk if a lease renewal failed on a majority of lease witnesses; it fences at the lease's expiry${v.lease?.holdUntil ? ` (${stamp(v.lease.holdUntil, now)}, unless renewed)` : ""}.`,
            "A peer holding the lease at a newer epoch would make it follow that peer.",
          ]
        : [
            `It would go at risk if fewer than ${ofW} witnesses reached it (now ${selfOk(v)}) and not every peer acknowledged it directly; it would fence fenceAfter (${formatDuration(v.timing.fenceAfterS * 1000)}) after its last healthy round.`,
            "A peer claiming primary at a newer epoch would make it follow that peer.",
          ];
    case "primary.atRisk": {
      const at = v.timer?.deadline;
      return [
        `It fences ${at ? `at ${stamp(at, now)},` : `after fenceAfter (${formatDuration(v.timing.fenceAfterS * 1000)})`} unless ${lease ? "a lease renewal succeeds on a majority before then" : `${ofW} witnesses reach it again (now ${selfOk(v)}) or every peer acknowledges it directly`}.`,
      ];
    }
    case "fenced":
      return [
        lease
          ? "It serves again only after re-winning its own lease record."
          : `It serves again only after being healthy for two rounds with every peer reporting a claim no newer than epoch ${v.epoch ?? "?"}.`,
        "If a peer reports a newer epoch it follows that peer instead; its data may have diverged, so re-clone it before it rejoins.",
      ];
    case "stateless.serving":
      return [
        "This region leaves every answer in the first round its target source gives no address; a peer leaves this region's answer in the first round no path sights it.",
      ];
    case "stateless.noTargets":
      return ["This region joins every answer in the first round its target source gives an address."];
    case "demoting":
      return [
        `Complete when ${v.switchoverTarget ?? "the target"} promotes with the published demotion token and reports a newer epoch; ${self} then follows it.`,
      ];
    default:
      return [];
  }
}

export function explainService(v: ServiceView, overrides: readonly OverrideView[], now: number): string {
  const title = `${v.name}${v.host ? ` (host ${v.host})` : ""}${v.self ? ` in region ${v.self}` : ""}${v.namespace ? `, namespace ${v.namespace}` : ""}, safety ${v.safety}`;
  if (!v.hasStatus)
    return `${title}\n\nNo status yet: no splitguard controller has reconciled this service in this cluster. Is the controller running for this namespace (splitguard controller --region R)?\n`;
  const state = v.state ?? v.role ?? "unknown";
  const lines = [title, "", `Role: ${roleSentence(v, state)}.`];
  if (v.stale)
    lines.push("Note: this status describes an older spec generation; the controller has not caught up yet.");
  if (v.decision?.reason) {
    const at = v.decision.at !== undefined ? ` (decided at ${stamp(v.decision.at, now)})` : "";
    lines.push(`Why: ${v.decision.action ? `${v.decision.action}: ` : ""}${v.decision.reason}${at}.`);
  }
  const ev = evidenceLines(v, now);
  const round = v.round
    ? ` (${[v.round.number !== undefined ? `round ${v.round.number}` : "", v.round.at !== undefined ? stamp(v.round.at, now) : ""].filter(Boolean).join(", ")})`
    : "";
  if (ev.length) lines.push("", `Evidence in the last round${round}:`, ...ev);
  if (v.timer) {
    const since = v.timer.since !== undefined ? ` since ${utc(v.timer.since, now)}` : "";
    lines.push(
      "",
      `Timer: ${v.timer.name} running${since}; ${v.timer.deadline !== undefined ? (v.timer.deadline > now ? `fires at ${stamp(v.timer.deadline, now)}` : `was due at ${stamp(v.timer.deadline, now)}`) : "no deadline written"}.`,
    );
  }
  const live = overrides.filter((o) => o.phase !== "Expired" && o.phase !== "Rejected");
  if (live.length) {
    lines.push("", "Overrides:");
    for (const o of live)
      lines.push(
        `  ${o.name}: ${o.action}${o.region ? ` ${o.region}` : ""} (${o.phase ?? "pending"}${o.expiresAt ? `, expires at ${stamp(o.expiresAt, now)}` : ""}): ${o.reason}`,
      );
  }
  const ch = changeLines(v, state, overrides, now);
  if (ch.length) lines.push("", "What would change it:", ...ch.map((c) => `  - ${c}`));
  return `${lines.join("\n")}\n`;
}
