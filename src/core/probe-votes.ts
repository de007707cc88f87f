// How one answer becomes a vote (DESIGN §3). Pure: the prober's transport hands over what came
// back, these functions say what it proves.
//
// Safety point: only two things ever count. A valid signed answer echoing our nonce proves the
// region answered after we asked (up / self OK). A SERVFAIL from a witness proves the witness
// tried and could not reach the region, but only in a round where the same witness reached *us*
// (otherwise the witness itself may be the one cut off, and its SERVFAIL says nothing about the
// peer): then it is a down vote. Everything else (timeout, REFUSED, NXDOMAIN, garbage, unsigned,
// wrongly signed, stale nonce, the wrong region) is unknown, and unknown never counts toward
// promotion (DESIGN §8 invariant 3). A forger or a replaying middlebox can therefore at most
// turn a vote into unknown; it can never manufacture a down vote, and never an up vote without
// the key.
import { RCODE, RCODE_NAME } from "../dns/constants.ts";
import type { PeerVote, RegionHeartbeat, WitnessResult } from "./evidence.ts";
import {
  type Heartbeat,
  type HeartbeatKeyInput,
  type RegionHeartbeatRecord,
  type ServiceHeartbeatRecord,
  verifyHeartbeat,
} from "./heartbeat-record.ts";

/** RFC 1035 §4.1.1: the one response code that can become a down vote. */
export const RCODE_SERVFAIL = RCODE.SERVFAIL;
export const rcodeText = (rcode: number): string => RCODE_NAME[rcode] ?? `RCODE${rcode}`;

/** What the transport saw for one question (after its retries). */
export type QueryOutcome =
  | {
      readonly kind: "answer";
      readonly rcode: number;
      /** Strings of the TXT record owned by the question name, if the answer holds one. */
      readonly txt?: readonly string[] | undefined;
      /** For A/AAAA questions: the addresses owned by the question name. */
      readonly addresses?: readonly string[] | undefined;
      readonly aa: boolean;
      readonly via: "udp" | "tcp";
      readonly latencyMs: number;
    }
  | { readonly kind: "timeout"; readonly detail: string; readonly latencyMs: number }
  | { readonly kind: "error"; readonly reason: string; readonly latencyMs: number };

export interface Expect {
  readonly keys: readonly HeartbeatKeyInput[];
  readonly zone: string;
  readonly nonce: string;
  readonly region: string;
}

export type Judgement<T> =
  | { readonly kind: "valid"; readonly record: T }
  | { readonly kind: "servfail" }
  | { readonly kind: "unknown"; readonly detail: string };

function judge(o: QueryOutcome, expect: Expect): Judgement<Heartbeat> {
  if (o.kind === "timeout") return { kind: "unknown", detail: `timeout (${o.detail})` };
  if (o.kind === "error") return { kind: "unknown", detail: o.reason };
  if (o.rcode === RCODE_SERVFAIL) return { kind: "servfail" };
  if (o.rcode !== 0) return { kind: "unknown", detail: rcodeText(o.rcode) };
  if (!o.txt) return { kind: "unknown", detail: "NOERROR without a TXT answer" };
  const v = verifyHeartbeat(o.txt, expect.keys, expect.zone, expect.nonce);
  if (!v.ok) return { kind: "unknown", detail: v.reason };
  if (v.heartbeat.region !== expect.region)
    return { kind: "unknown", detail: `heartbeat of ${v.heartbeat.region}, expected ${expect.region}` };
  return { kind: "valid", record: v.heartbeat };
}

/** Judge an answer that should be `expect.region`'s signed region heartbeat. */
export function judgeRegion(o: QueryOutcome, expect: Expect): Judgement<RegionHeartbeatRecord> {
  const j = judge(o, expect);
  if (j.kind !== "valid") return j;
  if (j.record.kind !== "region") return { kind: "unknown", detail: "a service heartbeat, expected region" };
  return { kind: "valid", record: j.record };
}

/** Judge an answer that should be `expect.region`'s signed heartbeat of `service`. */
export function judgeService(
  o: QueryOutcome,
  expect: Expect,
  service: string,
): Judgement<ServiceHeartbeatRecord> {
  const j = judge(o, expect);
  if (j.kind !== "valid") return j;
  if (j.record.kind !== "service" || j.record.service !== service)
    return { kind: "unknown", detail: `not the heartbeat of service ${service}` };
  return { kind: "valid", record: j.record };
}

/** The region heartbeat a valid answer proves, with the peer's services as far as they are known. */
export type HeartbeatOf = (record: RegionHeartbeatRecord) => RegionHeartbeat;

/**
 * One witness's result for the round: self(w) and peer(w, p) for every peer (DESIGN §3).
 * `down` only on SERVFAIL in a round where self(w) was OK.
 */
export function witnessResult(
  witness: string,
  self: Judgement<unknown>,
  peers: Readonly<Record<string, Judgement<RegionHeartbeatRecord>>>,
  heartbeatOf: HeartbeatOf,
): WitnessResult {
  const selfOk = self.kind === "valid";
  const votes: Record<string, PeerVote> = {};
  for (const [p, j] of Object.entries(peers)) {
    if (j.kind === "valid") votes[p] = { vote: "up", heartbeat: heartbeatOf(j.record) };
    else if (j.kind === "servfail")
      votes[p] = selfOk
        ? { vote: "down", detail: "SERVFAIL" }
        : { vote: "unknown", detail: "SERVFAIL, but self(w) failed this round" };
    else votes[p] = { vote: "unknown", detail: j.detail };
  }
  return {
    witness,
    self: selfOk ? "ok" : "fail",
    ...(selfOk ? {} : { selfDetail: self.kind === "servfail" ? "SERVFAIL" : self.detail }),
    peers: votes,
  };
}
