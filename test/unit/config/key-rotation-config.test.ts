// Configuration of key sets for rotation: heartbeatKeys {signWith, keys: [{id, file}]} beside the
// old heartbeatKeyFile, and a lease witness's TSIG keys [{id, keyName, keyFile|keySecret}]. Every
// rejection names the field; no message carries key material.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadLeaseKeys } from "../../../src/config/lease-keys.ts";
import { type ConfigError, loadConfigFile, parseConfigText } from "../../../src/config/load.ts";

const head = (keys: string) => `zone: gslb.example.com
region: eu
${keys}regions:
  - name: eu
    nameservers: [127.0.0.11]
`;
const hbKeys = (signWith: string | null, ids: string[], file = (id: string) => `${id}.key`) =>
  head(
    `heartbeatKeys:\n${signWith === null ? "" : `  signWith: ${signWith}\n`}  keys:\n${ids.map((id) => `    - { id: ${id}, file: ${file(id)} }\n`).join("")}`,
  );

function problems(text: string) {
  try {
    parseConfigText(text, "t.yaml");
  } catch (e) {
    return (e as ConfigError).problems.map((p) => ({ path: p.path, message: p.message }));
  }
  return [];
}

describe("heartbeatKeys", () => {
  it("accepts one key without signWith, several with it; the old heartbeatKeyFile still works", () => {
    expect(problems(hbKeys(null, ["k1"]))).toEqual([]);
    expect(problems(hbKeys("k1", ["k1", "k2"]))).toEqual([]);
    expect(problems(head("heartbeatKeyFile: hb.key\n"))).toEqual([]);
  });

  it("rejects duplicate ids, an unknown signWith, a missing signWith and bad ids, with the field", () => {
    expect(problems(hbKeys("k1", ["k1", "k1"]))).toEqual([
      { path: "heartbeatKeys.keys[1].id", message: 'key id "k1" is listed twice' },
    ]);
    expect(problems(hbKeys("k3", ["k1", "k2"]))).toEqual([
      { path: "heartbeatKeys.signWith", message: 'signWith "k3" is not one of the listed key ids (k1, k2)' },
    ]);
    expect(problems(hbKeys(null, ["k1", "k2"]))[0]).toMatchObject({
      path: "heartbeatKeys.signWith",
      message: expect.stringMatching(/2 keys are listed: set signWith/),
    });
    expect(problems(hbKeys("K1", ["K1"])).map((p) => p.path)).toContain("heartbeatKeys.keys[0].id");
  });

  it("needs exactly one of heartbeatKeyFile and heartbeatKeys", () => {
    expect(problems(head(""))).toEqual([
      { path: "heartbeatKeyFile", message: expect.stringMatching(/^is required: .*heartbeatKeys/) },
    ]);
    expect(
      problems(head("heartbeatKeyFile: hb.key\n") + hbKeys(null, ["k1"]).split("\n").slice(2, 5).join("\n")),
    ).toEqual([{ path: "heartbeatKeys", message: expect.stringMatching(/not both/) }]);
  });

  it("loads every key, picks the signing one, and rejects short or unreadable key files by field", () => {
    const dir = mkdtempSync(join(tmpdir(), "sg-hbkeys-"));
    writeFileSync(join(dir, "k1.key"), "old-secret-0123456789abcdef\n");
    writeFileSync(join(dir, "k2.key"), "new-secret-0123456789abcdef\n");
    writeFileSync(join(dir, "c.yaml"), hbKeys("k2", ["k1", "k2"]));
    const loaded = loadConfigFile(join(dir, "c.yaml"));
    expect(loaded.heartbeatKeys.sign.id).toBe("k2");
    expect(loaded.heartbeatKeys.sign.secret.toString()).toBe("new-secret-0123456789abcdef");
    expect(loaded.heartbeatKeys.verify.map((k) => k.id)).toEqual(["k1", "k2"]);
    writeFileSync(join(dir, "short.key"), "short-secret\n");
    writeFileSync(
      join(dir, "d.yaml"),
      hbKeys("k1", ["k1", "k2", "k3"], (id) => (id === "k2" ? "short.key" : `${id}.key`)),
    );
    let err: ConfigError | undefined;
    try {
      loadConfigFile(join(dir, "d.yaml"));
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems.map((p) => p.path)).toEqual([
      "heartbeatKeys.keys[1].file",
      "heartbeatKeys.keys[2].file",
    ]);
    expect(err?.problems[0]?.message).toMatch(/holds 12 bytes; at least 16 are needed/);
    expect(err?.problems[1]?.message).toMatch(/cannot read key file .*k3\.key \(ENOENT\)/);
    expect(JSON.stringify(err?.problems)).not.toContain("short-secret");
  });
});

