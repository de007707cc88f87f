// Time is injected everywhere in the core and the machines (STYLE.md 3). The shape matches what
// xstate's `createActor(machine, { clock })` expects, plus `now()` in milliseconds.
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds on this clock's timeline (virtual in simulations, epoch ms in production). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle; // clock-ok: the injected timer, not a global one
  clearTimeout(handle: TimerHandle): void;
}
