// Response rate limiting (RRL) for UDP answers, as NSD, Knot and BIND do it: an authoritative
// server on the internet is a reflection amplifier for anyone who can spoof a victim's address.
// Answers are counted per client prefix (/24 IPv4, /56 IPv6) and kind of answer; past the limit
// an answer is dropped, except that every `slip`-th limited answer goes out truncated (TC=1, no
// records), so a real client behind that prefix still gets through by retrying over TCP, which
// cannot be spoofed. TCP is never limited.
//
// Memory is bounded: a fixed-size table of token buckets indexed by a seeded hash of (prefix,
// kind). Two prefixes that share a slot share its tokens (a new key inherits them, never a fresh
// burst), so colliding prefixes cannot refill each other; the seed is random per process, so
// nobody can pick colliding prefixes in advance. Pure: time is passed in.

import { randomBytes } from "node:crypto";
import { clientAddressBytes } from "./ip-address.ts";

export type AnswerKind = "answer" | "nxdomain" | "error";

export interface RateLimitConfig {
  readonly responsesPerSecond: number;
  readonly nxdomainsPerSecond: number;
  readonly errorsPerSecond: number;
  /** Every slip-th limited answer is sent truncated; 0 never, 1 always. */
  readonly slip: number;
  readonly ipv4PrefixLength: number;
  readonly ipv6PrefixLength: number;
  /** Buckets in the table (rounded up to a power of two). */
  readonly tableSize: number;
}

export type RateDecision = "send" | "slip" | "drop";

const KIND_INDEX: Record<AnswerKind, number> = { answer: 0, nxdomain: 1, error: 2 };

function mask(bytes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

export class ResponseRateLimiter {
  private readonly mask: number;
  private readonly fingerprint: Uint32Array;
  private readonly tokens: Float64Array;
  private readonly stamp: Float64Array;
  private readonly limited: Uint32Array;
  private readonly rates: readonly number[];

  /** Random per process: nobody can compute offline which prefixes share a bucket. */
  private readonly seed: number;

  constructor(
    private readonly cfg: RateLimitConfig,
    seed: number = randomBytes(4).readUInt32BE(0),
  ) {
    this.seed = seed >>> 0;
    let size = 16;
    while (size < cfg.tableSize) size *= 2;
    this.mask = size - 1;
    this.fingerprint = new Uint32Array(size);
    this.tokens = new Float64Array(size);
    this.stamp = new Float64Array(size);
    this.limited = new Uint32Array(size);
    this.rates = [cfg.responsesPerSecond, cfg.nxdomainsPerSecond, cfg.errorsPerSecond];
  }

  /** Seeded FNV-1a over the masked client prefix and the answer kind. */
  private prefixHash(address: string, kind: number): number {
    const bytes = clientAddressBytes(address);
    const bits = bytes.length === 4 ? this.cfg.ipv4PrefixLength : this.cfg.ipv6PrefixLength;
    let h = (0x811c9dc5 ^ this.seed) >>> 0;
    const mix = (byte: number) => {
      h ^= byte;
      h = Math.imul(h, 0x01000193);
    };
    for (const b of mask(bytes, bits)) mix(b);
    mix(bytes.length);
    mix(kind);
    // Final avalanche (murmur3 fmix32), so the seed reaches every bit of the slot index.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }

  /** Decide for one UDP answer of `kind` to `address` at `nowMs`. */
  decide(address: string, kind: AnswerKind, nowMs: number): RateDecision {
    const k = KIND_INDEX[kind];
    const rate = this.rates[k]!;
    if (rate <= 0) return "send";
    const h = this.prefixHash(address, k);
    const fp = (h | 1) >>> 0; // 0 marks an empty slot
    const i = (h ^ (h >>> 16)) & this.mask;
    // The bucket holds one second's worth, and at least one answer (rates below 1/s still send).
    const cap = Math.max(rate, 1);
    if (this.fingerprint[i] === 0) {
      this.fingerprint[i] = fp;
      this.tokens[i] = cap; // a new prefix starts with a one-second burst
      this.stamp[i] = nowMs;
      this.limited[i] = 0;
    } else {
      // A prefix that lands on a slot held by another inherits that slot's tokens, never a fresh
      // burst: otherwise alternating two colliding prefixes would refill the slot on every query
      // and never be limited (found in review).
      if (this.fingerprint[i] !== fp) this.fingerprint[i] = fp;
      const elapsed = Math.max(0, nowMs - this.stamp[i]!) / 1000;
      this.tokens[i] = Math.min(cap, this.tokens[i]! + elapsed * rate);
      this.stamp[i] = nowMs;
    }
    if (this.tokens[i]! >= 1) {
      this.tokens[i]! -= 1;
      return "send";
    }
    this.limited[i]! += 1;
    const slip = this.cfg.slip;
    return slip > 0 && this.limited[i]! % slip === 0 ? "slip" : "drop";
  }
}

/** What kind of answer a response is, from its header (RCODE in the low 4 bits of byte 3). */
export function answerKind(resp: Buffer): AnswerKind {
  const rcode = resp.length >= 4 ? resp[3]! & 0x0f : 2;
  if (rcode === 0) return "answer";
  if (rcode === 3) return "nxdomain";
  return "error";
}

/**
 * The slipped form of a response: header and question only, TC=1, every count but the question
 * zeroed (the OPT is dropped too: a minimal message). RFC 1035 §4.2.1 / RFC 7766: the client
 * retries over TCP.
 */
export function truncatedForm(resp: Buffer): Buffer {
  if (resp.length < 12) return resp;
  const qd = resp.readUInt16BE(4);
  let end = 12;
  if (qd >= 1) {
    let p = 12;
    while (p < resp.length && resp[p] !== 0 && (resp[p]! & 0xc0) === 0) p += resp[p]! + 1;
    end = Math.min(resp.length, p + 1 + 4);
  }
  const out = Buffer.from(resp.subarray(0, end));
  out[2] = out[2]! | 0x02; // TC
  out.writeUInt16BE(qd >= 1 ? 1 : 0, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(0, 10);
  return out;
}