describe("lease witness TSIG keys", () => {
  const SECRET_A = Buffer.alloc(32, 0x41).toString("base64");
  const SECRET_B = Buffer.alloc(32, 0x42).toString("base64");
  const lease = (witness: string) => `${head("heartbeatKeyFile: hb.key\n")}safety: lease
lease:
  witnesses:
${[0, 1, 2].map((i) => `    - address: 127.0.0.${21 + i}:53\n      zone: lease.example.com\n${witness}`).join("")}`;
  const two = (signWith: string, ids = ["a", "b"], aFile = "a.key") =>
    `      signWith: ${signWith}\n      keys:\n        - { id: ${ids[0]}, keyName: sg-lease-a, keyFile: ${aFile} }\n        - { id: ${ids[1]}, keyName: sg-lease-b, keyFile: b.key }\n`;

  it("accepts keys [...] with signWith; rejects duplicates, unknown signWith and mixing the forms", () => {
    expect(problems(lease(two("b")))).toEqual([]);
    expect(problems(lease(two("b", ["a", "a"]))).map((p) => p.path)).toContain(
      "lease.witnesses[0].keys[1].id",
    );
    expect(problems(lease(two("c")))[0]).toEqual({
      path: "lease.witnesses[0].signWith",
      message: 'signWith "c" is not one of the listed key ids (a, b)',
    });
    expect(problems(lease(`      keyName: x\n${two("a")}`))[0]).toMatchObject({
      path: "lease.witnesses[0].keyName",
      message: expect.stringMatching(/single-key form/),
    });
    expect(problems(lease("      keyFile: a.key\n"))[0]).toMatchObject({
      path: "lease.witnesses[0].keyName",
    });
  });

  it("loads the signing key first with the others for fallback; a short key is refused by field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sg-tsigkeys-"));
    writeFileSync(
      join(dir, "a.key"),
      `key "sg-lease-a" {\n\talgorithm hmac-sha256;\n\tsecret "${SECRET_A}";\n};\n`,
    );
    writeFileSync(join(dir, "b.key"), `${SECRET_B}\n`);
    writeFileSync(join(dir, "short.key"), `${Buffer.alloc(8, 1).toString("base64")}\n`);
    const keys = await loadLeaseKeys(parseConfigText(lease(two("b")), "t"), join(dir, "c.yaml"), "c.yaml");
    expect(keys[0]).toMatchObject({ id: "b", name: "sg-lease-b" });
    expect(keys[0]!.all.map((k) => k.id)).toEqual(["b", "a"]);
    expect(keys[0]!.all[1]!.secret.toString("base64")).toBe(SECRET_A);
    const err = await loadLeaseKeys(
      parseConfigText(lease(two("b", ["a", "b"], "short.key")), "t"),
      join(dir, "c.yaml"),
      "c.yaml",
    ).catch((e) => e as ConfigError);
    expect((err as ConfigError).problems[0]).toMatchObject({
      path: "lease.witnesses[0].keys[0].keyFile",
      message: expect.stringMatching(/holds a 8-octet secret; at least 16 are needed/),
    });
  });
});
