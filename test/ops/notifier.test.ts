// The event notifier against a local HTTP receiver on loopback: delivery, retries with backoff on
// the injected clock, no retry where a retry cannot help, timeouts, a bounded queue that drops
// the oldest, and one failing destination not delaying another.
import { afterEach, describe, expect, it } from "vitest";
import { ControllerMetrics } from "../../src/metrics.ts";
import type { NotificationEvent } from "../../src/notify/event-payloads.ts";
import { Notifier, type NotifierSettings } from "../../src/notify/notifier.ts";
import { ManualClock } from "../support/manual-clock.ts";
import { type Receiver, startReceiver, until } from "./support/http-receiver.ts";

const receivers: Receiver[] = [];
const notifiers: Notifier[] = [];
afterEach(async () => {
  for (const n of notifiers.splice(0)) n.stop();
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(respond: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(respond);
  receivers.push(r);
  return r;
}

const BASE: NotifierSettings = {
  alertmanager: [],
  webhooks: [],
  timeout: 5,
  maxRetries: 3,
  queueSize: 100,
  retryBackoff: 1,
};

function setup(s: Partial<NotifierSettings>) {
  const clock = new ManualClock();
  const metrics = new ControllerMetrics({ region: "us" });
  const n = new Notifier({ ...BASE, ...s }, clock, metrics);
  notifiers.push(n);
  const count = async (sink: string, result: string) =>
    (await metrics.registry.getSingleMetric("splitguard_notifications_total")!.get()).values.find(
      (v) => v.labels.sink === sink && v.labels.result === result,
    )?.value;
  return { clock, metrics, n, count };
}

const event = (i: number): NotificationEvent => ({
  kind: "promotion",
  service: "orders",
  region: "us",
  epoch: i,
  reason: "eu voted down by 3 of 3 witnesses for 300 s",
  atMs: Date.UTC(2026, 10, 21, 22, 0, i),
});

/** Wait until the notifier sleeps on a backoff of `ms`, then let it run out. */
async function passBackoff(clock: ManualClock, ms: number) {
  await until(() => clock.pendingDelays.includes(ms), `a ${ms} ms backoff`);
  await clock.advanceTo(clock.now() + ms);
}

describe("notifier", () => {
  it("posts the generic webhook JSON and counts it sent", async () => {
    const r = await receiver(() => 204);
    const { n, count } = setup({ webhooks: [`${r.url}/hooks/splitguard`] });
    n.notify(event(7));
    await n.whenIdle();
    expect(r.received).toHaveLength(1);
    expect(r.received[0]).toMatchObject({
      method: "POST",
      url: "/hooks/splitguard",
      contentType: "application/json",
    });
    expect(JSON.parse(r.received[0]!.body)).toEqual({
      type: "splitguard.event",
      version: 1,
      kind: "promotion",
      service: "orders",
      region: "us",
      epoch: 7,
      reason: "eu voted down by 3 of 3 witnesses for 300 s",
      summary:
        "Service orders was promoted to primary in region us at epoch 7: eu voted down by 3 of 3 witnesses for 300 s",
      at: "2026-11-21T22:00:07.000Z",
    });
    expect(await count("webhook", "sent")).toBe(1);
  });

  it("retries 5xx with doubling backoff on the injected clock, then delivers", async () => {
    const r = await receiver((i) => (i <= 2 ? 503 : 200));
    const { clock, n, count } = setup({ webhooks: [r.url] });
    n.notify(event(1));
    await passBackoff(clock, 1000);
    await passBackoff(clock, 2000);
    await n.whenIdle();
    expect(r.received).toHaveLength(3);
    expect(clock.now()).toBe(3000);
    expect(await count("webhook", "retried")).toBe(2);
    expect(await count("webhook", "sent")).toBe(1);
  });

  it("gives up after maxRetries and counts a failure", async () => {
    const r = await receiver(() => 500);
    const { clock, n, count } = setup({ webhooks: [r.url], maxRetries: 2, retryBackoff: 0.5 });
    n.notify(event(1));
    await passBackoff(clock, 500);
    await passBackoff(clock, 1000);
    await n.whenIdle();
    expect(r.received).toHaveLength(3);
    expect(await count("webhook", "failed")).toBe(1);
    expect(await count("webhook", "sent")).toBe(0);
  });

  it("does not retry a 4xx other than 429", async () => {
    const r = await receiver(() => 400);
    const { clock, n, count } = setup({ webhooks: [r.url] });
    n.notify(event(1));
    await n.whenIdle();
    expect(r.received).toHaveLength(1);
    expect(clock.pending).toBe(0);
    expect(await count("webhook", "failed")).toBe(1);
  });

  it("retries 429", async () => {
    const r = await receiver((i) => (i === 1 ? 429 : 200));
    const { clock, n, count } = setup({ webhooks: [r.url] });
    n.notify(event(1));
    await passBackoff(clock, 1000);
    await n.whenIdle();
    expect(await count("webhook", "sent")).toBe(1);
  });

  it("aborts a request that gets no answer within the timeout, and retries it", async () => {
    const r = await receiver((i) => (i === 1 ? "hang" : 200));
    const { clock, n, count } = setup({ webhooks: [r.url], timeout: 5 });
    n.notify(event(1));
    await until(() => r.received.length === 1 && clock.pendingDelays.includes(5000), "the first request");
    await clock.advanceTo(5000);
    await passBackoff(clock, 1000);
    await n.whenIdle();
    expect(r.received).toHaveLength(2);
    expect(await count("webhook", "retried")).toBe(1);
    expect(await count("webhook", "sent")).toBe(1);
  });

  it("never blocks: a full queue drops the oldest, counted, and the newest are delivered", async () => {
    const r = await receiver((i) => (i === 1 ? "hang" : 200));
    const { n, count, metrics } = setup({ webhooks: [r.url], queueSize: 3 });
    for (let i = 1; i <= 10; i++) n.notify(event(i));
    await until(() => r.received.length === 1, "the first request");
    // 1 in flight, 3 queued, 6 dropped
    expect(await count("webhook", "dropped")).toBe(6);
    expect(await metrics.registry.getSingleMetricAsString("splitguard_notification_queue_depth")).toContain(
      "splitguard_notification_queue_depth 3",
    );
    r.release(200);
    await n.whenIdle();
    expect(r.received.map((x) => JSON.parse(x.body).epoch)).toEqual([1, 8, 9, 10]);
    expect(await count("webhook", "sent")).toBe(4);
  });

  it("keeps delivering to one destination while another is down", async () => {
    const ok = await receiver(() => 200);
    const down = await receiver(() => 503);
    const { clock, n, count } = setup({ webhooks: [down.url, ok.url], maxRetries: 1 });
    n.notify(event(1));
    n.notify(event(2));
    await until(() => ok.received.length === 2, "both events at the healthy receiver");
    expect(down.received).toHaveLength(1);
    await passBackoff(clock, 1000);
    await passBackoff(clock, 1000);
    await n.whenIdle();
    expect(await count("webhook", "failed")).toBe(2);
    expect(await count("webhook", "sent")).toBe(2);
  });

  it("stop() ends a waiting retry and drops what is queued", async () => {
    const r = await receiver(() => 503);
    const { clock, n } = setup({ webhooks: [r.url] });
    n.notify(event(1));
    n.notify(event(2));
    await until(() => clock.pendingDelays.includes(1000), "the first backoff");
    n.stop();
    await n.whenIdle();
    expect(r.received).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });
});
