import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveKubeconfig } from "../../../src/kube/kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "sg-kubeconfig-"));
const write = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
const a = write(
  "a",
  `apiVersion: v1
kind: Config
current-context: one
clusters:
- name: c1
  cluster: { server: "https://127.0.0.1:6443", certificate-authority: ca.crt }
- name: c2
  cluster: { server: "https://10.0.0.1", insecure-skip-tls-verify: true }
users:
- name: u1
  user: { token: tok-1 }
- name: u2
  user: { exec: { command: aws } }
contexts:
- name: one
  context: { cluster: c1, user: u1, namespace: db }
- name: two
  context: { cluster: c2, user: u1 }
- name: plug
  context: { cluster: c2, user: u2 }
`,
);
write("ca.crt", "CA");
const b = write(
  "b",
  `current-context: two
contexts:
- name: one
  context: { cluster: c2, user: u1 }
`,
);

describe("resolveKubeconfig", () => {
  it("uses current-context, reading files relative to the kubeconfig", () => {
    const r = resolveKubeconfig({ kubeconfig: a, env: {} });
    expect(r.conn.server).toBe("https://127.0.0.1:6443");
    expect(r.conn.token).toBe("tok-1");
    expect(String(r.conn.ca)).toBe("CA");
    expect(r.namespace).toBe("db");
  });
  it("--context picks another", () => {
    expect(resolveKubeconfig({ kubeconfig: a, context: "two", env: {} }).conn).toMatchObject({
      server: "https://10.0.0.1",
      insecureSkipTlsVerify: true,
    });
  });
  it("KUBECONFIG merges files, the first to set a name wins (as kubectl)", () => {
    const r = resolveKubeconfig({ env: { KUBECONFIG: `${a}:${b}` } });
    expect(r.conn.server).toBe("https://127.0.0.1:6443"); // current-context and context "one" from a
  });
  it("names exec plugins as unsupported, and unknown contexts", () => {
    expect(() => resolveKubeconfig({ kubeconfig: a, context: "plug", env: {} })).toThrow(
      /exec\/auth-provider plugin/,
    );
    expect(() => resolveKubeconfig({ kubeconfig: a, context: "nope", env: {} })).toThrow(
      /context "nope" not found/,
    );
  });
  it("falls back to the in-cluster service account", () => {
    const sa = mkdtempSync(join(tmpdir(), "sg-sa-"));
    writeFileSync(join(sa, "token"), "sa-token\n");
    writeFileSync(join(sa, "ca.crt"), "SACA");
    writeFileSync(join(sa, "namespace"), "splitguard");
    const r = resolveKubeconfig({
      env: { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" },
      home: dir,
      saDir: sa,
    });
    expect(r.conn).toMatchObject({ server: "https://10.96.0.1:443", token: "sa-token" });
    expect(r.namespace).toBe("splitguard");
  });
});
