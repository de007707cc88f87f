// Heartbeat key rotation (issue 10): records name the key that signed them, verifiers accept any
// listed key, and the old single key (heartbeatKeyFile, no id) interoperates with keys with ids.
import { describe, expect, it } from "vitest";
import {
  type HeartbeatKey,
  type RegionHeartbeatRecord,
  signHeartbeat,
  verifyHeartbeat,
} from "../../../src/core/heartbeat-record.ts";

const Z = "gslb.example.com";
const OLD: HeartbeatKey = { id: "k2026a", secret: Buffer.alloc(32, 0x11) };
const NEW: HeartbeatKey = { id: "k2026b", secret: Buffer.alloc(32, 0x22) };
const hb: RegionHeartbeatRecord = {
  kind: "region",
  region: "eu",
  nonce: "n0",
  incarnation: 5,
  servicesDigest: "AAAAAAAAAAAAAAAAAAAAAA",
  serviceCount: 0,
};
const verify = (signer: HeartbeatKey | Buffer, verifiers: readonly (HeartbeatKey | Buffer)[]) =>
  verifyHeartbeat(signHeartbeat(hb, signer, Z), verifiers, Z, "n0");

describe("heartbeat keys with ids (rotation without downtime)", () => {
  it("names the signing key in the mac string, and the MAC covers the id", () => {
    const strings = signHeartbeat(hb, NEW, Z);
    expect(strings.at(-1)).toMatch(/^mac=k2026b:[A-Za-z0-9_-]{43}$/);
    // Renaming the key in the record to another listed key does not verify under that key.
    const renamed = [...strings.slice(0, -1), strings.at(-1)!.replace("k2026b:", "k2026a:")];
    const sameSecret = { id: "k2026a", secret: NEW.secret };
    expect(verifyHeartbeat(renamed, [sameSecret, NEW], Z, "n0")).toEqual({
      ok: false,
      reason: "bad signature (key id k2026a)",
    });
  });

  it("during the overlap: an old signer and a new verifier, and the reverse, both verify", () => {
    // Step 1 of the runbook: every region lists both keys, all still sign with OLD.
    expect(verify(OLD, [OLD, NEW]).ok).toBe(true);
    // Step 2: regions switch signWith to NEW one by one; those still on OLD and those on NEW
    // accept each other, whichever has switched.
    expect(verify(NEW, [OLD, NEW]).ok).toBe(true);
    expect(verify(NEW, [NEW, OLD]).ok).toBe(true);
  });

  it("rejects a key that is not (or no longer) listed, naming its id", () => {
    // Step 3 done (OLD removed here), but a region still signs with OLD: rejected, and why.
    expect(verify(OLD, [NEW])).toEqual({
      ok: false,
      reason: "unknown key id k2026a (not among the configured heartbeat keys)",
    });
    // A signer that moved to NEW before this verifier had it (the order the runbook forbids).
    expect(verify(NEW, [OLD])).toEqual({
      ok: false,
      reason: "unknown key id k2026b (not among the configured heartbeat keys)",
    });
    // The right id with the wrong secret is a bad signature, not a match on the id alone.
    expect(verify({ id: "k2026b", secret: Buffer.alloc(32, 9) }, [OLD, NEW]).ok).toBe(false);
  });

  it("the old single key (heartbeatKeyFile, no id) interoperates with the same secret under an id", () => {
    const legacy = OLD.secret;
    // A region still on heartbeatKeyFile signs without an id; a migrated region verifies it.
    const plain = signHeartbeat(hb, legacy, Z);
    expect(plain.at(-1)).toMatch(/^mac=[A-Za-z0-9_-]{43}$/);
    expect(verify(legacy, [OLD]).ok).toBe(true);
    expect(verify(legacy, [NEW, OLD]).ok).toBe(true);
    // A migrated region signs with the id; a region still on heartbeatKeyFile verifies it.
    expect(verify(OLD, [legacy]).ok).toBe(true);
    // But not with another secret.
    expect(verify(NEW, [legacy])).toEqual({ ok: false, reason: "bad signature (key id k2026b)" });
    expect(verify(legacy, [NEW])).toEqual({ ok: false, reason: "bad signature" });
  });

  it("rejects a malformed key id", () => {
    const strings = signHeartbeat(hb, NEW, Z);
    for (const id of ["", "K2026B", "-x", "a/b", "x".repeat(33)]) {
      const bad = [...strings.slice(0, -1), strings.at(-1)!.replace("k2026b:", `${id}:`)];
      expect(verifyHeartbeat(bad, [NEW], Z, "n0").ok).toBe(false);
    }
  });
});
