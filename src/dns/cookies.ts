// DNS Cookies, server side (RFC 7873; server cookie format of RFC 9018 §4). A client that sends a
// client cookie gets it back with a server cookie bound to its address; a client that returns a
// valid server cookie has proved it receives answers at its source address, so its queries are
// not treated as possibly spoofed (the responder exempts them from rate limiting, as BIND does).
//
// Server cookie = Version (1) | Reserved (3 × 0) | Timestamp (32-bit seconds) | Hash (8 octets),
// Hash = the first 8 octets of HMAC-SHA256(secret, client cookie | version | reserved |
// timestamp | client IP). RFC 9018 uses SipHash-2-4 so that the servers of one operator can
// verify each other's cookies; Node has no SipHash, and nothing here needs cross-server
// verification (a cookie from another replica is just replaced), so HMAC-SHA256 is used.
// Cookies are never enforced (no BADCOOKIE): an invalid one is answered normally with a fresh one.
import { createHmac, timingSafeEqual } from "node:crypto";
import { clientAddressBytes } from "./ip-address.ts";

export const COOKIE_OPTION = 10;
export const CLIENT_COOKIE_LEN = 8;
export const SERVER_COOKIE_LEN = 16;
/** RFC 9018 §4.3: accept cookies up to an hour old and 5 minutes in the future; renew after half an hour. */
const MAX_AGE_S = 3600;
const MAX_FUTURE_S = 300;
const RENEW_AFTER_S = 1800;

function hash(secret: Buffer, client: Buffer, head: Buffer, address: string): Buffer {
  return createHmac("sha256", secret)
    .update(client)
    .update(head)
    .update(clientAddressBytes(address))
    .digest()
    .subarray(0, 8);
}

export interface CookieResult {
  /** The 24-octet COOKIE option payload to send back (client cookie + server cookie). */
  readonly payload: Buffer;
  /** The query carried a server cookie that this server made for this client, still fresh. */
  readonly valid: boolean;
}

/**
 * Answer the COOKIE option `option` (8 octets, or 16–40 with a server cookie) from `address` at
 * `nowS` (seconds). The caller has already rejected other lengths as FORMERR (RFC 7873 §5.2.2).
 */
export function answerCookie(secret: Buffer, option: Buffer, address: string, nowS: number): CookieResult {
  const client = option.subarray(0, CLIENT_COOKIE_LEN);
  const now = nowS >>> 0;
  let valid = false;
  let reuse: Buffer | undefined;
  if (option.length === CLIENT_COOKIE_LEN + SERVER_COOKIE_LEN && option[8] === 1) {
    const server = option.subarray(8);
    const ts = server.readUInt32BE(4);
    const age = (now - ts) | 0; // serial-number arithmetic on 32-bit seconds (RFC 1982)
    const mac = hash(secret, client, server.subarray(0, 8), address);
    if (age <= MAX_AGE_S && age >= -MAX_FUTURE_S && timingSafeEqual(mac, server.subarray(8))) {
      valid = true;
      if (age < RENEW_AFTER_S) reuse = Buffer.from(server);
    }
  }
  let server = reuse;
  if (!server) {
    server = Buffer.alloc(SERVER_COOKIE_LEN);
    server[0] = 1;
    server.writeUInt32BE(now, 4);
    hash(secret, client, server.subarray(0, 8), address).copy(server, 8);
  }
  return { payload: Buffer.concat([client, server]), valid };
}

/** RFC 7873 §5.2.2: a COOKIE option must be 8 octets, or 16 to 40. */
export function cookieLengthOk(len: number): boolean {
  return len === CLIENT_COOKIE_LEN || (len >= 16 && len <= 40);
}
