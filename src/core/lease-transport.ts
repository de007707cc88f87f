// The lease-witness transport: what the lease core (issue 3) needs from a writable witness, and
// what the RFC 2136 client (issue 5) and the in-memory transport of the simulator both provide.
// Semantics are exactly those of one RFC 2136 UPDATE with a prerequisite:
//   - compareAndSwap(expected = a value): prerequisite "RRset exists (value dependent)"
//     (RFC 2136 §2.4.2) on <service>.<leaseZone> TXT with exactly `expected`'s record; the
//     update section deletes the TXT RRset and adds `next` (§2.5.2 then §2.5.1), atomically.
//   - compareAndSwap(expected = null): prerequisite "RRset does not exist" (§2.4.3).
// A failed prerequisite is `conflict` (server rcode NXRRSET or YXRRSET), never an error.

/** The lease record `<service>.<leaseZone> TXT "sg1 holder=<region> epoch=<n> seq=<m>"`. */
export interface LeaseValue {
  readonly holder: string;
  readonly epoch: number;
  readonly seq: number;
}

export type LeaseReadResult =
  | { readonly kind: "value"; readonly value: LeaseValue }
  | { readonly kind: "absent" }
  | { readonly kind: "error"; readonly reason: string };

export type LeaseCasResult =
  | { readonly kind: "ok" }
  | { readonly kind: "conflict" }
  | { readonly kind: "error"; readonly reason: string };

export interface LeaseWitnessTransport {
  /** Names the witness in errors and status (e.g. "bind-1 127.0.0.21:53"). */
  readonly name: string;
  /** An authoritative read of the lease record (never through a cache). */
  read(service: string, timeoutMs: number): Promise<LeaseReadResult>;
  compareAndSwap(
    service: string,
    expected: LeaseValue | null,
    next: LeaseValue,
    timeoutMs: number,
  ): Promise<LeaseCasResult>;
}

const RECORD = /^sg1 holder=([a-z0-9-]{1,63}) epoch=(\d{1,15}) seq=(\d{1,15})$/;

export function formatLeaseValue(v: LeaseValue): string {
  return `sg1 holder=${v.holder} epoch=${v.epoch} seq=${v.seq}`;
}

/** Parse the TXT string of a lease record; undefined when it is not exactly the sg1 form. */
export function parseLeaseValue(s: string): LeaseValue | undefined {
  const m = RECORD.exec(s);
  if (!m) return undefined;
  return { holder: m[1]!, epoch: Number(m[2]), seq: Number(m[3]) };
}

export function sameLeaseValue(a: LeaseValue | null, b: LeaseValue | null): boolean {
  if (a === null || b === null) return a === b;
  return a.holder === b.holder && a.epoch === b.epoch && a.seq === b.seq;
}
