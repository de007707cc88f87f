// Measures what DESIGN §3 asks about a real unbound witness (docs/prober.md quotes the figures):
//   1. give-up: after a peer's responder stops, how long until the witness answers SERVFAIL for a
//      fresh name under its heartbeat subzone (asked every 2 s, 4 s client timeout, like a prober);
//   2. memory: after the responder comes back, how long the witness keeps failing from its infra
//      cache before it asks the server again and relays a valid heartbeat.
// Run: npm run measure:unbound  (UNBOUND_EXTRA="infra-cache-max-rtt: 1000" to try a setting;
// MEASURE_MAX_S caps each phase, default 300). Prints figures, asserts nothing.
import { decodeMessage } from "../../src/dns/message.ts";
import { randomNonce } from "../../src/shell/nonce.ts";
import { buildQuery, udpExchange } from "../support/dns-client.ts";
import { WITNESSES, WitnessWorld, ZONE } from "./support/world.ts";

const W = WITNESSES[0];
const maxS = Number(process.env.MEASURE_MAX_S ?? 300);
const extra = (process.env.UNBOUND_EXTRA ?? "").split(";").filter((l) => l.trim());

async function ask(region: string): Promise<number | "timeout"> {
  const q = buildQuery({
    name: `${randomNonce()}.${region}.hb.${ZONE}`,
    type: 16,
    rd: true,
    id: Math.floor(Math.random() * 65535),
  });
  const r = await udpExchange(W, 53, q, 4000);
  return r ? decodeMessage(r).rcode : "timeout";
}

/** Ask every 2 s until `done(rcode)`; returns the history and the seconds until done. */
async function until(done: (r: number | "timeout") => boolean): Promise<{ s?: number; seen: string }> {
  const t0 = performance.now();
  const seen: string[] = [];
  while ((performance.now() - t0) / 1000 < maxS) {
    const sent = (performance.now() - t0) / 1000;
    const r = await ask("b");
    seen.push(`${sent.toFixed(0)}s:${r === "timeout" ? "T" : r === 2 ? "SF" : r}`);
    if (done(r)) return { s: Math.round((performance.now() - t0) / 100) / 10, seen: seen.join(" ") };
    await new Promise((res) => setTimeout(res, 2000));
  }
  return { seen: seen.join(" ") };
}

const world = new WitnessWorld();
try {
  await Promise.all([world.startResponder("a"), world.startResponder("b"), world.startResponder("c")]);
  await world.startWitness(W, extra);
  console.log(`unbound ${W} extra config: ${extra.length ? extra.join("; ") : "(defaults)"}`);
  console.log("b up:", await ask("b"));
  await world.stopResponder("b");
  const down = await until((r) => r === 2);
  console.log(
    down.s !== undefined
      ? `b stopped: first SERVFAIL answered ${down.s} s after the stop`
      : `b stopped: no SERVFAIL within ${maxS} s`,
  );
  console.log(`  answers (time sent: T = no answer in 4 s, SF = SERVFAIL): ${down.seen}`);
  await world.startResponder("b");
  const back = await until((r) => r === 0);
  console.log(
    back.s !== undefined
      ? `b restarted: first valid answer through the witness ${back.s} s after the restart`
      : `b restarted: still failing after ${maxS} s`,
  );
  console.log(`  answers: ${back.seen}`);
} finally {
  await world.stop();
}
