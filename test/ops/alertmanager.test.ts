// The notifier against a real Alertmanager (Debian's prometheus-alertmanager) on loopback, with a
// temporary configuration and storage: the promotion arrives as an active alert with its labels,
// and an Alertmanager that starts late still gets it, through the retries.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ControllerMetrics } from "../../src/metrics.ts";
import type { NotificationEvent } from "../../src/notify/event-payloads.ts";
import { Notifier } from "../../src/notify/notifier.ts";
import { systemClock } from "../../src/shell/system-clock.ts";
import { freePort } from "../support/dns-client.ts";
import { ManualClock } from "../support/manual-clock.ts";
import { until } from "./support/http-receiver.ts";

interface Am {
  readonly url: string;
  stop(): Promise<void>;
}
const running: Am[] = [];
afterEach(async () => {
  for (const a of running.splice(0)) await a.stop();
});

async function startAlertmanager(port: number): Promise<Am> {
  const dir = mkdtempSync(join(tmpdir(), "sg-am-"));
  writeFileSync(join(dir, "am.yml"), 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
  const proc: ChildProcess = spawn(
    "prometheus-alertmanager",
    [
      `--config.file=${join(dir, "am.yml")}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=", // no gossip: a single instance on loopback
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  let spawnError: Error | undefined;
  proc.once("error", (e) => {
    spawnError = e;
  });
  proc.stderr?.on("data", (d) => {
    log += String(d);
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const url = `http://127.0.0.1:${port}`;
  const am: Am = {
    url,
    async stop() {
      if (proc.exitCode === null && !spawnError) {
        proc.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.push(am);
  for (let i = 0; i < 200; i++) {
    if (spawnError)
      throw new Error(
        `prometheus-alertmanager: ${spawnError.message} (install Debian's prometheus-alertmanager)`,
      );
    if (proc.exitCode !== null) throw new Error(`alertmanager exited: ${log}`);
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return am;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`alertmanager did not become ready: ${log}`);
}

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  startsAt: string;
  endsAt: string;
}

async function alerts(am: Am): Promise<AmAlert[]> {
  return (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as AmAlert[];
}

const promotion = (atMs: number): NotificationEvent => ({
  kind: "promotion",
  service: "orders",
  region: "us",
  epoch: 12,
  reason: "eu voted down by 3 of 3 witnesses for 300 s",
  atMs,
});

const settings = (url: string) => ({
  alertmanager: [url],
  webhooks: [],
  timeout: 5,
  maxRetries: 3,
  queueSize: 10,
  retryBackoff: 1,
});

describe("notifications to a real Alertmanager", () => {
  it("a promotion arrives as an active alert with its labels and summary", async () => {
    const am = await startAlertmanager(await freePort("127.0.0.1"));
    const metrics = new ControllerMetrics({ region: "us" });
    const n = new Notifier(settings(am.url), systemClock, metrics);
    const at = Date.now();
    n.notify(promotion(at));
    n.notify({
      ...promotion(at),
      kind: "fence",
      region: "eu",
      reason: "us is primary at a higher epoch (12)",
    });
    await n.whenIdle();
    const got = await alerts(am);
    const p = got.find((a) => a.labels.alertname === "SplitguardPromotionEvent");
    expect(p?.labels).toEqual({
      alertname: "SplitguardPromotionEvent",
      severity: "warning",
      service: "orders",
      region: "us",
      epoch: "12",
      source: "splitguard",
    });
    expect(p?.annotations.summary).toBe(
      "Service orders was promoted to primary in region us at epoch 12: eu voted down by 3 of 3 witnesses for 300 s",
    );
    expect(p?.status.state).toBe("active");
    expect(Date.parse(p!.endsAt) - Date.parse(p!.startsAt)).toBe(3_600_000);
    expect(got.find((a) => a.labels.alertname === "SplitguardFenceEvent")?.labels.severity).toBe("critical");
    expect(await metrics.registry.getSingleMetricAsString("splitguard_notifications_total")).toContain(
      'splitguard_notifications_total{sink="alertmanager",result="sent"} 2',
    );
  });

  it("an Alertmanager that is down at first gets the alert through the retries", async () => {
    const port = await freePort("127.0.0.1");
    const clock = new ManualClock();
    const n = new Notifier(settings(`http://127.0.0.1:${port}/`), clock);
    n.notify(promotion(Date.now()));
    await until(() => clock.pendingDelays.includes(1000), "the first backoff (connection refused)");
    const am = await startAlertmanager(port);
    await clock.advanceTo(1000);
    await n.whenIdle();
    expect((await alerts(am)).map((a) => a.labels.alertname)).toEqual(["SplitguardPromotionEvent"]);
  });
});
