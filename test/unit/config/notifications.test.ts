import { describe, expect, it } from "vitest";
import { ConfigError, parseConfigText } from "../../../src/config/load.ts";

const BASE = `zone: gslb.example.com
region: eu
heartbeatKeyFile: ./hb.key
regions:
  - name: eu
    nameservers: [127.0.0.11]
`;

function problems(text: string) {
  try {
    parseConfigText(text, "t.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("config notifications", () => {
  it("are optional", () => {
    expect(parseConfigText(BASE, "t.yaml").notifications).toBeUndefined();
  });

  it("fill defaults for timeout, retries, queue and backoff", () => {
    const c = parseConfigText(
      `${BASE}notifications:\n  alertmanager: [http://alertmanager.monitoring:9093]\n`,
      "t.yaml",
    );
    expect(c.notifications).toEqual({
      alertmanager: ["http://alertmanager.monitoring:9093"],
      webhooks: [],
      timeout: 5,
      maxRetries: 3,
      queueSize: 100,
      retryBackoff: 1,
    });
  });

  it("name the field of a bad URL, a bad number and an unknown key", () => {
    const p = problems(
      `${BASE}notifications:\n  alertmanager: ["alertmanager:9093"]\n  webhooks: [https://hooks.example.com/x, "ftp://x"]\n  maxRetries: -1\n  retries: 3\n`,
    );
    expect(p).toContain(
      "notifications.alertmanager[0]: must be an http:// or https:// URL, e.g. http://alertmanager.monitoring:9093",
    );
    expect(p.some((x) => x.startsWith("notifications.webhooks[1]: must be an http:// or https:// URL"))).toBe(
      true,
    );
    expect(p.some((x) => x.startsWith("notifications.maxRetries:"))).toBe(true);
    expect(p.some((x) => x.startsWith("notifications") && x.includes("retries"))).toBe(true);
    expect(p).toHaveLength(4);
  });

  it("bound the timeout", () => {
    expect(problems(`${BASE}notifications:\n  timeout: 0\n`)[0]).toMatch(/^notifications\.timeout: /);
    expect(problems(`${BASE}notifications:\n  timeout: 600\n`)[0]).toMatch(/^notifications\.timeout: /);
  });
});

describe("notification URLs", () => {
  const accepts = (url: string) => {
    try {
      parseConfigText(`${BASE}notifications:\n  webhooks: ["${url}"]\n`, "t.yaml");
      return true;
    } catch {
      return false;
    }
  };
  it("accept host names, IPv4, bracketed IPv6, ports, paths and queries", () => {
    for (const u of [
      "http://alertmanager.monitoring:9093",
      "https://hooks.example.com/services/T0/B0?x=1",
      "http://127.0.0.1:9093/",
      "http://[fd00::1]:9093",
      "http://am",
    ])
      expect(accepts(u), u).toBe(true);
  });
  it("refuse other schemes, missing hosts, spaces and bad ports", () => {
    for (const u of [
      "ftp://x",
      "alertmanager:9093",
      "http://",
      "http:///path",
      "http://a b",
      "http://am:port",
      "http://-am",
    ])
      expect(accepts(u), u).toBe(false);
  });
});
