// The signed heartbeat TXT records of DESIGN §2 (pure: no I/O, no clock). docs/heartbeats.md
// describes them; the strings are:
//
//   <nonce>.<region>.hb.Z TXT
//       "v=sg1 t=region r=<region> n=<nonce> inc=<incarnation> sv=<services digest> ns=<count>"
//       "mac=<b64url>"
//   <nonce>.<service>.<region>.hb.Z TXT
//       "v=sg1 t=service r=<region> s=<service> n=<nonce> inc=<inc> role=<role> epoch=<n> gate=<open|closed> [ho=<region>] [lm=<yes|no>] [cf=yes]"
//       "lt=<addr>,<addr>,..." ...  (localtargets-<host>, whole addresses per string, ≤ 250 octets each)
//       "tok=<chunk>" ...           (the CNPG demotion token, split into ≤ 250-octet strings, in order)
//       "mac=<b64url>"
//
// The MAC is HMAC-SHA256 over "sg1\n<zone>\n" + every string before the mac string joined by "\n".
// With a key id (heartbeatKeys, key rotation) the mac string is "mac=<id>:<b64url>" and the MAC
// input is "sg1\n<zone>\nkid=<id>\n" + the same strings: the id is signed, and a verifier picks
// the key it names instead of trying every key. The old single key (heartbeatKeyFile) has no id
// and signs exactly the form above, so records of regions not yet migrated verify unchanged.
// Why the nonce: the asker picks a fresh random label per query, so an answer that echoes it and
// carries a valid MAC was made after the question was asked, by a holder of the key. Neither a
// resolver's cache nor a replayed earlier answer can produce it. Freshness never comes from
// comparing clocks across regions (they may disagree; DESIGN §2).
//
// Why the services digest (`sv`): a probe round asks only for region heartbeats, so its cost does
// not grow with the number of services. The region heartbeat carries a digest over every
// service's published state; a prober fetches the per-service records of a peer only when that
// digest differs from the one it last fetched them under (docs/heartbeats.md, "Cost per round").
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import type { PeerServiceReport, PublishedRole } from "./evidence.ts";

/** One service's published state, as the responder serves it (no nonce, no incarnation). */
export interface ServiceState {
  readonly service: string;
  readonly role: PublishedRole;
  readonly epoch: number;
  readonly gateOpen: boolean;
  /** CNPG `status.demotionToken`, carried to the promoting region (DESIGN §7). */
  readonly demotionToken?: string | undefined;
  /** The region a demoting primary hands over to (planned switchover). */
  readonly handoverTo?: string | undefined;
  /** `localtargets-<host>`: own targets, non-empty only while the gate is open. */
  readonly localTargets: readonly string[];
  /** Lease mode: the last lease round read a majority of the lease witnesses (`lm=`; absent: not said). */
  readonly leaseMajority?: boolean | undefined;
  /** The region's CNPG cluster is fenced (`cf=yes`; absent: not fenced). */
  readonly cnpgFenced?: boolean | undefined;
}

export interface RegionHeartbeatRecord {
  readonly kind: "region";
  readonly region: string;
  readonly nonce: string;
  /** Random id of this process's lifetime: a change tells peers the region restarted. */
  readonly incarnation: number;
  /** `servicesDigest()` of every service this region publishes. */
  readonly servicesDigest: string;
  readonly serviceCount: number;
}

export interface ServiceHeartbeatRecord extends ServiceState {
  readonly kind: "service";
  readonly region: string;
  readonly nonce: string;
  readonly incarnation: number;
}

export type Heartbeat = RegionHeartbeatRecord | ServiceHeartbeatRecord;

export type HeartbeatVerdict =
  | { readonly ok: true; readonly heartbeat: Heartbeat }
  | { readonly ok: false; readonly reason: string };

const CHUNK = 250;
const LABEL = /^[a-z0-9_-]{1,63}$/;
const DIGEST = /^[A-Za-z0-9_-]{22}$/;
const ROLES: readonly PublishedRole[] = [
  "initializing",
  "primary",
  "fenced",
  "standby",
  "promoting",
  "demoting",
  "frozen",
];
/** Incarnations are random integers below 2^48 (exact in a double). */
const MAX_INCARNATION = 2 ** 48;

/** One heartbeat key. `id` "" is the old single key (heartbeatKeyFile): its records name no key. */
export interface HeartbeatKey {
  readonly id: string;
  /** The shared secret. Never log or print it. */
  readonly secret: Buffer;
}

/** A bare Buffer is the old single key (id ""). */
export type HeartbeatKeyInput = Buffer | HeartbeatKey;

/** Key ids: lower-case letters, digits and '-', 1–32 characters (schema.ts checks the config). */
export const KEY_ID = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

const asKey = (k: HeartbeatKeyInput): HeartbeatKey => (Buffer.isBuffer(k) ? { id: "", secret: k } : k);

