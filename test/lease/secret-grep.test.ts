// No key material in any output (issue 10). A whole scenario runs with known heartbeat and TSIG
// keys: `dns serve` as a real process (its log lines, a rejected reload over a bad key file,
// /metrics, the signed heartbeat answers themselves), `probe`, `lease status`, `lease check`
// (passing, a key the server does not know: BADKEY, a wrong secret: BADSIG), `config validate`
// and configuration errors involving key files, text and JSON. Every byte they wrote is searched
// for every key in every spelling (test/support/secret-grep.ts). The simulator handles no keys.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TsigKey } from "../../src/dns/tsig.ts";
import { BIN } from "../dns/support/spawn-serve.ts";
import { buildQuery, freePort, udpExchange } from "../support/dns-client.ts";
import { runCli } from "../support/run-cli.ts";
import { type Capture, findLeaks, type Secret } from "../support/secret-grep.ts";
import { type RunningWitness, startWitness, tsigKeygen } from "../support/witness-servers.ts";

let bind: RunningWitness;
let dir: string;
const secrets: Secret[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sg-secret-grep-"));
  // Heartbeat keys are the key file's bytes: a base64 text here, so its decoded bytes count too.
  for (const id of ["hb1", "hb2"]) {
    const raw = randomBytes(32);
    const text = raw.toString("base64");
    writeFileSync(join(dir, `${id}.key`), `${text}\n`);
    secrets.push(
      { name: `heartbeat key ${id}`, bytes: Buffer.from(text) },
      { name: `${id} decoded`, bytes: raw },
    );
  }
  const tsig: Partial<Record<"a" | "b", TsigKey>> = {};
  for (const id of ["a", "b"] as const) {
    const { clause, key } = tsigKeygen(`sg-lease-${id}`);
    writeFileSync(join(dir, `${id}.key`), clause);
    tsig[id] = key;
    secrets.push({ name: `TSIG key ${id}`, bytes: key.secret });
  }
  const wrong = randomBytes(32);
  writeFileSync(join(dir, "wrong.key"), `${wrong.toString("base64")}\n`);
  secrets.push({ name: "wrong TSIG secret", bytes: wrong });
  writeFileSync(join(dir, "short.key"), "short-hb-key\n");
  secrets.push({ name: "short heartbeat key", bytes: Buffer.from("short-hb-key") });
  bind = await startWitness("bind-1", "bind", "127.0.0.1", tsig.a!);
}, 30_000);
afterAll(async () => {
  await bind?.kill();
  if (bind) rmSync(bind.input.dir, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, o: { witnessPort: number; hbKeys?: string; leaseKeys?: string }): string {
  const lease =
    o.leaseKeys ??
    "      signWith: a\n      keys:\n        - { id: a, keyName: sg-lease-a, keyFile: a.key }\n        - { id: b, keyName: sg-lease-b, keyFile: b.key }\n";
  const file = join(dir, name);
  writeFileSync(
    file,
    `zone: gslb.example.com
region: eu
${o.hbKeys ?? "heartbeatKeys:\n  signWith: hb1\n  keys:\n    - { id: hb1, file: hb1.key }\n    - { id: hb2, file: hb2.key }\n"}regions:
  - name: eu
    nameservers: [127.0.0.1]
  - name: us
    nameservers: [127.0.0.1]
hosts:
  - name: db
    strategy: failover
    primary: eu
    targets: { eu: [10.0.1.10] }
witnesses: ["127.0.0.1:${o.witnessPort}"]
rateLimit: { enabled: false }
safety: lease
probe: { interval: 5, timeout: 1 }
lease:
  witnesses:
${[1, 2, 3]
  .map(
    (n) =>
      `    - name: w${n}\n      address: 127.0.0.1:${bind.input.port}\n      zone: ${bind.input.zone}\n${lease}`,
  )
  .join("")}`,
  );
  return file;
}

async function cli(captures: Capture[], ...argv: string[]): Promise<number> {
  const r = await runCli(...argv);
  captures.push(
    { what: `${argv.join(" ")} (stdout)`, data: r.out },
    { what: `${argv.join(" ")} (stderr)`, data: r.err },
  );
  return r.code;
}

describe("no key material in any output", () => {
  it("finds every spelling of a planted leak, and nothing in clean text (the check can fail)", () => {
    const s: Secret = { name: "k", bytes: randomBytes(32) };
    for (const leak of [
      s.bytes,
      `key=${s.bytes.toString("base64")}`,
      `key=${s.bytes.toString("base64url")}`,
      `key=${s.bytes.toString("hex")}`,
      `key=${s.bytes.toString("hex").toUpperCase()}`,
      `truncated ${s.bytes.toString("base64").slice(10, 30)}…`,
    ])
      expect(findLeaks([{ what: "planted", data: leak }], [s]).length).toBeGreaterThan(0);
    expect(findLeaks([{ what: "clean", data: "bad signature (key id hb1) for bind-1" }], [s])).toEqual([]);
  });

  it("dns serve, probe, lease status/check, config validate and key errors never print a key", async () => {
    const captures: Capture[] = [];
    const servePort = await freePort("127.0.0.1");
    const metricsPort = await freePort("127.0.0.1");
    const config = writeConfig("c.yaml", { witnessPort: servePort });
    const proc = spawn(
      process.execPath,
      [
        BIN,
        "dns",
        "serve",
        "--config",
        config,
        "--listen",
        `127.0.0.1:${servePort}`,
        "--metrics",
        `127.0.0.1:${metricsPort}`,
        "--log-level",
        "debug",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    proc.stdout?.on("data", (d) => (out += String(d)));
    proc.stderr?.on("data", (d) => (err += String(d)));
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    try {
      let up = false;
      for (let i = 0; i < 150 && !up; i++)
        up =
          (await udpExchange(
            "127.0.0.1",
            servePort,
            buildQuery({ name: "gslb.example.com", type: 6 }),
            100,
          )) !== undefined;
      expect(up).toBe(true);
      // The signed heartbeats themselves (region and service), as bytes on the wire.
      for (const name of ["n1.eu.hb.gslb.example.com", "n2.db.eu.hb.gslb.example.com"]) {
        const answer = await udpExchange("127.0.0.1", servePort, buildQuery({ name, type: 16 }), 1000);
        expect(answer).toBeDefined();
        captures.push({ what: `TXT ${name} (wire)`, data: answer! });
      }
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toContain("# TYPE");
      captures.push({ what: "/metrics", data: metrics });

      // The CLI verbs, text and JSON, passing and failing.
      expect(await cli(captures, "probe", "--config", config, "-o", "json")).toBe(0);
      expect(await cli(captures, "probe", "--config", config)).toBe(0);
      expect(await cli(captures, "lease", "status", "--config", config, "-o", "json")).toBeLessThanOrEqual(1);
      expect(await cli(captures, "lease", "status", "--config", config)).toBeLessThanOrEqual(1);
      // Key b is listed but BIND does not have it: a failing TSIG exchange (BADKEY), exit 1.
      expect(await cli(captures, "lease", "check", "--config", config)).toBe(1);
      expect(await cli(captures, "lease", "check", "--config", config, "-o", "json")).toBe(1);
      expect(captures.at(-2)!.data).toMatch(/"result": "pass"/);
      expect(captures.at(-2)!.data).toMatch(/BADKEY/);
      // The right key name with a wrong secret: BADSIG.
      const wrong = writeConfig("wrong.yaml", {
        witnessPort: servePort,
        leaseKeys: "      keyName: sg-lease-a\n      keyFile: wrong.key\n",
      });
      expect(await cli(captures, "lease", "check", "--config", wrong, "-o", "json")).toBe(1);
      expect(captures.at(-2)!.data).toMatch(/BADSIG/);
      expect(await cli(captures, "config", "validate", "--config", config, "-o", "json")).toBe(0);
      // Configuration errors involving key files: a short heartbeat key, a TSIG clause of another name.
      const short = writeConfig("short.yaml", {
        witnessPort: servePort,
        hbKeys: "heartbeatKeyFile: short.key\n",
      });
      expect(await cli(captures, "config", "validate", "--config", short)).toBe(2);
      expect(captures.at(-1)!.data).toMatch(/heartbeatKeyFile: .*holds 12 bytes/);
      const otherName = writeConfig("other.yaml", {
        witnessPort: servePort,
        leaseKeys: "      keyName: sg-lease-a\n      keyFile: b.key\n",
      });
      expect(await cli(captures, "lease", "check", "--config", otherName)).toBe(2);
      expect(captures.at(-1)!.data).toMatch(/defines key "sg-lease-b"/);

      // A reload the server rejects: the new file points at a short heartbeat key.
      writeFileSync(config, readFileSync(short, "utf8"));
      proc.kill("SIGHUP");
      for (let i = 0; i < 50 && !/reload rejected|rejected/.test(err); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(err).toMatch(/rejected/);
    } finally {
      proc.kill("SIGTERM");
      await exited;
    }
    captures.push(
      { what: "dns serve stdout", data: out },
      { what: "dns serve stderr (JSON logs)", data: err },
    );

    // SECRET_GREP_SHOW=1 prints what was captured (the beginning of each output).
    if (process.env.SECRET_GREP_SHOW)
      for (const c of captures) console.log(`--- ${c.what}\n${String(c.data).slice(0, 600)}`);
    const leaks = findLeaks(captures, secrets);
    const bytes = captures.reduce((n, c) => n + Buffer.byteLength(c.data), 0);
    console.log(
      `[secret-grep] ${captures.length} outputs, ${bytes} bytes, ${secrets.length} secrets in up to 6 spellings each: ${leaks.length} leaks`,
    );
    expect(leaks).toEqual([]);
  }, 90_000);
});
