// The live controller during a heartbeat key rotation (runbooks/rotate-heartbeat-key.md): it signs
// with heartbeatKeys.signWith, naming that key's id in every record, and its prober accepts every
// listed key, so a peer still signing with the other key stays sighted. It used to take the bare
// signing secret for both, which rejected every heartbeat of a peer on the other key.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/config/load.ts";
import { verifyHeartbeat } from "../../src/core/heartbeat-record.ts";
import type { ProbePlan } from "../../src/core/prober.ts";
import { dnsProbeTransport } from "../../src/dns/probe-transport.ts";
import { type LiveController, startLiveController } from "../../src/kube/live-controller.ts";
import { jsonLogger } from "../../src/log.ts";
import { systemClock } from "../../src/shell/system-clock.ts";
import { freePort } from "../support/dns-client.ts";
import { type KubeEnv, startKubeEnvWithCrds } from "./support/kube-env.ts";
import { LEADER_LEASE_S } from "./support/regions.ts";

const ZONE = "gslb.example.com";
const K1 = Buffer.from("rotation-old-key-0123456789abcdef");
const K2 = Buffer.from("rotation-new-key-0123456789abcdef");

let env: KubeEnv | undefined;
let live: LiveController | undefined;
let plan: ProbePlan | undefined;
let dir = "";
const logs: string[] = [];
const listen = { host: "127.0.0.1", port: 0 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sg-keys-"));
  writeFileSync(join(dir, "k1.key"), K1);
  writeFileSync(join(dir, "k2.key"), K2);
  writeFileSync(
    join(dir, "eu.yaml"),
    `zone: ${ZONE}
region: eu
heartbeatKeys:
  signWith: k2
  keys:
    - { id: k1, file: ./k1.key }
    - { id: k2, file: ./k2.key }
regions:
  - name: eu
    nameservers: [127.0.0.61]
  - name: us
    nameservers: [127.0.0.62]
witnesses: [127.0.0.71, 127.0.0.72, 127.0.0.73]
probe: { interval: 2, timeout: 1.5, retries: 0 }
failover: { fenceAfter: 4, promoteAfter: 12, margin: 1, holdDown: 60 }
rateLimit: { enabled: false }
`,
  );
  env = await startKubeEnvWithCrds((c) => c.metadata.name === "clusters.postgresql.cnpg.io");
  listen.port = await freePort("127.0.0.1");
  live = await startLiveController({
    loaded: loadConfigFile(join(dir, "eu.yaml")),
    client: env.admin,
    namespace: "sg",
    identity: "eu-0",
    clock: systemClock,
    log: jsonLogger((l) => logs.push(l.trimEnd()), systemClock.now, "info"),
    listen,
    leaseDurationS: LEADER_LEASE_S,
    resyncMs: 3_000,
    // Keep what the prober is given; it probes nothing reachable here.
    probePlan: (p) => {
      plan = p;
      return p;
    },
  });
}, 240_000);

afterAll(async () => {
  await live?.stop();
  await env?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("signs its heartbeats with the signWith key, named by id, and verifies peers with every listed key", async () => {
  const transport = dnsProbeTransport({ clock: systemClock, timeoutMs: 2_000, retries: 1 });
  const nonce = "rot4tion";
  const r = await transport.query(listen, `${nonce}.eu.hb.${ZONE}`, false);
  expect(r.kind).toBe("answer");
  const txt = r.kind === "answer" ? (r.txt ?? []) : [];
  expect(txt.at(-1)).toMatch(/^mac=k2:/);
  expect(verifyHeartbeat(txt, [{ id: "k2", secret: K2 }], ZONE, nonce).ok).toBe(true);
  expect(verifyHeartbeat(txt, [{ id: "k1", secret: K1 }], ZONE, nonce).ok).toBe(false);

  expect(plan?.keys).toEqual([
    { id: "k1", secret: K1 },
    { id: "k2", secret: K2 },
  ]);
});