function mac(key: Buffer, zone: string, kid: string, strings: readonly string[]): Buffer {
  return createHmac("sha256", key)
    .update(`sg1\n${zone}\n${kid ? `kid=${kid}\n` : ""}${strings.join("\n")}`)
    .digest();
}

/** The canonical text of one service's state: what the digest covers, field for field. */
function stateLine(s: ServiceState): string {
  return [
    s.service,
    s.role,
    s.epoch,
    s.gateOpen ? "open" : "closed",
    s.handoverTo ?? "",
    s.localTargets.join(","),
    s.demotionToken ?? "",
    // Appended only when said, so digests of services that do not say it stay as they were.
    ...(s.leaseMajority === undefined ? [] : [s.leaseMajority ? "lm=yes" : "lm=no"]),
    ...(s.cnpgFenced ? ["cf=yes"] : []),
  ].join(" ");
}

/**
 * Digest of every service's published state, order-independent: 128 bits of SHA-256, base64url.
 * Two regions' views of a peer agree on it iff they agree on every field of every service.
 */
export function servicesDigest(states: readonly ServiceState[]): string {
  const lines = states.map(stateLine).sort();
  return createHash("sha256").update(lines.join("\n")).digest().subarray(0, 16).toString("base64url");
}

/** Whole items packed into strings of at most CHUNK octets after the prefix. */
function packList(prefix: string, items: readonly string[]): string[] {
  const out: string[] = [];
  let cur = "";
  for (const it of items) {
    if (cur && cur.length + 1 + it.length > CHUNK) {
      out.push(prefix + cur);
      cur = "";
    }
    cur = cur ? `${cur},${it}` : it;
  }
  if (cur) out.push(prefix + cur);
  return out;
}

/** The TXT strings of a heartbeat, signed with `key` (naming it when it has an id). */
export function signHeartbeat(hb: Heartbeat, keyInput: HeartbeatKeyInput, zone: string): string[] {
  const key = asKey(keyInput);
  const strings: string[] = [];
  if (hb.kind === "region") {
    strings.push(
      `v=sg1 t=region r=${hb.region} n=${hb.nonce} inc=${hb.incarnation} sv=${hb.servicesDigest} ns=${hb.serviceCount}`,
    );
  } else {
    strings.push(
      `v=sg1 t=service r=${hb.region} s=${hb.service} n=${hb.nonce} inc=${hb.incarnation} role=${hb.role} epoch=${hb.epoch} gate=${hb.gateOpen ? "open" : "closed"}${hb.handoverTo ? ` ho=${hb.handoverTo}` : ""}${hb.leaseMajority === undefined ? "" : ` lm=${hb.leaseMajority ? "yes" : "no"}`}${hb.cnpgFenced ? " cf=yes" : ""}`,
    );
    strings.push(...packList("lt=", hb.localTargets));
    const tok = hb.demotionToken ?? "";
    for (let i = 0; i < tok.length; i += CHUNK) strings.push(`tok=${tok.slice(i, i + CHUNK)}`);
  }
  const sig = mac(key.secret, zone, key.id, strings).toString("base64url");
  strings.push(`mac=${key.id ? `${key.id}:` : ""}${sig}`);
  return strings;
}

