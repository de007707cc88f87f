// A serial reconcile queue per key: one reconcile per service at a time; a change arriving during a
// run schedules exactly one more run after it; requeueAfter schedules a run on the clock. Outcomes
// are the named ReconcileResult values; an error is retried with backoff.
import type { Clock } from "../core/clock.ts";
import type { ReconcileResult } from "./reconcile-result.ts";

export class ReconcileQueue {
  private running = new Set<string>();
  private dirty = new Set<string>();
  private timers = new Map<string, unknown>();
  private failures = new Map<string, number>();
  private stopped = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly reconcile: (key: string) => Promise<ReconcileResult>,
    private readonly onResult: (key: string, r: ReconcileResult) => void = () => {},
  ) {}

  enqueue(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    const t = this.timers.get(key);
    if (t !== undefined) {
      this.clock.clearTimeout(t);
      this.timers.delete(key);
    }
    void this.run(key);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    this.timers.clear();
  }

  /** Resolves when nothing runs (for tests and shutdown). */
  whenIdle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private async run(key: string): Promise<void> {
    this.running.add(key);
    let r: ReconcileResult;
    try {
      r = await this.reconcile(key);
    } catch (e) {
      r = { kind: "error", reason: (e as Error).message };
    }
    this.running.delete(key);
    this.onResult(key, r);
    if (this.stopped) return this.settle();
    if (this.dirty.delete(key)) {
      void this.run(key);
      return;
    }
    if (r.kind === "requeueAfter") this.schedule(key, r.ms);
    else if (r.kind === "error") {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      this.schedule(key, Math.min(30_000, 250 * 2 ** Math.min(n, 7)));
    } else this.failures.delete(key);
    this.settle();
  }

  private schedule(key: string, ms: number): void {
    this.timers.set(
      key,
      this.clock.setTimeout(() => {
        this.timers.delete(key);
        this.enqueue(key);
      }, ms),
    );
  }

  private settle(): void {
    if (this.running.size === 0) for (const r of this.idle.splice(0)) r();
  }
}
