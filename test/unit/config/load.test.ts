import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfigFile, parseConfigText } from "../../../src/config/load.ts";
import { timingIssues } from "../../../src/config/schema.ts";

const GOOD = `zone: gslb.example.com
region: eu
ttl: 30
negativeTtl: 5
heartbeatKeyFile: ./hb.key
regions:
  - name: eu
    nameservers: [127.0.0.11]
  - name: us
    nameservers: [127.0.0.12]
hosts:
  - name: app
    strategy: roundRobin
    targets:
      eu: [10.0.1.1, 10.0.1.2]
      us: [10.0.2.1, "2001:db8::1"]
  - name: db
    strategy: failover
    primary: eu
    targets:
      eu: [10.0.1.10]
`;

function problems(text: string) {
  try {
    parseConfigText(text, "t.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("accepts the issue's example and fills defaults from the design card", () => {
    const c = parseConfigText(GOOD, "t.yaml");
    expect(c.zone).toBe("gslb.example.com");
    expect(c.witnesses).toEqual(["8.8.8.8", "1.1.1.1", "9.9.9.9"]);
    expect(c.probe.interval).toBe(5);
    expect(c.failover.promoteAfter).toBe(300);
    expect(c.safety).toBe("witness");
  });

  it("names the field path, the line and the reason", () => {
    const p = problems(GOOD.replace("primary: eu", "primary: asia"));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ path: "hosts[1].primary", line: 19 });
    expect(p[0]!.message).toContain('"asia" is not a configured region');
  });

  it("reports every problem at once", () => {
    const bad = GOOD.replace("ttl: 30", "ttl: -3")
      .replace("10.0.1.2", "10.0.1.300")
      .replace("region: eu", "region: ap");
    const paths = problems(bad).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["ttl", "hosts[0].targets.eu[1]", "region"]));
  });

  it("rejects unknown fields, reserved host names and duplicate regions", () => {
    expect(problems(`${GOOD}colour: blue\n`)[0]!.message).toContain("unknown field colour");
    expect(problems(GOOD.replace("name: app", "name: ns-eu"))[0]!.message).toContain("reserved");
    expect(
      problems(GOOD.replace("name: us", "name: eu")).some((p) => p.message.includes("listed twice")),
    ).toBe(true);
  });

  it("rejects YAML syntax errors with a line", () => {
    const p = problems("zone: [unclosed\n");
    expect(p[0]!.message).toMatch(/YAML syntax/);
    expect(p[0]!.line).toBeGreaterThan(0);
  });

  it("applies the timing rule with the numbers in the message", () => {
    const p = problems(`${GOOD}failover:\n  fenceAfter: 60\n  promoteAfter: 70\n`);
    expect(p[0]!.path).toBe("failover.promoteAfter");
    expect(p[0]!.message).toContain("60 + 2*5 + 2*2 + 10 = 84s");
    expect(
      timingIssues({
        probe: { interval: 5, timeout: 2 },
        failover: { fenceAfter: 60, promoteAfter: 84, margin: 10 },
        safety: "witness",
      }),
    ).toEqual([]);
  });

  it("applies the lease rule with the numbers in the message", () => {
    const base = {
      probe: { interval: 5, timeout: 2 },
      failover: { fenceAfter: 60, promoteAfter: 300, margin: 10 },
      safety: "lease" as const,
    };
    expect(timingIssues({ ...base, lease: { ttl: 30, margin: 5, maxClockDrift: 0.01 } })).toEqual([]);
    const bad = timingIssues({ ...base, lease: { ttl: 30, margin: 2, maxClockDrift: 0.01 } });
    expect(bad[0]!.path).toEqual(["lease", "margin"]);
    expect(bad[0]!.message).toContain("2*30*0.01/(1-0.01) + 2*(1+0.01) = 2.63s");
    expect(timingIssues({ ...base, lease: { ttl: 9, margin: 5, maxClockDrift: 0 } })[0]!.path).toEqual([
      "lease",
      "ttl",
    ]);
  });

  it("accepts host:port witnesses and rejects junk", () => {
    expect(
      parseConfigText(`${GOOD}witnesses: ["127.0.0.1:5353", "[::1]:53", "9.9.9.9"]\n`, "t").witnesses,
    ).toHaveLength(3);
    expect(problems(`${GOOD}witnesses: ["dns.google"]\n`)[0]!.path).toBe("witnesses[0]");
  });

  it("loads the key file relative to the config and refuses short keys", () => {
    const dir = mkdtempSync(join(tmpdir(), "sg-cfg-"));
    writeFileSync(join(dir, "c.yaml"), GOOD);
    writeFileSync(join(dir, "hb.key"), "short\n");
    expect(() => loadConfigFile(join(dir, "c.yaml"))).toThrow(/at least 16 are needed/);
    writeFileSync(join(dir, "hb.key"), "0123456789abcdef0123456789abcdef\n");
    expect(loadConfigFile(join(dir, "c.yaml")).heartbeatKeys.sign.secret.length).toBe(32);
    expect(() => loadConfigFile(join(dir, "missing.yaml"))).toThrow(/ENOENT/);
  });

  it("regression (review): refuses a key file that is not a regular file (a FIFO would hang the read)", () => {
    const dir = mkdtempSync(join(tmpdir(), "sg-cfg-"));
    writeFileSync(join(dir, "c.yaml"), GOOD);
    execFileSync("mkfifo", [join(dir, "hb.key")]);
    expect(() => loadConfigFile(join(dir, "c.yaml"))).toThrow(/is not a regular file/);
  });

  it("regression (review): keeps every generated name and TXT string within the wire limits", () => {
    const long = (n: number) => "h".repeat(n);
    expect(problems(GOOD.replace("name: app", `name: ${long(51)}`))[0]!.message).toContain(
      "at most 50 characters",
    );
    expect(parseConfigText(GOOD.replace("name: app", `name: ${long(50)}`), "t").hosts[0]!.name).toHaveLength(
      50,
    );
    expect(
      problems(GOOD.replace(/name: us/, `name: ${long(25)}`)).some((p) => p.message.includes("at most 24")),
    ).toBe(true);
    expect(
      problems(GOOD.replace("zone: gslb.example.com", `zone: ${long(60)}.${long(60)}.${long(30)}`))[0]!
        .message,
    ).toContain("at most 140 characters");
    const many = Array.from({ length: 2001 }, (_, i) => `"10.${(i >> 8) & 255}.${i & 255}.1"`).join(", ");
    expect(problems(GOOD.replace("eu: [10.0.1.1, 10.0.1.2]", `eu: [${many}]`))[0]!.message).toContain(
      "at most 2,000",
    );
  });
});