function fields(s: string): Map<string, string> | undefined {
  const m = new Map<string, string>();
  for (const part of s.split(" ")) {
    const eq = part.indexOf("=");
    if (eq <= 0 || m.has(part.slice(0, eq))) return undefined;
    m.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return m;
}

const fail = (reason: string): HeartbeatVerdict => ({ ok: false, reason });

/**
 * Verify TXT strings against the keys and the nonce the asker sent. Anything that is not exactly a
 * well-formed, correctly signed heartbeat echoing `expectNonce` is rejected with a reason.
 *
 * Which keys are tried: a record naming key id X only under the listed key X (and under an
 * id-less old key, so a region still on heartbeatKeyFile accepts a peer that moved to ids with
 * the same secret); a record naming no key under every listed key, as before key ids existed.
 */
export function verifyHeartbeat(
  strings: readonly string[],
  keys: readonly HeartbeatKeyInput[],
  zone: string,
  expectNonce: string,
): HeartbeatVerdict {
  if (strings.length < 2) return fail("not a heartbeat (too few strings)");
  const last = strings[strings.length - 1]!;
  if (!last.startsWith("mac=")) return fail("unsigned (no mac string)");
  const colon = last.indexOf(":");
  const kid = colon < 0 ? "" : last.slice(4, colon);
  if (colon >= 0 && !KEY_ID.test(kid)) return fail("malformed key id");
  const text = last.slice(colon < 0 ? 4 : colon + 1);
  const got = Buffer.from(text, "base64url");
  // Canonical base64url only: Node's decoder also takes '+', '/', padding and stray trailing bits,
  // which would let several spellings of one MAC verify (found by the fuzz test).
  if (got.toString("base64url") !== text) return fail("malformed mac");
  const candidates = keys.map(asKey).filter((k) => kid === "" || k.id === kid || k.id === "");
  if (candidates.length === 0) return fail(`unknown key id ${kid} (not among the configured heartbeat keys)`);
  const body = strings.slice(0, -1);
  const signed = candidates.some((k) => {
    const want = mac(k.secret, zone, kid, body);
    return got.length === want.length && timingSafeEqual(got, want);
  });
  if (!signed) return fail(kid ? `bad signature (key id ${kid})` : "bad signature");
  // Every field this version knows is checked below; a field it does not know is ignored (it is
  // signed like the rest, so ignoring it trusts nothing unsigned). So a peer that adds an optional
  // field (as lm= and cf= were added) is still understood by regions not yet upgraded, instead of
  // its whole record being rejected as malformed. A duplicated field is still malformed (fields()).
  const f = fields(body[0]!);
  if (f?.get("v") !== "sg1" || !f) return fail("not a v=sg1 heartbeat");
  const nonce = f.get("n") ?? "";
  // Compared case-insensitively: resolvers may randomise the case of the question (0x20).
  if (nonce !== expectNonce.toLowerCase()) return fail("stale nonce (replayed or cached answer)");
  const region = f.get("r") ?? "";
  const incText = f.get("inc") ?? "";
  if (!LABEL.test(region) || !/^\d{1,15}$/.test(incText) || Number(incText) >= MAX_INCARNATION)
    return fail("malformed region or incarnation");
  const incarnation = Number(incText);
  const t = f.get("t");
  if (t === "region") {
    const sv = f.get("sv") ?? "";
    const ns = f.get("ns") ?? "";
    if (body.length !== 1 || !DIGEST.test(sv) || !/^\d{1,9}$/.test(ns))
      return fail("malformed region heartbeat");
    return {
      ok: true,
      heartbeat: { kind: "region", region, nonce, incarnation, servicesDigest: sv, serviceCount: Number(ns) },
    };
  }
  if (t !== "service") return fail(`unknown heartbeat type ${JSON.stringify(t)}`);
  const service = f.get("s") ?? "";
  const role = f.get("role") as PublishedRole;
  const epochText = f.get("epoch") ?? "";
  const gate = f.get("gate");
  const ho = f.get("ho");
  const lm = f.get("lm");
  const cf = f.get("cf");
  if (
    !LABEL.test(service) ||
    !ROLES.includes(role) ||
    !/^\d{1,15}$/.test(epochText) ||
    (ho !== undefined && !LABEL.test(ho)) ||
    (lm !== undefined && lm !== "yes" && lm !== "no") ||
    (cf !== undefined && cf !== "yes")
  )
    return fail("malformed service heartbeat");
  if (gate !== "open" && gate !== "closed") return fail("malformed gate");
  const localTargets: string[] = [];
  let token = "";
  let seenTok = false;
  for (const s of body.slice(1)) {
    if (s.startsWith("lt=") && !seenTok) {
      for (const a of s.slice(3).split(",")) {
        if (isIP(a) === 0) return fail("malformed local target");
        localTargets.push(a);
      }
    } else if (s.startsWith("tok=")) {
      seenTok = true;
      token += s.slice(4);
    } else return fail("unexpected string in service heartbeat");
  }
  return {
    ok: true,
    heartbeat: {
      kind: "service",
      region,
      service,
      nonce,
      incarnation,
      role,
      epoch: Number(epochText),
      gateOpen: gate === "open",
      localTargets,
      ...(token ? { demotionToken: token } : {}),
      ...(ho ? { handoverTo: ho } : {}),
      ...(lm === undefined ? {} : { leaseMajority: lm === "yes" }),
      ...(cf === "yes" ? { cnpgFenced: true } : {}),
    },
  };
}

/** The evidence view of a verified per-service heartbeat. */
export function toPeerServiceReport(s: ServiceState): PeerServiceReport {
  return {
    role: s.role,
    epoch: s.epoch,
    gate: s.gateOpen ? "open" : "closed",
    localTargets: s.localTargets,
    ...(s.demotionToken ? { demotionToken: s.demotionToken } : {}),
    ...(s.handoverTo ? { handoverTo: s.handoverTo } : {}),
    ...(s.leaseMajority === undefined ? {} : { leaseMajority: s.leaseMajority }),
    ...(s.cnpgFenced ? { cnpgFenced: true } : {}),
  };
}

/** Nonces are at most 32 characters, so every heartbeat TXT string fits 255 octets (schema limits). */
export const MAX_NONCE = 32;
const NONCE = /^[a-z0-9_-]{1,32}$/;

export function isNonceLabel(label: string): boolean {
  return NONCE.test(label);
}
