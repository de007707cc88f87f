// TSIG (RFC 8945) with HMAC-SHA256: sign a request, verify the signed response. Pure functions over
// wire bytes; the caller passes the time. Key material stays in the TsigKey object: it is never put
// in a message, an error or a log line.
import { createHmac, timingSafeEqual } from "node:crypto";
import {
  canonicalName,
  canonicalNameWire,
  type DecodedMessage,
  encodeRecord,
  RRClass,
  RRType,
  rcodeName,
  tsigErrorName,
} from "./message.ts";

/** RFC 8945 §6: the algorithm name of HMAC-SHA256. */
export const HMAC_SHA256 = "hmac-sha256";
const MAC_LENGTH = 32;
/** RFC 8945 §10: 300 seconds is the recommended fudge. */
export const DEFAULT_FUDGE = 300;

export interface TsigKey {
  readonly name: string;
  readonly algorithm: typeof HMAC_SHA256;
  readonly secret: Buffer;
}

interface TsigVariables {
  readonly keyName: string;
  readonly algorithm: string;
  readonly timeSigned: number;
  readonly fudge: number;
  readonly error: number;
  readonly other: Uint8Array;
}

/** RFC 8945 §4.3.3: the TSIG variables in the MAC input, names in canonical wire form. */
function variablesWire(v: TsigVariables): Buffer {
  const fixed = Buffer.alloc(2 + 4);
  fixed.writeUInt16BE(RRClass.ANY, 0);
  fixed.writeUInt32BE(0, 2); // TTL
  const rest = Buffer.alloc(6 + 2 + 2 + 2);
  let p = rest.writeUInt16BE(Math.floor(v.timeSigned / 2 ** 32) & 0xffff, 0);
  p = rest.writeUInt32BE(v.timeSigned % 2 ** 32, p);
  p = rest.writeUInt16BE(v.fudge, p);
  p = rest.writeUInt16BE(v.error, p);
  rest.writeUInt16BE(v.other.length, p);
  return Buffer.concat([canonicalNameWire(v.keyName), fixed, canonicalNameWire(v.algorithm), rest, v.other]);
}

