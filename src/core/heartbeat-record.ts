// The signed heartbeat TXT records of DESIGN §2 (pure: no I/O, no clock).
//
//   <nonce>.<region>.hb.Z TXT "v=sg1 t=region r=<region> n=<nonce> inc=<incarnation>" "mac=<b64url>"
//   <nonce>.<service>.<region>.hb.Z TXT
//       "v=sg1 t=service r=<region> s=<service> n=<nonce> inc=<inc> role=<role> epoch=<n> gate=<open|closed>"
//       "tok=<chunk>" ...        (the CNPG demotion token, split into ≤ 250-octet strings, in order)
//       "mac=<b64url>"
//
// The MAC is HMAC-SHA256 over "sg1\n<zone>\n" + every string before the mac string joined by "\n".
// Why the nonce: the asker picks a fresh random label per query, so an answer that echoes it and
// carries a valid MAC was made after the question was asked, by a holder of the key. Neither a
// resolver's cache nor a replayed earlier answer can produce it. Freshness never comes from
// comparing clocks across regions (they may disagree; DESIGN §2).
import { createHmac, timingSafeEqual } from "node:crypto";

export type HeartbeatRole =
  | "primary"
  | "standby"
  | "fenced"
  | "promoting"
  | "demoting"
  | "frozen"
  | "unknown";

export interface RegionHeartbeat {
  readonly kind: "region";
  readonly region: string;
  readonly nonce: string;
  /** Random id of this process's lifetime: a change tells peers the region restarted. */
  readonly incarnation: string;
}

export interface ServiceHeartbeat {
  readonly kind: "service";
  readonly region: string;
  readonly service: string;
  readonly nonce: string;
  readonly incarnation: string;
  readonly role: HeartbeatRole;
  readonly epoch: number;
  readonly gateOpen: boolean;
  /** CNPG `status.demotionToken`, carried to the promoting region (DESIGN §7). */
  readonly demotionToken?: string | undefined;
}

export type Heartbeat = RegionHeartbeat | ServiceHeartbeat;

export type HeartbeatVerdict =
  | { readonly ok: true; readonly heartbeat: Heartbeat }
  | { readonly ok: false; readonly reason: string };

const TOKEN_CHUNK = 250;
const LABEL = /^[a-z0-9_-]{1,63}$/;
const ROLES: readonly HeartbeatRole[] = [
  "primary",
  "standby",
  "fenced",
  "promoting",
  "demoting",
  "frozen",
  "unknown",
];

function mac(key: Buffer, zone: string, strings: readonly string[]): Buffer {
  return createHmac("sha256", key)
    .update(`sg1\n${zone}\n${strings.join("\n")}`)
    .digest();
}

/** The TXT strings of a heartbeat, signed with `key`. */
export function signHeartbeat(hb: Heartbeat, key: Buffer, zone: string): string[] {
  const strings: string[] = [];
  if (hb.kind === "region") {
    strings.push(`v=sg1 t=region r=${hb.region} n=${hb.nonce} inc=${hb.incarnation}`);
  } else {
    strings.push(
      `v=sg1 t=service r=${hb.region} s=${hb.service} n=${hb.nonce} inc=${hb.incarnation} role=${hb.role} epoch=${hb.epoch} gate=${hb.gateOpen ? "open" : "closed"}`,
    );
    const tok = hb.demotionToken ?? "";
    for (let i = 0; i < tok.length; i += TOKEN_CHUNK) strings.push(`tok=${tok.slice(i, i + TOKEN_CHUNK)}`);
  }
  strings.push(`mac=${mac(key, zone, strings).toString("base64url")}`);
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

/**
 * Verify TXT strings against the key and the nonce the asker sent. Anything that is not exactly a
 * well-formed, correctly signed heartbeat echoing `expectNonce` is rejected with a reason.
 */
export function verifyHeartbeat(
  strings: readonly string[],
  keys: readonly Buffer[],
  zone: string,
  expectNonce: string,
): HeartbeatVerdict {
  if (strings.length < 2) return { ok: false, reason: "not a heartbeat (too few strings)" };
  const last = strings[strings.length - 1]!;
  if (!last.startsWith("mac=")) return { ok: false, reason: "unsigned (no mac string)" };
  const got = Buffer.from(last.slice(4), "base64url");
  const body = strings.slice(0, -1);
  const signed = keys.some((k) => {
    const want = mac(k, zone, body);
    return got.length === want.length && timingSafeEqual(got, want);
  });
  if (!signed) return { ok: false, reason: "bad signature" };
  const f = fields(body[0]!);
  if (f?.get("v") !== "sg1" || !f) return { ok: false, reason: "not a v=sg1 heartbeat" };
  const nonce = f.get("n") ?? "";
  if (nonce !== expectNonce.toLowerCase())
    return { ok: false, reason: "stale nonce (replayed or cached answer)" };
  const region = f.get("r") ?? "";
  const incarnation = f.get("inc") ?? "";
  if (!LABEL.test(region) || !LABEL.test(incarnation))
    return { ok: false, reason: "malformed region or incarnation" };
  const t = f.get("t");
  if (t === "region") {
    if (body.length !== 1 || f.size !== 5) return { ok: false, reason: "malformed region heartbeat" };
    return { ok: true, heartbeat: { kind: "region", region, nonce, incarnation } };
  }
  if (t !== "service") return { ok: false, reason: `unknown heartbeat type ${JSON.stringify(t)}` };
  const service = f.get("s") ?? "";
  const role = f.get("role") as HeartbeatRole;
  const epochText = f.get("epoch") ?? "";
  const gate = f.get("gate");
  if (!LABEL.test(service) || !ROLES.includes(role) || !/^\d{1,15}$/.test(epochText) || f.size !== 9)
    return { ok: false, reason: "malformed service heartbeat" };
  if (gate !== "open" && gate !== "closed") return { ok: false, reason: "malformed gate" };
  let token = "";
  for (const s of body.slice(1)) {
    if (!s.startsWith("tok=")) return { ok: false, reason: "unexpected string in service heartbeat" };
    token += s.slice(4);
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
      ...(token ? { demotionToken: token } : {}),
    },
  };
}

export function isNonceLabel(label: string): boolean {
  return LABEL.test(label);
}
