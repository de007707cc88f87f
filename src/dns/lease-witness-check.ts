// `lease check`: does this witness accept our key and let it update lease records — verified
// WITHOUT changing anything. The method, in three signed exchanges:
//   1. SOA query for the zone (RD=0): the key verifies (TSIG, RFC 8945) and the server answers
//      authoritatively (AA) for the zone; its serial is noted.
//   2. A probe UPDATE shaped exactly like a lease compare-and-swap (delete the TXT RRset, add a TXT
//      record) on `sg-check-<random>.<zone>`, a name that cannot exist, with the prerequisite
//      "RRset exists (value dependent)" (RFC 2136 §2.4.2) on a value nobody wrote. Expected answer:
//      NXRRSET — the prerequisite failed, so by RFC 2136 §3.2 nothing was applied. BIND 9 checks
//      its update-policy before the prerequisites (REFUSED when the key may not update TXT there)
//      and Knot its ACL (NOTAUTH, TSIG error BADKEY), so NXRRSET also proves the permission.
//   3. SOA again: the serial must not have moved.
import { randomBytes } from "node:crypto";
import { Rcode, RRClass, RRType, rcodeName, txtRData } from "./message.ts";
import type { DnsServerClient, SignedResult } from "./rfc2136-client.ts";

export type WitnessCheckResult =
  | { readonly kind: "pass"; readonly detail: string; readonly latencyMs: number }
  | { readonly kind: "fail"; readonly reason: string; readonly latencyMs: number };

async function soaSerial(
  client: DnsServerClient,
  zone: string,
  timeoutMs: number,
): Promise<{ serial: number } | { error: string }> {
  const r: SignedResult = await client.query(zone, RRType.SOA, timeoutMs);
  if (r.kind === "error") return { error: r.reason };
  if (r.msg.rcode !== Rcode.NOERROR)
    return {
      error: `${client.name}: SOA ${zone}: ${rcodeName(r.msg.rcode)} (is the server authoritative for the zone?)`,
    };
  const soa = r.msg.answers.find((a) => a.type === RRType.SOA && a.rdata.kind === "soa");
  if (soa?.rdata.kind !== "soa")
    return { error: `${client.name}: SOA ${zone}: no SOA record in the answer (not the zone apex?)` };
  return { serial: soa.rdata.serial };
}

export async function checkLeaseWitness(
  client: DnsServerClient,
  zone: string,
  timeoutMs: number,
  now: () => number,
): Promise<WitnessCheckResult> {
  const t0 = now();
  const fail = (reason: string): WitnessCheckResult => ({ kind: "fail", reason, latencyMs: now() - t0 });
  const before = await soaSerial(client, zone, timeoutMs);
  if ("error" in before) return fail(before.error);
  const owner = `sg-check-${randomBytes(6).toString("hex")}.${zone}`;
  const probe = txtRData(`sg1 check ${randomBytes(6).toString("hex")}`);
  const t1 = now();
  const u = await client.update(
    zone,
    [{ name: owner, type: RRType.TXT, class: RRClass.IN, ttl: 0, rdata: probe }],
    [
      { name: owner, type: RRType.TXT, class: RRClass.ANY, ttl: 0, rdata: { kind: "empty" } },
      { name: owner, type: RRType.TXT, class: RRClass.IN, ttl: 0, rdata: probe },
    ],
    timeoutMs,
  );
  const updateMs = now() - t1;
  if (u.kind === "error") return fail(u.reason);
  const rc = u.msg.rcode;
  if (rc === Rcode.NOERROR)
    return fail(`${client.name}: the probe's prerequisite on ${owner} held — something else wrote that name`);
  if (rc === Rcode.REFUSED || rc === Rcode.NOTAUTH)
    return fail(
      `${client.name}: UPDATE refused (${rcodeName(rc)}): the key may not update TXT records in ${zone}`,
    );
  if (rc !== Rcode.NXRRSET)
    return fail(`${client.name}: UPDATE probe answered ${rcodeName(rc)}, expected NXRRSET`);
  const after = await soaSerial(client, zone, timeoutMs);
  if ("error" in after) return fail(after.error);
  if (after.serial !== before.serial)
    return fail(`${client.name}: zone serial moved ${before.serial} → ${after.serial} during the check`);
  return {
    kind: "pass",
    detail: `key accepted, TXT updates allowed in ${zone} (probe UPDATE: NXRRSET in ${updateMs.toFixed(1)} ms), serial ${before.serial} unchanged`,
    latencyMs: now() - t0,
  };
}
