// Fuzzing the configuration loader: whatever the text, it either returns a configuration that
// satisfies the schema's cross-field rules, or throws a ConfigError with located problems. It never
// throws anything else, and never accepts a malformed value as valid.
import { isIP } from "node:net";
import fc from "fast-check";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfigText } from "../../../src/config/load.ts";
import type { Config } from "../../../src/config/schema.ts";

function checkAccepted(c: Config): void {
  const regions = c.regions.map((r) => r.name);
  expect(new Set(regions).size).toBe(regions.length);
  expect(regions).toContain(c.region);
  for (const r of c.regions) for (const ns of r.nameservers) expect(isIP(ns)).not.toBe(0);
  for (const h of c.hosts) {
    for (const [r, ips] of Object.entries(h.targets)) {
      expect(regions).toContain(r);
      for (const ip of ips) expect(isIP(ip)).not.toBe(0);
    }
    if (h.strategy === "failover") expect(regions).toContain(h.primary);
  }
  expect(c.failover.promoteAfter).toBeGreaterThanOrEqual(
    c.failover.fenceAfter + 2 * c.probe.interval + 2 * c.probe.timeout + c.failover.margin,
  );
}

function attempt(text: string): void {
  let c: Config;
  try {
    c = parseConfigText(text, "fuzz.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const problems = (e as ConfigError).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p.message.length).toBeGreaterThan(0);
    return;
  }
  checkAccepted(c);
}

const BASE = {
  zone: "gslb.example.com",
  region: "eu",
  heartbeatKeyFile: "./hb.key",
  regions: [
    { name: "eu", nameservers: ["127.0.0.11"] },
    { name: "us", nameservers: ["127.0.0.12"] },
  ],
  hosts: [
    { name: "db", strategy: "failover", primary: "eu", targets: { eu: ["10.0.0.1"], us: ["10.0.0.2"] } },
  ],
};

/** Random values of the kinds a person or a tool might put anywhere. */
const junk = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.ipV4(),
  fc.ipV6(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 3 }),
);

/** Set one path of the base document to a junk value. */
function mutate(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy = (Array.isArray(doc) ? [...doc] : { ...(doc as object) }) as Record<string | number, unknown>;
  copy[head!] = mutate((doc as Record<string | number, unknown>)?.[head!], rest, value);
  return copy;
}

/** Fields whose cross-field rules a change to the key can break. */
const DEPENDS: Record<string, string[]> = {
  regions: ["region", "hosts"],
  probe: ["failover"],
  safety: ["lease"],
  unknownField: [""],
};

const PATHS: (string | number)[][] = [
  ["zone"],
  ["region"],
  ["ttl"],
  ["negativeTtl"],
  ["regions", 0, "name"],
  ["regions", 1, "nameservers", 0],
  ["regions", 2],
  ["hosts", 0, "strategy"],
  ["hosts", 0, "primary"],
  ["hosts", 0, "targets", "eu", 0],
  ["hosts", 0, "targets", "mars"],
  ["hosts", 1],
  ["witnesses", 0],
  ["probe", "interval"],
  ["probe", "timeout"],
  ["failover", "promoteAfter"],
  ["failover", "fenceAfter"],
  ["safety"],
  ["lease"],
  ["rateLimit", "slip"],
  ["tcp", "maxConnections"],
  ["unknownField"],
];

describe("config loader fuzz", () => {
  it("random text: a ConfigError or a valid configuration, nothing else", () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), attempt), { numRuns: 3000 });
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            "zone:",
            " ",
            "\n",
            "- ",
            "[",
            "]",
            "{",
            "}",
            ":",
            "eu",
            "1",
            "'",
            '"',
            "#",
            "&a",
            "*a",
            "!!str",
            "\t",
          ),
          { maxLength: 60 },
        ),
        (parts) => attempt(parts.join("")),
      ),
      { numRuns: 3000 },
    );
  });

  it("the base document with one field set to junk: rejected with that field's path, or still valid", () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATHS), junk, (path, value) => {
        const text = dump(mutate(BASE, path, value), { noRefs: true });
        try {
          checkAccepted(parseConfigText(text, "fuzz.yaml"));
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          // Reported at the mutated field, or at a field whose rule depends on it.
          const top = String(path[0]);
          const related = [top, ...(DEPENDS[top] ?? [])];
          const paths = (e as ConfigError).problems.map((p) => p.path);
          expect(
            paths.some((p) => related.some((r) => p === r || p.startsWith(`${r}.`) || p.startsWith(`${r}[`))),
            `${JSON.stringify(path)} = ${JSON.stringify(value)} reported at ${JSON.stringify(paths)}`,
          ).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
