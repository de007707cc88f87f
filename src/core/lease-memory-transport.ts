// An in-memory lease witness with exactly the semantics of one RFC 2136 UPDATE with a
// prerequisite (see lease-transport.ts): the simulator's witnesses and the unit tests use it.
import type {
  LeaseCasResult,
  LeaseReadResult,
  LeaseValue,
  LeaseWitnessTransport,
} from "./lease-transport.ts";
import { sameLeaseValue } from "./lease-transport.ts";

/** The authoritative store of one lease witness: one TXT RRset per service. */
export class LeaseWitnessStore {
  private readonly records = new Map<string, LeaseValue>();
  /** Count of applied updates, for tests and the simulator's timeline. */
  writes = 0;

  read(service: string): LeaseValue | null {
    return this.records.get(service) ?? null;
  }

  /**
   * RFC 2136 §3.2: prerequisites are checked first and the whole update is refused when one fails
   * (NXRRSET for §2.4.2 "RRset exists (value dependent)", YXRRSET for §2.4.3 "RRset does not exist");
   * otherwise §3.4 applies the delete-RRset then add-RR atomically.
   */
  apply(service: string, expected: LeaseValue | null, next: LeaseValue): "ok" | "NXRRSET" | "YXRRSET" {
    const cur = this.records.get(service) ?? null;
    if (expected === null) {
      if (cur !== null) return "YXRRSET";
    } else if (cur === null || !sameLeaseValue(cur, expected)) return "NXRRSET";
    this.records.set(service, { ...next });
    this.writes += 1;
    return "ok";
  }
}

/** The store reached with no network in between (unit tests, the demo). */
export class MemoryLeaseTransport implements LeaseWitnessTransport {
  constructor(
    readonly name: string,
    readonly store: LeaseWitnessStore = new LeaseWitnessStore(),
  ) {}

  async read(service: string): Promise<LeaseReadResult> {
    const v = this.store.read(service);
    return v === null ? { kind: "absent" } : { kind: "value", value: v };
  }

  async compareAndSwap(
    service: string,
    expected: LeaseValue | null,
    next: LeaseValue,
  ): Promise<LeaseCasResult> {
    return this.store.apply(service, expected, next) === "ok" ? { kind: "ok" } : { kind: "conflict" };
  }
}
