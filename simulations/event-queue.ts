// The discrete-event core: a binary heap of (time, sequence) ordered callbacks in virtual time.
// Equal times run in scheduling order, so a run is deterministic.
export interface SimEvent {
  readonly at: number;
  readonly seq: number;
  fn: (() => void) | null;
}

export class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;
  now = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(at: number, fn: () => void): SimEvent {
    if (!Number.isFinite(at) || at < this.now - 1e-9)
      throw new Error(`simulator: event scheduled at ${at} (now ${this.now}): a timer path is broken`);
    const e: SimEvent = { at, seq: this.seq++, fn };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
    return e;
  }

  cancel(e: SimEvent): void {
    e.fn = null;
  }

  /** Remove and return the earliest event, or undefined. */
  pop(): SimEvent | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  peekTime(): number | undefined {
    return this.heap[0]?.at;
  }
}

function less(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
