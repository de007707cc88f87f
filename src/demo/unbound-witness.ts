// A real unbound as one of the demo's witnesses (src/shell/unbound.ts): its own loopback address,
// port 53 (unbound asks the glue of a referral on port 53, so the regions' responders must be
// there too), a stub zone for the demo zone pointing at both regions' responders.
// `infra-cache-max-rtt: 1000` shortens its give-up on a dead server to a demo's time scale (a
// stopped region turns into SERVFAIL after about 6 s instead of 24-30 s, docs/prober.md). Its
// memory of the dead server is left at the default: with `infra-host-ttl: 10` unbound forgot the
// server every 10 s, tried it again, and the witness went silent (unknown) instead of SERVFAIL
// for those rounds, which reset the standby's promotion timer again and again (docs/demo.md).
import { spawnSync } from "node:child_process";
import type { Clock } from "../core/clock.ts";
import { spawnUnbound } from "../shell/unbound.ts";

export interface UnboundWitness {
  readonly address: string;
  stop(): Promise<void>;
}

/** Whether an `unbound` binary can be run here. */
export function unboundAvailable(): boolean {
  const r = spawnSync("unbound", ["-V"], { stdio: "ignore" });
  return r.error === undefined && r.status === 0;
}

export async function startUnboundWitness(
  address: string,
  zone: string,
  stubs: readonly string[],
  clock: Clock,
): Promise<UnboundWitness> {
  try {
    const u = await spawnUnbound(
      // Queries leave from its own address, so a region's responder can tell each witness apart
      // (the isolation fault drops theirs).
      {
        address,
        zone,
        stubAddrs: stubs,
        extra: ["infra-cache-max-rtt: 1000", `outgoing-interface: ${address}`],
      },
      clock,
    );
    return { address, stop: u.stop };
  } catch (e) {
    throw new Error(
      `${(e as Error).message}; run the demo with --witness builtin to use the built-in witness instead`,
    );
  }
}
