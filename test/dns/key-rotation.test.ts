// Heartbeat key rotation on a running `dns serve` (runbooks/rotate-heartbeat-key.md): the
// configuration moves from the old single key to key ids, adds a key, switches signWith and drops
// the old key, each by a reload; the process keeps answering throughout, and every answer verifies
// under the keys a peer lists at that step.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type HeartbeatKey, verifyHeartbeat } from "../../src/core/heartbeat-record.ts";
import { decodeMessage } from "../../src/dns/message.ts";
import { buildQuery, udpExchange } from "../support/dns-client.ts";
import { CONFIG } from "./support/fixture.ts";
import { type ServeProcess, spawnServe } from "./support/spawn-serve.ts";

const OLD_TEXT = "rotation-old-key-0123456789abcdef";
const NEW_TEXT = "rotation-new-key-fedcba9876543210";
const OLD: HeartbeatKey = { id: "k1", secret: Buffer.from(OLD_TEXT) };
const NEW: HeartbeatKey = { id: "k2", secret: Buffer.from(NEW_TEXT) };
const Z = "gslb.example.com";

let srv: ServeProcess | undefined;
afterEach(async () => {
  await srv?.stop();
  srv = undefined;
});

let n = 0;
/** One region heartbeat question; the TXT strings, or undefined when nothing came back. */
async function heartbeat(s: ServeProcess): Promise<{ nonce: string; strings: string[] } | undefined> {
  const nonce = `rot${++n}`;
  const r = await udpExchange(s.host, s.port, buildQuery({ name: `${nonce}.eu.hb.${Z}`, type: 16 }), 1000);
  if (!r) return undefined;
  const m = decodeMessage(r);
  const rd = m.answers[0]?.rdata;
  if (rd?.kind !== "txt") return undefined;
  return { nonce, strings: rd.strings.map((b) => Buffer.from(b).toString("utf8")) };
}

const withKeys = (keys: string) => CONFIG.replace("heartbeatKeyFile: ./hb.key\n", keys);

describe("heartbeat key rotation on a running responder", () => {
  it("old single key -> ids -> both -> signs with the new -> new only, answering throughout", async () => {
    srv = await spawnServe(CONFIG, OLD_TEXT);
    writeFileSync(join(srv.dir, "hb-new.key"), `${NEW_TEXT}\n`);
    const s = srv;
    let asked = 0;
    let unanswered = 0;
    const steps: {
      config: string;
      macPrefix: RegExp;
      verifiers: HeartbeatKey[][];
      rejecters: HeartbeatKey[][];
    }[] = [
      // The old single key signs without an id; a peer that lists it under id k1 accepts it.
      {
        config: CONFIG,
        macPrefix: /^mac=[A-Za-z0-9_-]{43}$/,
        verifiers: [[OLD], [NEW, OLD]],
        rejecters: [[NEW]],
      },
      // Step 0: the same secret under an id.
      {
        config: withKeys("heartbeatKeys:\n  keys:\n    - { id: k1, file: ./hb.key }\n"),
        macPrefix: /^mac=k1:/,
        verifiers: [[OLD], [OLD, NEW]],
        rejecters: [[NEW]],
      },
      // Step 1: both listed, still signing with k1.
      {
        config: withKeys(
          "heartbeatKeys:\n  signWith: k1\n  keys:\n    - { id: k1, file: ./hb.key }\n    - { id: k2, file: ./hb-new.key }\n",
        ),
        macPrefix: /^mac=k1:/,
        verifiers: [[OLD], [OLD, NEW]],
        rejecters: [[NEW]],
      },
      // Step 2: signing with k2; peers that list both accept it.
      {
        config: withKeys(
          "heartbeatKeys:\n  signWith: k2\n  keys:\n    - { id: k1, file: ./hb.key }\n    - { id: k2, file: ./hb-new.key }\n",
        ),
        macPrefix: /^mac=k2:/,
        verifiers: [[OLD, NEW], [NEW]],
        rejecters: [[OLD]],
      },
      // Step 3: k1 gone.
      {
        config: withKeys("heartbeatKeys:\n  keys:\n    - { id: k2, file: ./hb-new.key }\n"),
        macPrefix: /^mac=k2:/,
        verifiers: [[NEW]],
        rejecters: [[OLD]],
      },
    ];
    for (const step of steps) {
      writeFileSync(s.configPath, step.config);
      s.proc.kill("SIGHUP");
      // Until the reload lands the previous key may still sign: poll, counting every question.
      let hb: Awaited<ReturnType<typeof heartbeat>>;
      const end = Date.now() + 8000;
      do {
        hb = await heartbeat(s);
        asked += 1;
        if (!hb) unanswered += 1;
      } while (Date.now() < end && !(hb && step.macPrefix.test(hb.strings.at(-1)!)));
      expect(hb?.strings.at(-1)).toMatch(step.macPrefix);
      for (const keys of step.verifiers)
        expect(
          verifyHeartbeat(hb!.strings, keys, Z, hb!.nonce).ok,
          `verified by ${keys.map((k) => k.id)}`,
        ).toBe(true);
      for (const keys of step.rejecters)
        expect(
          verifyHeartbeat(hb!.strings, keys, Z, hb!.nonce).ok,
          `rejected by ${keys.map((k) => k.id)}`,
        ).toBe(false);
    }
    console.log(
      `[key-rotation] ${steps.length} reloads, ${asked} heartbeat questions, ${unanswered} unanswered`,
    );
    expect(unanswered).toBe(0);
    expect(s.logs()).not.toMatch(/reload rejected/);
    // Not one key's text in the log lines.
    expect(s.logs()).not.toContain(OLD_TEXT.slice(0, 16));
    expect(s.logs()).not.toContain(NEW_TEXT.slice(0, 16));
  }, 60_000);
});
