// The shared lease-transport contract, run against the RFC 2136 transport on each real server:
// the trio of the lease tier (two BIND 9, one Knot) and a PowerDNS Authoritative (gsqlite3).
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLeaseWitness } from "../../src/dns/lease-witness-check.ts";
import { DnsServerClient } from "../../src/dns/rfc2136-client.ts";
import { systemClock } from "../../src/shell/system-clock.ts";
import { leaseTransportContract } from "../contract/lease-transport-contract.ts";
import {
  type RunningWitness,
  randomKey,
  startTrio,
  startWitness,
  transportFor,
  type WitnessTrio,
} from "../support/witness-servers.ts";

let trio: WitnessTrio | undefined;
let pdns: RunningWitness | undefined;
// File-level hooks run before the contract's own beforeAll.
beforeAll(async () => {
  trio = await startTrio();
  pdns = await startWitness("pdns-1", "pdns", "127.0.0.1", randomKey());
});
afterAll(async () => {
  await trio?.stop();
  await pdns?.kill();
  if (pdns) rmSync(pdns.input.dir, { recursive: true, force: true });
});

for (const [i, label] of ["BIND 9 (bind-1)", "BIND 9 (bind-2)", "Knot (knot-1)"].entries()) {
  leaseTransportContract(`RFC 2136 on ${label}`, async () => {
    const w = trio!.witnesses[i]!;
    return { connect: () => transportFor(w) };
  });
}

leaseTransportContract("RFC 2136 on PowerDNS Authoritative (pdns-1)", async () => {
  const w = pdns!;
  return { connect: () => transportFor(w) };
});

describe("PowerDNS Authoritative as a lease witness", () => {
  it("rejects a wrong secret with the witness named, and passes lease check", async () => {
    const w = pdns!;
    const bad = transportFor(w, { key: { ...w.key, secret: Buffer.alloc(32, 0x5a) } });
    const r = await bad.compareAndSwap("wrongkey", null, { holder: "eu", epoch: 1, seq: 0 }, 1000);
    // PowerDNS answers a request it cannot verify without any TSIG; the client reports it unsigned.
    expect(r.kind === "error" && r.reason).toMatch(
      /^pdns-1 .*(BADSIG|response is not TSIG-signed \(rcode (NOTAUTH|REFUSED)\))/,
    );
    const client = new DnsServerClient({
      name: w.name,
      server: { host: w.input.address, port: w.input.port },
      key: w.key,
      clock: systemClock,
    });
    const c = await checkLeaseWitness(client, w.input.zone, 1000, () => performance.now());
    console.log(
      `[lease] PowerDNS: wrong key -> ${r.kind === "error" ? r.reason : r.kind}; lease check -> ${c.kind}: ${c.kind === "pass" ? c.detail : c.reason}`,
    );
    expect(c.kind).toBe("pass");
  });

  it("lease check fails a valid key that the zone's TSIG-ALLOW-DNSUPDATE does not list", async () => {
    const w = pdns!;
    const other = randomKey("other-key");
    execFileSync(
      "pdnsutil",
      [
        `--config-dir=${w.input.dir}`,
        "import-tsig-key",
        other.name,
        "hmac-sha256",
        other.secret.toString("base64"),
      ],
      { stdio: "pipe" },
    );
    const client = new DnsServerClient({
      name: w.name,
      server: { host: w.input.address, port: w.input.port },
      key: other,
      clock: systemClock,
    });
    const c = await checkLeaseWitness(client, w.input.zone, 1000, () => performance.now());
    console.log(
      `[lease] PowerDNS, key not allowed to update: lease check -> ${c.kind}: ${c.kind === "pass" ? c.detail : c.reason}`,
    );
    expect(c).toMatchObject({
      kind: "fail",
      reason: expect.stringMatching(/^pdns-1: UPDATE refused \((REFUSED|NOTAUTH)\)/),
    });
  });
});
