// TSIG key rotation against a real BIND 9 (runbooks/rotate-tsig-key.md): the server holds the old
// key, then both (the overlap), then only the new one; splitguard's config lists both keys and
// moves `signWith` from the old to the new. Lease compare-and-swaps keep succeeding through every
// step, `lease check` proves each key separately, and a region still signing with the removed key
// falls back to the other listed key on BADKEY instead of losing the lease. Key material never
// appears in any output.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LeaseValue } from "../../src/core/lease-transport.ts";
import type { TsigKey } from "../../src/dns/tsig.ts";
import { runCli } from "../support/run-cli.ts";
import { type RunningWitness, startWitness, transportFor, tsigKeygen } from "../support/witness-servers.ts";

let bind: RunningWitness;
let dir: string;
const keys: Record<"a" | "b", { key: TsigKey; clause: string; b64: string }> = {} as never;

beforeAll(async () => {
  for (const id of ["a", "b"] as const) {
    const { clause, key } = tsigKeygen(`sg-lease-${id}`);
    keys[id] = { key, clause, b64: key.secret.toString("base64") };
  }
  bind = await startWitness("bind-1", "bind", "127.0.0.1", keys.a.key);
  dir = mkdtempSync(join(tmpdir(), "sg-tsig-rotation-"));
  writeFileSync(join(dir, "hb.key"), "0123456789abcdef0123456789abcdef\n");
  writeFileSync(join(dir, "a.key"), keys.a.clause);
  writeFileSync(join(dir, "b.key"), keys.b.clause);
}, 30_000);
afterAll(async () => {
  await bind?.kill();
  if (bind) rmSync(bind.input.dir, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The one BIND listed three times (the schema wants three witnesses), with these keys. */
function config(witnessKeys: string): string {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  const ws = [1, 2, 3]
    .map(
      (n) =>
        `    - name: w${n}\n      address: ${bind.input.address}:${bind.input.port}\n      zone: ${bind.input.zone}\n${witnessKeys}`,
    )
    .join("");
  writeFileSync(
    file,
    `zone: gslb.example.com
region: eu
heartbeatKeyFile: hb.key
safety: lease
regions:
  - name: eu
    nameservers: [127.0.0.11]
probe: { interval: 5, timeout: 1 }
lease:
  witnesses:
${ws}`,
  );
  return file;
}
const both = (signWith: "a" | "b") =>
  `      signWith: ${signWith}\n      keys:\n        - { id: a, keyName: sg-lease-a, keyFile: a.key }\n        - { id: b, keyName: sg-lease-b, keyFile: b.key }\n`;

async function leaseCheck(file: string) {
  const { code, out, err } = await runCli("lease", "check", "--config", file, "-o", "json");
  for (const s of [out, err])
    for (const k of Object.values(keys)) {
      expect(s).not.toContain(k.b64);
      expect(s).not.toContain(k.b64.slice(0, 12));
    }
  const rows = (
    JSON.parse(out || '{"witnesses":[]}').witnesses as {
      key: { id: string };
      result: string;
      reason?: string;
    }[]
  ).filter((_, i, all) => i < all.length / 3); // w1's rows (w2, w3 are the same server)
  return { code, rows: Object.fromEntries(rows.map((r) => [r.key.id, r.reason ?? r.result])) };
}

const v = (seq: number): LeaseValue => ({ holder: "eu", epoch: 1, seq });

describe("TSIG key rotation on a real BIND 9", () => {
  it("old key -> both keys -> new key: every CAS succeeds, each key proved, the removed key falls back", async () => {
    const viaA = transportFor(bind, { key: keys.a.key });
    const viaB = transportFor(bind, { key: keys.b.key });

    // 0. The server has only the old key. `lease check` shows the new one is not there yet.
    expect(await viaA.compareAndSwap("db", null, v(1), 1000)).toEqual({ kind: "ok" });
    const before = await leaseCheck(config(both("a")));
    expect(before.code).toBe(1);
    expect(before.rows.a).toBe("pass");
    expect(before.rows.b).toMatch(/BADKEY/);
    expect(await viaB.compareAndSwap("db", v(1), v(2), 1000)).toMatchObject({
      kind: "error",
      reason: expect.stringMatching(/BADKEY/),
    });

    // 1. The overlap: the server has both keys. Each key passes on its own.
    await bind.reconfigure({ moreKeys: [{ keyName: "sg-lease-b", secret: keys.b.b64 }] }, keys.a.key);
    const overlap = await leaseCheck(config(both("a")));
    expect(overlap).toEqual({ code: 0, rows: { a: "pass", b: "pass" } });
    // Old signer then new signer, and back: each CAS sees the value the other key wrote.
    expect(await viaA.compareAndSwap("db", v(1), v(2), 1000)).toEqual({ kind: "ok" });
    expect(await viaB.compareAndSwap("db", v(2), v(3), 1000)).toEqual({ kind: "ok" });
    expect(await viaA.compareAndSwap("db", v(3), v(4), 1000)).toEqual({ kind: "ok" });
    expect(await viaB.read("db", 1000)).toEqual({ kind: "value", value: v(4) });

    // 2. signWith moved to b everywhere; then the old key leaves the server.
    expect((await leaseCheck(config(both("b")))).code).toBe(0);
    await bind.reconfigure({ keyName: "sg-lease-b", secret: keys.b.b64, moreKeys: [] }, keys.b.key);
    expect(await viaB.compareAndSwap("db", v(4), v(5), 1000)).toEqual({ kind: "ok" });
    // A region still signing with the removed key, without the new one listed: BADKEY, named.
    const stale = await viaA.compareAndSwap("db", v(5), v(6), 1000);
    expect(stale).toMatchObject({
      kind: "error",
      reason: expect.stringMatching(/^bind-1 .*BADKEY/),
    });
    // ...with the new key listed (signWith not yet moved there): falls back on BADKEY and renews.
    const fallback = transportFor(bind, { key: keys.a.key, fallbackKeys: [keys.b.key] });
    expect(await fallback.compareAndSwap("db", v(5), v(6), 1000)).toEqual({ kind: "ok" });
    const after = await leaseCheck(config(both("b")));
    expect(after.rows).toEqual({ a: expect.stringMatching(/BADKEY/), b: "pass" });
    // 3. The old key removed from the configuration too: clean.
    const only = await leaseCheck(config("      keyName: sg-lease-b\n      keyFile: b.key\n"));
    expect(only.code).toBe(0);
  }, 60_000);
});
