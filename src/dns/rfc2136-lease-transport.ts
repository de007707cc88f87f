// The lease-witness transport over RFC 2136: reads are signed direct queries, a compare-and-swap
// is ONE signed UPDATE whose prerequisite names the exact value expected (see lease-transport.ts
// for the contract). Atomicity is the server's: RFC 2136 §3.2 checks every prerequisite and §3.4
// applies the update section in the same transaction, so two contenders holding the same expected
// value cannot both succeed — one of them sees NXRRSET.
import type {
  LeaseCasResult,
  LeaseReadResult,
  LeaseValue,
  LeaseWitnessTransport,
} from "../core/lease-transport.ts";
import { formatLeaseValue, parseLeaseValue } from "../core/lease-transport.ts";
import {
  canonicalName,
  Rcode,
  type ResourceRecord,
  RRClass,
  RRType,
  rcodeName,
  txtRData,
  txtString,
} from "./message.ts";
import type { DnsServerClient } from "./rfc2136-client.ts";

/** TTL of the lease TXT record. Reads are authoritative, so caches never matter; 0 keeps them out. */
const LEASE_RECORD_TTL = 0;

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export class Rfc2136LeaseTransport implements LeaseWitnessTransport {
  constructor(
    private readonly client: DnsServerClient,
    readonly zone: string,
  ) {}

  get name(): string {
    return this.client.name;
  }

  ownerName(service: string): string {
    if (!LABEL.test(service)) throw new Error(`service "${service}" is not a lower-case DNS label`);
    return `${service}.${this.zone}`;
  }

  async read(service: string, timeoutMs: number): Promise<LeaseReadResult> {
    const owner = this.ownerName(service);
    const r = await this.client.query(owner, RRType.TXT, timeoutMs);
    if (r.kind === "error") return r;
    const m = r.msg;
    // NXDOMAIN: no such name; NOERROR without TXT at the name: NODATA (RFC 2308 §2.1, §2.2).
    if (m.rcode === Rcode.NXDOMAIN) return { kind: "absent" };
    if (m.rcode !== Rcode.NOERROR)
      return { kind: "error", reason: `${this.name}: read ${owner} TXT: ${rcodeName(m.rcode)}` };
    const txt = m.answers.filter(
      (a) => a.type === RRType.TXT && canonicalName(a.name) === canonicalName(owner),
    );
    if (txt.length === 0) return { kind: "absent" };
    if (txt.length > 1)
      return {
        kind: "error",
        reason: `${this.name}: ${owner} TXT holds ${txt.length} records; a lease record holds exactly one`,
      };
    const s = txtString(txt[0]!.rdata) ?? "";
    const value = parseLeaseValue(s);
    if (value === undefined)
      return {
        kind: "error",
        reason: `${this.name}: ${owner} TXT is not an sg1 lease record: ${JSON.stringify(s)}`,
      };
    return { kind: "value", value };
  }

  async compareAndSwap(
    service: string,
    expected: LeaseValue | null,
    next: LeaseValue,
    timeoutMs: number,
  ): Promise<LeaseCasResult> {
    const owner = this.ownerName(service);
    const prerequisites: ResourceRecord[] =
      expected === null
        ? // RFC 2136 §2.4.3 "RRset does not exist": class NONE, type TXT, TTL 0, RDLENGTH 0.
          [{ name: owner, type: RRType.TXT, class: RRClass.NONE, ttl: 0, rdata: { kind: "empty" } }]
        : // RFC 2136 §2.4.2 "RRset exists (value dependent)": class = zone class, TTL 0, and the
          // complete RRset. It must match exactly (§3.2.5), so a renewal by anyone in between —
          // which bumps seq — makes this prerequisite fail with NXRRSET.
          [
            {
              name: owner,
              type: RRType.TXT,
              class: RRClass.IN,
              ttl: 0,
              rdata: txtRData(formatLeaseValue(expected)),
            },
          ];
    const updates: ResourceRecord[] = [
      // RFC 2136 §2.5.2 "Delete an RRset": class ANY, type TXT, TTL 0, RDLENGTH 0 ...
      { name: owner, type: RRType.TXT, class: RRClass.ANY, ttl: 0, rdata: { kind: "empty" } },
      // ... then §2.5.1 "Add to an RRset" the new value, applied in order in one transaction.
      {
        name: owner,
        type: RRType.TXT,
        class: RRClass.IN,
        ttl: LEASE_RECORD_TTL,
        rdata: txtRData(formatLeaseValue(next)),
      },
    ];
    const r = await this.client.update(this.zone, prerequisites, updates, timeoutMs);
    if (r.kind === "error") return r;
    switch (r.msg.rcode) {
      case Rcode.NOERROR:
        return { kind: "ok" };
      // §2.4.2 fails with NXRRSET (value differs or absent), §2.4.3 with YXRRSET (it exists).
      case Rcode.NXRRSET:
      case Rcode.YXRRSET:
        return { kind: "conflict" };
      default:
        return {
          kind: "error",
          reason: `${this.name}: UPDATE ${owner} refused: ${rcodeName(r.msg.rcode)}${hint(r.msg.rcode)}`,
        };
    }
  }
}

function hint(rcode: number): string {
  if (rcode === Rcode.NOTAUTH)
    return " (the server is not authoritative for the zone or the key may not update it)";
  if (rcode === Rcode.REFUSED)
    return " (the server's update policy does not allow this key to update this name)";
  if (rcode === Rcode.NOTZONE) return " (the name is outside the configured zone)";
  return "";
}
