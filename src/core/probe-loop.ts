// Region-level probe rounds every probe.interval (DESIGN §3), one at a time. The schedule is fixed
// to the start of the rounds (start + k·interval), so a round's own duration does not drift it; a
// round that outlasts the interval is followed at once by the next, never overlapped, because two
// rounds in flight would mix their nonces and double the load on the witnesses. Clock injected.
import type { Clock, TimerHandle } from "./clock.ts";
import type { ProbeRound } from "./prober.ts";

export interface RoundSource {
  probe(): Promise<ProbeRound>;
}

export class ProbeLoop {
  private timer: TimerHandle | undefined;
  private running = false;
  private next = 0;

  constructor(
    private readonly prober: RoundSource,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly onRound: (r: ProbeRound) => void,
    private readonly onError: (e: unknown) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.next = this.clock.now();
    this.tick();
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.running) return;
    this.next += this.intervalMs;
    this.prober.probe().then(
      (r) => {
        if (this.running) this.onRound(r);
        this.schedule();
      },
      (e: unknown) => {
        this.onError(e);
        this.schedule();
      },
    );
  }

  private schedule(): void {
    if (!this.running) return;
    const now = this.clock.now();
    // Behind schedule (a round took longer than the interval): skip the missed slots.
    if (this.next < now) this.next = now;
    this.timer = this.clock.setTimeout(() => this.tick(), this.next - now);
  }
}
