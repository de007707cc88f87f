// The thin driver around lease-core.ts: one lease round every ttl/3 (read every witness, then the
// write the core asks for), timers from the injected Clock, I/O through LeaseWitnessTransport.
// All decisions are in lease-core.ts; this file only sequences them.
import type { Clock, TimerHandle } from "./clock.ts";
import {
  attempted,
  decide,
  initialLeaseState,
  type LeaseGoal,
  type LeaseParams,
  type LeaseState,
  type LeaseView,
  leaseView,
  observe,
  readRound,
  relinquish,
  written,
} from "./lease-core.ts";
import type { LeaseWitnessTransport } from "./lease-transport.ts";

export interface LeaseDriverOptions {
  readonly params: LeaseParams;
  readonly service: string;
  readonly transports: readonly LeaseWitnessTransport[];
  readonly clock: Clock;
  readonly opTimeoutMs: number;
  /** Restored from status: the highest value ever attempted, so no value is written twice. */
  readonly lastAttempt?: { epoch: number; seq: number };
  /**
   * Called before a write leaves; the shell persists it (status). When it returns a promise the
   * write waits for it: a value must be on record before any witness can have seen it, or a
   * restart could reuse it (lease-core.ts). A synchronous persister (the simulator) adds no wait.
   */
  readonly persistAttempt: (a: { epoch: number; seq: number }) => void | Promise<void>;
  /** Called after every round with the lease as the machine should see it. */
  readonly onView: (v: LeaseView) => void;
}

export class LeaseDriver {
  private state: LeaseState;
  private goal: LeaseGoal = "observe";
  private timer: TimerHandle | undefined;
  private running = false;
  private inRound = false;
  private kickPending = false;
  private lastReason = "not started";

  constructor(private readonly o: LeaseDriverOptions) {
    this.state = initialLeaseState(o.params, o.lastAttempt);
  }

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The machine's wish; a change to hold/acquire starts a round at once. */
  setGoal(goal: LeaseGoal): void {
    if (goal === this.goal) return;
    this.goal = goal;
    if (goal === "observe") return;
    if (this.inRound) this.kickPending = true;
    else this.schedule(0);
  }

  /** Forget a belief (a higher epoch was seen elsewhere). */
  relinquish(): void {
    this.state = relinquish(this.state);
  }

  view(): LeaseView {
    return leaseView(this.o.params, this.state, this.o.clock.now(), this.lastReason);
  }

  snapshot(): LeaseState {
    return this.state;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, ms);
  }

  private async round(): Promise<void> {
    if (!this.running || this.inRound) return;
    this.inRound = true;
    const { clock, transports, service, opTimeoutMs, params } = this.o;
    const reads = await Promise.all(transports.map((t) => t.read(service, opTimeoutMs)));
    if (!this.running) return;
    const readAt = clock.now();
    reads.forEach((r, i) => {
      this.state = observe(
        this.state,
        i,
        r.kind === "value" ? r.value : r.kind === "absent" ? null : "error",
        readAt,
      );
    });
    const answered = reads.filter((r) => r.kind === "value" || r.kind === "absent").length;
    this.state = readRound(params, this.state, answered, readAt);
    const action = decide(params, this.state, this.goal, clock.now());
    this.lastReason = action.reason;
    if (action.kind === "write") {
      this.state = attempted(this.state, action.next);
      const persisted = this.o.persistAttempt(this.state.lastAttempt);
      let unrecorded: string | undefined;
      if (persisted) {
        try {
          await persisted;
        } catch (e) {
          unrecorded = (e as Error).message;
        }
        if (!this.running) return;
      }
      if (unrecorded !== undefined) {
        // Not on record: sending it could reuse the value after a restart. Skip this write; the
        // round still ends below, so a goal change made meanwhile starts the next one at once.
        this.lastReason = `not written: the attempt could not be recorded (${unrecorded})`;
      } else {
        const startedAt = clock.now();
        const results = await Promise.all(
          transports.map((t, i) =>
            t.compareAndSwap(service, action.expected[i] ?? null, action.next, opTimeoutMs),
          ),
        );
        if (!this.running) return;
        this.state = written(
          params,
          this.state,
          action.next,
          startedAt,
          results.map((r) => r.kind === "ok"),
        );
        const okCount = results.filter((r) => r.kind === "ok").length;
        this.lastReason = `${action.reason}: ${okCount} of ${transports.length} witnesses accepted`;
      }
    }
    // onView runs the machine synchronously, which may change the goal (setGoal) right here: the
    // round counts as running until then, so such a change sets kickPending and the next round
    // starts at once, instead of its schedule(0) being replaced by the ttl/3 one below.
    try {
      this.o.onView(this.view());
    } finally {
      this.inRound = false;
    }
    const again = this.kickPending;
    this.kickPending = false;
    this.schedule(again ? 0 : params.ttlMs / 3);
  }
}