function computeMac(secret: Buffer, parts: readonly Uint8Array[]): Buffer {
  const h = createHmac("sha256", secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

function requestMacPart(requestMac: Uint8Array | undefined): Uint8Array[] {
  // RFC 8945 §4.3.1: a response's MAC covers the request's MAC, preceded by its length.
  if (requestMac === undefined) return [];
  const len = Buffer.alloc(2);
  len.writeUInt16BE(requestMac.length, 0);
  return [len, requestMac];
}

export interface SignedRequest {
  readonly wire: Buffer;
  readonly mac: Uint8Array;
  readonly id: number;
}

/**
 * Append a TSIG record to an encoded message (RFC 8945 §5.1). The MAC covers the message as it is
 * (§4.3.2), then the TSIG variables (§4.3.3). ARCOUNT is incremented in the copy returned.
 */
export function signMessage(
  wire: Buffer,
  key: TsigKey,
  timeSigned: number,
  fudge = DEFAULT_FUDGE,
  requestMac?: Uint8Array,
): SignedRequest {
  if (wire.length < 12) throw new Error("cannot sign a message shorter than its header");
  const vars: TsigVariables = {
    keyName: key.name,
    algorithm: HMAC_SHA256,
    timeSigned: Math.floor(timeSigned),
    fudge,
    error: 0,
    other: new Uint8Array(0),
  };
  const mac = computeMac(key.secret, [...requestMacPart(requestMac), wire, variablesWire(vars)]);
  const id = wire.readUInt16BE(0);
  const record = encodeRecord({
    name: key.name,
    type: RRType.TSIG,
    class: RRClass.ANY,
    ttl: 0,
    rdata: { kind: "tsig", ...vars, mac, originalId: id },
  });
  const out = Buffer.concat([wire, record]);
  out.writeUInt16BE(wire.readUInt16BE(10) + 1, 10);
  return { wire: out, mac, id };
}

export type TsigVerdict =
  | { readonly kind: "ok" }
  /** `reason` names the failure (BADSIG, BADKEY, BADTIME, unsigned, ...); never the key. */
  | {
      readonly kind: "error";
      readonly reason: string;
      /** The TSIG error the server reported about our request (RFC 8945 §5.2), when it did. */
      readonly tsigError?: number;
    };

/**
 * Verify a response to a signed request (RFC 8945 §5.4): it must carry a TSIG with our key name
 * and algorithm, no TSIG error, a MAC over the request MAC + the message with the original ID and
 * the ARCOUNT it had before signing + the TSIG variables, and a time within the fudge.
 */
export function verifyResponse(
  msg: DecodedMessage,
  wire: Buffer,
  key: TsigKey,
  requestMac: Uint8Array,
  nowSeconds: number,
): TsigVerdict {
  const t = msg.tsig;
  // RFC 8945 §5.4: a response to a signed request without a TSIG is not accepted; an unsigned
  // NOERROR could be forged by anyone who can spoof the witness's address.
  if (t === undefined || msg.tsigOffset === undefined)
    return { kind: "error", reason: `response is not TSIG-signed (rcode ${rcodeName(msg.rcode)})` };
  if (canonicalName(t.name) !== canonicalName(key.name))
    return { kind: "error", reason: `response signed with another key name "${t.name}"` };
  if (canonicalName(t.rdata.algorithm) !== HMAC_SHA256)
    return { kind: "error", reason: `response signed with algorithm "${t.rdata.algorithm}"` };
  // RFC 8945 §5.4.1, §5.4.2: the server could not verify our request (BADKEY, BADSIG). Such an
  // answer carries an empty MAC and cannot be authenticated; it is an error either way.
  if (t.rdata.error !== 0 && t.rdata.mac.length === 0)
    return {
      kind: "error",
      reason: `server rejected the request's TSIG: ${tsigErrorName(t.rdata.error)} (rcode ${rcodeName(msg.rcode)})`,
      tsigError: t.rdata.error,
    };
  // RFC 8945 §5.2.2.1 permits truncated MACs; we never send them and do not accept them.
  if (t.rdata.mac.length !== MAC_LENGTH)
    return { kind: "error", reason: `response MAC of ${t.rdata.mac.length} octets (BADTRUNC)` };
  const body = Buffer.from(wire.subarray(0, msg.tsigOffset));
  body.writeUInt16BE(t.rdata.originalId, 0);
  body.writeUInt16BE(body.readUInt16BE(10) - 1, 10);
  const expected = computeMac(key.secret, [
    ...requestMacPart(requestMac),
    body,
    variablesWire({
      keyName: t.name,
      algorithm: t.rdata.algorithm,
      timeSigned: t.rdata.timeSigned,
      fudge: t.rdata.fudge,
      error: t.rdata.error,
      other: t.rdata.other,
    }),
  ]);
  if (!timingSafeEqual(expected, Buffer.from(t.rdata.mac)))
    return { kind: "error", reason: "response MAC does not verify (BADSIG)" };
  // Signed and verified, but the server reports an error about our request (BADTIME).
  if (t.rdata.error !== 0)
    return { kind: "error", reason: `server rejected the request's TSIG: ${tsigErrorName(t.rdata.error)}` };
  // RFC 8945 §5.4.3: a verified response outside the fudge window is BADTIME at the client.
  if (Math.abs(nowSeconds - t.rdata.timeSigned) > t.rdata.fudge)
    return {
      kind: "error",
      reason: `response time ${t.rdata.timeSigned} outside the fudge of ${t.rdata.fudge}s around ${Math.floor(nowSeconds)} (BADTIME)`,
    };
  return { kind: "ok" };
}

/**
 * Parse TSIG key material: either a BIND/Knot key clause as `tsig-keygen` writes it
 * (`key "name" { algorithm hmac-sha256; secret "base64"; };`) or bare base64. Errors never quote
 * the content.
 */
export function parseTsigSecret(
  text: string,
): { secret: Buffer; name?: string; algorithm?: string } | string {
  const clause = /secret\s+"([^"]+)"/.exec(text);
  const b64 = (clause ? clause[1]! : text).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0)
    return 'is neither a key clause with `secret "…"` nor base64 text';
  const secret = Buffer.from(b64, "base64");
  if (secret.length < 16) return `holds a ${secret.length}-octet secret; at least 16 are needed`;
  const name = /key\s+"?([^"\s{]+)"?\s*\{/.exec(text)?.[1];
  const algorithm = /algorithm\s+"?([a-z0-9-]+)"?\s*;/i.exec(text)?.[1]?.toLowerCase();
  return { secret, ...(name ? { name } : {}), ...(algorithm ? { algorithm } : {}) };
}
