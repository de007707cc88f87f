// `splitguard probe`: one probe round from the configured region's view (DESIGN §3), printed.
import { loadConfigFile } from "../../config/load.ts";
import { probePlan } from "../../config/probe-plan.ts";
import { type QueryOutcome, rcodeText } from "../../core/probe-votes.ts";
import { Prober } from "../../core/prober.ts";
import { peerVerdict, selfQuorum } from "../../core/witness-quorum.ts";
import { dnsProbeTransport } from "../../dns/probe-transport.ts";
import { randomNonce } from "../../shell/nonce.ts";
import { systemClock } from "../../shell/system-clock.ts";
import { defineCommand, UsageError } from "../command.ts";
import { table } from "../table.ts";

/** The heartbeat's first string without the version and nonce, shortened: what the witness relayed. */
function answerText(oc: QueryOutcome): string {
  if (oc.kind === "answer" && oc.addresses?.length) {
    const a = oc.addresses;
    return a.length > 3 ? `${a.slice(0, 3).join(" ")} … (${a.length} addresses)` : a.join(" ");
  }
  if (oc.kind !== "answer" || !oc.txt?.[0]) return "-";
  const s = oc.txt[0]
    .split(" ")
    .filter((f) => !f.startsWith("v=") && !f.startsWith("n="))
    .join(" ");
  return s.length > 72 ? `${s.slice(0, 71)}…` : s;
}

export const probe = defineCommand({
  path: ["probe"],
  summary: "run one probe round: self-quorum, each peer's verdict, every witness's answers",
  usage: "--config FILE [-o json]",
  help: `Asks every configured witness for this region's own heartbeat and for every peer's (fresh
nonce per question), and every NS address of every peer directly, exactly as one round of the
controller does. Prints the self-quorum, each peer's verdict (up: sighted by any path; down: a
down-quorum and no sighting, as the state machine counts a peer lost; unknown) and every question
with its answer, RCODE and latency.

Options:
  --config FILE     the splitguard configuration (YAML)
  -o json           machine-readable output: the evidence round and every observation

Exits 0 when the round ran (whatever it found), 1 on a runtime failure, 2 for bad usage or
configuration.`,
  options: { config: { type: "string" }, output: { type: "string", short: "o" } },
  async run({ values }, io) {
    if (!values.config) throw new UsageError("--config FILE is required");
    if (values.output !== undefined && values.output !== "json")
      throw new UsageError(`-o ${values.output}: only json is supported`);
    const loaded = loadConfigFile(values.config);
    const c = loaded.config;
    const plan = probePlan(c, loaded.heartbeatKeys.verify);
    const transport = dnsProbeTransport({
      clock: systemClock,
      timeoutMs: c.probe.timeout * 1000,
      retries: c.probe.retries,
    });
    const round = await new Prober(plan, transport, systemClock, randomNonce).probe();
    const configured = plan.witnesses.map((w) => w.name);
    const sq = selfQuorum(configured, round.evidence);
    const peers = plan.peers.map((p) => {
      const v = peerVerdict(configured, round.evidence, p.name);
      const d = round.evidence.direct[p.name];
      // The machine's rule (src/core/decision.ts): a sighting by any path outweighs a down-quorum.
      const verdict = v.up.length > 0 || d?.reachable ? "up" : v.downQuorum ? "down" : "unknown";
      return { peer: p.name, verdict, direct: d?.reachable ?? false, votes: v, detail: d?.detail };
    });
    if (values.output === "json") {
      io.out(
        `${JSON.stringify({ selfQuorum: sq, peers, evidence: round.evidence, observations: round.observations }, null, 2)}\n`,
      );
      return 0;
    }
    io.out(`region ${c.region}: ${sq.reason}\n`);
    for (const p of peers)
      io.out(
        `peer ${p.peer}: ${p.verdict} (direct ${p.direct ? "reachable" : "unreachable"}; ${p.votes.reason})\n`,
      );
    const rows = [["PATH", "SERVER", "REGION", "RCODE", "VIA", "LATENCY", "RESULT", "ANSWER"]];
    for (const o of round.observations) {
      const oc = o.outcome;
      rows.push([
        o.service ? `${o.path} ${o.service}` : o.path,
        o.server,
        o.peer ?? c.region,
        oc.kind === "answer" ? rcodeText(oc.rcode) : oc.kind,
        oc.kind === "answer" ? oc.via : "-",
        `${oc.latencyMs.toFixed(0)} ms`,
        o.judgement,
        answerText(oc),
      ]);
    }
    io.out(`\n${table(rows)}`);
    return 0;
  },
});
