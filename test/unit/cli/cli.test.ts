// The CLI contract: --help on every verb, exit 2 for bad usage or configuration, 1 for runtime failure.
import { createSocket } from "node:dgram";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commands } from "../../../src/cli/registry.ts";
import { runCliUntil } from "../../support/run-cli.ts";

/** Stopped from the start: a verb that would serve returns at once instead of holding the test. */
const run = (...argv: string[]) => runCliUntil(Promise.resolve(), ...argv);

const EXAMPLE = join(import.meta.dirname, "../../../examples/standalone/splitguard.yaml");

describe("splitguard CLI", () => {
  it("lists every verb in --help and exits 0", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    for (const c of commands) expect(r.out).toContain(c.path.join(" "));
  });

  it.each(commands.map((c) => [c.path.join(" ")]))("has --help for %s", async (verb) => {
    const r = await run(...verb.split(" "), "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: splitguard ${verb}`);
  });

  it("exits 2 for an unknown verb, an unknown flag, or a missing required flag", async () => {
    expect((await run("frobnicate")).code).toBe(2);
    const flag = await run("config", "validate", "--bogus");
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/Unknown option '--bogus'/);
    const missing = await run("dns", "serve");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--config FILE is required");
    expect((await run("dns", "serve", "--config", EXAMPLE, "--listen", "nonsense")).code).toBe(2);
  });

  it("controller: --config is required; a bad --listen, --metrics or --region exits 2 before any connection", async () => {
    const missing = await run("controller");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--config FILE is required");
    const listen = await run("controller", "--config", EXAMPLE, "--listen", "nonsense");
    expect(listen.code).toBe(2);
    expect(listen.err).toMatch(/--listen nonsense: expected HOST:PORT/);
    expect((await run("controller", "--config", EXAMPLE, "--metrics", "x:y")).code).toBe(2);
    const region = await run("controller", "--config", EXAMPLE, "--region", "mars");
    expect(region.code).toBe(2);
    expect(region.err).toMatch(/--region mars is not one of the configured regions \(eu, us\)/);
  });

  it("simulate --duration: the CLI's duration forms, at least a minute; bad ones exit 2 naming the flag", async () => {
    const bad = await run("simulate", "--scenario", "normal", "--duration", "an hour");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--duration "an hour" is not a duration: use a number with a unit/);
    const short = await run("simulate", "--scenario", "normal", "--duration", "30s");
    expect(short.code).toBe(2);
    expect(short.err).toContain("--duration 30s: at least 1m of simulated time");
    // Compound forms, as --timeout and --ttl take them.
    const ok = await run("simulate", "--scenario", "normal", "--duration", "1m30s", "-o", "json");
    expect(ok.code).toBe(0);
  }, 30_000);

  it("exits 2 with the field path for a bad configuration", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sg-cli-"));
    writeFileSync(join(dir, "c.yaml"), "zone: gslb.example.com\nregion: eu\nregions: []\n");
    const r = await run("config", "validate", "--config", join(dir, "c.yaml"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/c\.yaml:3:\d+: regions: at least one region is needed/);
    expect(r.err).toMatch(/heartbeatKeyFile: is required|heartbeatKeyFile/);
  });

  it("exits 1 for a runtime failure (the address is taken)", async () => {
    const taken = createSocket("udp4");
    await new Promise<void>((r) => taken.bind(0, "127.0.0.1", () => r()));
    const port = taken.address().port;
    try {
      const r = await run("dns", "serve", "--config", EXAMPLE, "--listen", `127.0.0.1:${port}`);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/EADDRINUSE/);
    } finally {
      taken.close();
    }
  });
});
