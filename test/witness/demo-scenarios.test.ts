// `splitguard demo --scenario NAME --non-interactive` as a user runs it: a process with two
// regions, three witnesses and real DNS on loopback. One run with unbound witnesses on port 53
// (the region is really lost, the standby promotes), two with the built-in witness on high ports
// (the regions cut from each other: nobody promotes; the primary cut from everyone: it fences,
// then the standby promotes). All in parallel, on their own addresses.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "..", "..", "bin", "splitguard.js");

function runDemo(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, "demo", "--non-interactive", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    p.stdout.on("data", (d) => {
      out += String(d);
    });
    p.stderr.on("data", (d) => {
      out += String(d);
    });
    const t = setTimeout(() => p.kill("SIGKILL"), 150_000);
    p.on("error", reject);
    p.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

/** The timeline lines of one region, without the times. */
const linesOf = (out: string, region: string) =>
  out
    .split("\n")
    .filter((l) => /^\+\s*[\d.]+s {2}/.test(l))
    .map((l) => l.replace(/^\+\s*[\d.]+s {2}/, ""))
    .filter((l) => l.startsWith(`${region} `));

describe("splitguard demo scenarios", () => {
  it("primary-region-down (unbound) promotes us within its bound; inter-region-partition (built-in) promotes nobody; primary-isolated (built-in) fences eu before us promotes", async () => {
    const [down, cut, isolated] = await Promise.all([
      runDemo(["--scenario", "primary-region-down", "--witness", "unbound", "--loopback-base", "170"]),
      runDemo([
        "--scenario",
        "inter-region-partition",
        "--witness",
        "builtin",
        "--port",
        "25353",
        "--loopback-base",
        "190",
      ]),
      runDemo([
        "--scenario",
        "primary-isolated",
        "--witness",
        "builtin",
        "--port",
        "25354",
        "--loopback-base",
        "210",
      ]),
    ]);
    expect(down.code, down.out).toBe(0);
    expect(down.out).toContain("witnesses: unbound at 127.0.0.181, 127.0.0.182, 127.0.0.183");
    expect(down.out).toMatch(/timings: probe every 2s .* promoteAfter 12s/);
    const us = linesOf(down.out, "us");
    const order = [
      "standby.following -> standby.suspecting",
      "standby.suspecting -> standby.promoting",
      "CNPG promotion asked (epoch 2)",
      "standby.promoting -> primary.serving",
      "WRITABLE",
    ].map((s) => us.findIndex((l) => l.includes(s)));
    expect(
      order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)),
      us.join("\n"),
    ).toBe(true);
    expect(linesOf(down.out, "eu")).toContain(
      "eu  FAULT: region eu lost (cluster, controller and responder stopped)",
    );
    expect(down.out).toMatch(/db A: 10\.0\.2\.10 \(through every witness\)/);
    expect(down.out).toMatch(/ok {3}promotion within 32\.0s \(eu lost for good\): us writable [\d.]+s after/);
    expect(down.out).toContain("verdict: PASS, no invariant broke");

    expect(cut.code, cut.out).toBe(0);
    expect(cut.out).toContain(
      "witnesses: built-in forwarding witness at 127.0.0.201, 127.0.0.202, 127.0.0.203",
    );
    expect(cut.out).toContain("FAULT: partition between eu and us");
    expect(cut.out).not.toContain("CNPG promotion asked");
    expect(linesOf(cut.out, "us").filter((l) => l.includes("->"))).toEqual([
      expect.stringContaining("initializing -> standby.following"),
    ]);
    expect(cut.out).toMatch(/ok {3}no promotion while eu keeps its witness quorum/);
    expect(cut.out).toContain("verdict: PASS, no invariant broke");

    // The isolated primary keeps running: it must fence before us is asked to promote.
    expect(isolated.code, isolated.out).toBe(0);
    const all = isolated.out.split("\n");
    const fenced = all.findIndex((l) => /eu {2}primary\.atRisk -> fenced/.test(l));
    const promoted = all.findIndex((l) => l.includes("us  CNPG promotion asked (epoch 2)"));
    expect(fenced, isolated.out).toBeGreaterThan(0);
    expect(promoted, isolated.out).toBeGreaterThan(fenced);
    expect(isolated.out).toMatch(/eu {2}fenced -> standby\.following/);
    expect(isolated.out).toContain("verdict: PASS, no invariant broke");
  });

  it("refuses unbound on a port other than 53, and an unknown scenario, with exit code 2", async () => {
    const a = await runDemo(["--scenario", "normal", "--witness", "unbound", "--port", "5300"]);
    expect(a.code).toBe(2);
    expect(a.out).toContain("unbound asks the regions' nameservers on port 53");
    const b = await runDemo(["--scenario", "nope"]);
    expect(b.code).toBe(2);
    expect(b.out).toContain('no scenario "nope": choose one of normal, primary-region-down');
  });
});
