import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadLeaseKeys } from "../../../src/config/lease-keys.ts";
import { ConfigError, parseConfigText } from "../../../src/config/load.ts";

const SECRET = Buffer.alloc(32, 0x41).toString("base64");
const base = (witness: string) => `zone: gslb.example.com
region: eu
heartbeatKeyFile: hb.key
safety: lease
regions:
  - name: eu
    nameservers: [127.0.0.11]
lease:
  witnesses:
${[0, 1, 2].map((i) => `    - address: 127.0.0.${21 + i}:53\n      zone: lease.example.com\n      keyName: splitguard-lease\n${witness}`).join("")}`;

function problems(text: string) {
  try {
    parseConfigText(text, "t.yaml");
  } catch (e) {
    return (e as ConfigError).problems;
  }
  return [];
}

describe("lease witness keys: a file or a Kubernetes Secret", () => {
  it("accepts keyFile or keySecret, and rejects neither or both with the path", () => {
    expect(problems(base("      keyFile: lease.key\n"))).toEqual([]);
    expect(problems(base("      keySecret: { name: lease-tsig, key: tsig.key }\n"))).toEqual([]);
    const none = problems(base(""));
    expect(none.map((p) => p.path)).toEqual([
      "lease.witnesses[0].keyFile",
      "lease.witnesses[1].keyFile",
      "lease.witnesses[2].keyFile",
    ]);
    expect(none[0]!.message).toMatch(/exactly one of keyFile .* or keySecret/);
    const both = problems(base("      keyFile: a.key\n      keySecret: { name: s, key: k }\n"));
    expect(both[0]).toMatchObject({ path: "lease.witnesses[0].keySecret", line: expect.any(Number) });
  });

  it("loads tsig-keygen clauses and bare base64, and reads Secrets through the injected reader", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sg-keys-"));
    writeFileSync(
      join(dir, "lease.key"),
      `key "splitguard-lease" {\n\talgorithm hmac-sha256;\n\tsecret "${SECRET}";\n};\n`,
    );
    const asked: unknown[] = [];
    const keys = await loadLeaseKeys(
      parseConfigText(base("      keyFile: lease.key\n"), "t"),
      join(dir, "c.yaml"),
      "c.yaml",
    );
    expect(keys.map((k) => k.secret.toString("base64"))).toEqual([SECRET, SECRET, SECRET]);
    const viaSecret = await loadLeaseKeys(
      parseConfigText(base("      keySecret: { name: lease-tsig, key: tsig.key, namespace: dbs }\n"), "t"),
      join(dir, "c.yaml"),
      "c.yaml",
      async (ref) => {
        asked.push(ref);
        return Buffer.from(`${SECRET}\n`);
      },
    );
    expect(viaSecret[0]!.secret.toString("base64")).toBe(SECRET);
    expect(asked[0]).toEqual({ name: "lease-tsig", key: "tsig.key", namespace: "dbs" });
  });

  it("names the problem, never the key material", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sg-keys-"));
    writeFileSync(
      join(dir, "other.key"),
      `key "other-key" {\n\talgorithm hmac-sha256;\n\tsecret "${SECRET}";\n};\n`,
    );
    writeFileSync(join(dir, "bad.key"), "hunter2-secret-words\n");
    for (const [file, why] of [
      ["other.key", /defines key "other-key", but keyName is "splitguard-lease"/],
      ["bad.key", /neither a key clause .* nor base64/],
      ["missing.key", /cannot read key file .*missing\.key \(ENOENT\)/],
    ] as const) {
      const err = await loadLeaseKeys(
        parseConfigText(base(`      keyFile: ${file}\n`), "t"),
        join(dir, "c.yaml"),
        "c.yaml",
      ).catch((e) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(why);
      expect(err.message).not.toContain(SECRET.slice(0, 10));
      expect(err.message).not.toContain("hunter2");
    }
  });
});
