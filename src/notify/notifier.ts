// The optional event notifier (issue 7): promotions, demotions and fences sent to Alertmanager
// (`POST /api/v2/alerts`) and to generic JSON webhooks. A decision never waits for it: notify()
// only appends to a bounded queue per destination and returns; one worker per destination sends,
// retrying with exponential backoff a bounded number of times. A full queue drops its oldest
// entry (the newest event is the one an operator needs), counted in
// splitguard_notifications_total{result="dropped"}. Time comes from the injected Clock.
import type { Clock, TimerHandle } from "../core/clock.ts";
import type { NotifyObserver } from "../metrics.ts";
import { alertmanagerBody, type NotificationEvent, webhookBody } from "./event-payloads.ts";

export interface NotifierSettings {
  readonly alertmanager: readonly string[];
  readonly webhooks: readonly string[];
  /** Per request, seconds. */
  readonly timeout: number;
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** Pending notifications per destination. */
  readonly queueSize: number;
  /** First backoff, seconds; doubles per retry up to MAX_BACKOFF_MS. */
  readonly retryBackoff: number;
}

export const MAX_BACKOFF_MS = 60_000;

/** The wait before retry `n` (1-based). Pure, for the tests and the docs. */
export function backoffMs(n: number, firstMs: number): number {
  return Math.min(firstMs * 2 ** (n - 1), MAX_BACKOFF_MS);
}

/** One HTTP POST; resolves with the status, rejects on a network error or when aborted. */
export type HttpPost = (
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
) => Promise<number>;

export const fetchPost: HttpPost = async (url, body, headers, signal) => {
  const r = await fetch(url, { method: "POST", body, headers, signal });
  await r.arrayBuffer();
  return r.status;
};

type Sink = "alertmanager" | "webhook";

interface Destination {
  readonly sink: Sink;
  readonly url: string;
  readonly queue: string[];
  busy: boolean;
}

export type DeliveryLog = (entry: {
  sink: Sink;
  url: string;
  result: "sent" | "failed" | "retry" | "dropped";
  detail: string;
}) => void;

export class Notifier {
  private readonly dests: Destination[];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly timers = new Set<TimerHandle>();
  private readonly sleepers = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly s: NotifierSettings,
    private readonly clock: Clock,
    private readonly observer?: NotifyObserver,
    private readonly post: HttpPost = fetchPost,
    private readonly log: DeliveryLog = () => {},
  ) {
    this.dests = [
      ...s.alertmanager.map((u) => ({
        sink: "alertmanager" as const,
        url: `${u.replace(/\/+$/, "")}/api/v2/alerts`,
        queue: [],
        busy: false,
      })),
      ...s.webhooks.map((url) => ({ sink: "webhook" as const, url, queue: [], busy: false })),
    ];
  }

  get destinations(): number {
    return this.dests.length;
  }

  /** Queue the event for every destination; never blocks, never throws. */
  notify(e: NotificationEvent): void {
    if (this.stopped) return;
    for (const d of this.dests) {
      d.queue.push(d.sink === "alertmanager" ? alertmanagerBody(e) : webhookBody(e));
      if (d.queue.length > this.s.queueSize) {
        d.queue.shift();
        this.observer?.notified(d.sink, "dropped");
        this.log({ sink: d.sink, url: d.url, result: "dropped", detail: "queue full: oldest dropped" });
      }
      if (!d.busy) void this.drain(d);
    }
    this.depth();
  }

  /** Resolves when every queue is empty and no request is in flight. */
  whenIdle(): Promise<void> {
    if (this.dests.every((d) => !d.busy && d.queue.length === 0)) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stop sending: pending notifications are dropped, a waiting retry ends. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    for (const d of this.dests) d.queue.length = 0;
    this.depth();
    this.settle();
  }

  private async drain(d: Destination): Promise<void> {
    d.busy = true;
    while (d.queue.length > 0 && !this.stopped) {
      const body = d.queue.shift()!;
      this.depth();
      await this.deliver(d, body);
    }
    d.busy = false;
    this.settle();
  }

  private async deliver(d: Destination, body: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.once(d.url, body);
      if (outcome.ok) {
        this.observer?.notified(d.sink, "sent");
        this.log({ sink: d.sink, url: d.url, result: "sent", detail: outcome.detail });
        return;
      }
      if (!outcome.retry || attempt >= this.s.maxRetries) {
        this.observer?.notified(d.sink, "failed");
        this.log({
          sink: d.sink,
          url: d.url,
          result: "failed",
          detail: `${outcome.detail}; gave up after ${attempt + 1} attempt(s)`,
        });
        return;
      }
      const wait = backoffMs(attempt + 1, this.s.retryBackoff * 1000);
      this.observer?.notified(d.sink, "retried");
      this.log({
        sink: d.sink,
        url: d.url,
        result: "retry",
        detail: `${outcome.detail}; retry in ${wait} ms`,
      });
      await this.sleep(wait);
      if (this.stopped) {
        this.observer?.notified(d.sink, "dropped");
        return;
      }
    }
  }

  private async once(url: string, body: string): Promise<{ ok: boolean; retry: boolean; detail: string }> {
    const ac = new AbortController();
    const t = this.clock.setTimeout(() => ac.abort(), this.s.timeout * 1000);
    this.timers.add(t);
    try {
      const status = await this.post(url, body, { "content-type": "application/json" }, ac.signal);
      if (status >= 200 && status < 300) return { ok: true, retry: false, detail: `HTTP ${status}` };
      // 429 and 5xx are the receiver's temporary trouble; other 4xx will not change on a retry.
      return { ok: false, retry: status === 429 || status >= 500, detail: `HTTP ${status}` };
    } catch (e) {
      const why = ac.signal.aborted ? `no answer within ${this.s.timeout}s` : (e as Error).message;
      return { ok: false, retry: true, detail: why };
    } finally {
      this.clock.clearTimeout(t);
      this.timers.delete(t);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const wake = () => {
        this.timers.delete(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = this.clock.setTimeout(wake, ms);
      this.timers.add(t);
      this.sleepers.add(wake);
    });
  }

  private depth(): void {
    this.observer?.queueDepth(this.dests.reduce((n, d) => n + d.queue.length, 0));
  }

  private settle(): void {
    if (!this.dests.every((d) => !d.busy && d.queue.length === 0)) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

/** The notifier a configuration asks for, or undefined when it names no destination. */
export function notifierFromConfig(
  cfg: NotifierSettings | undefined,
  clock: Clock,
  observer?: NotifyObserver,
  log?: DeliveryLog,
): Notifier | undefined {
  if (!cfg || cfg.alertmanager.length + cfg.webhooks.length === 0) return undefined;
  return new Notifier(cfg, clock, observer, fetchPost, log);
}
