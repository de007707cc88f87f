// The demo's ground truth: what happened, when, on the demo's own clock (ms since the demo
// started). The in-memory clusters record when each region becomes writable and stops being
// writable, every CNPG promotion they are asked for, and the runtimes' transitions; the faults the
// demo injects go in too. The verdict (verdict.ts) and the printed timeline read it.

export type LedgerEntry =
  /** The region accepts writes (CNPG primary, not fenced, its gate open, the region alive) or stops. */
  | { readonly at: number; readonly kind: "writable"; readonly region: string; readonly writable: boolean }
  /** A promoteCnpg intent reached the region's cluster. */
  | { readonly at: number; readonly kind: "promote"; readonly region: string; readonly epoch: number }
  /** The region's service machine changed state. */
  | {
      readonly at: number;
      readonly kind: "transition";
      readonly region: string;
      readonly from: string;
      readonly to: string;
      readonly reason: string;
    }
  /** Something the demo did (a fault, a heal, an override) or saw (an answer change). */
  | {
      readonly at: number;
      readonly kind: "note";
      readonly region?: string | undefined;
      readonly text: string;
    };

export class Ledger {
  private readonly list: LedgerEntry[] = [];
  private readonly listeners: ((e: LedgerEntry) => void)[] = [];

  constructor(private readonly now: () => number) {}

  get entries(): readonly LedgerEntry[] {
    return this.list;
  }

  /** ms since the start of the run. */
  elapsed(): number {
    return this.now();
  }

  onEntry(fn: (e: LedgerEntry) => void): void {
    this.listeners.push(fn);
  }

  writable(region: string, writable: boolean): void {
    this.add({ at: this.now(), kind: "writable", region, writable });
  }

  promote(region: string, epoch: number): void {
    this.add({ at: this.now(), kind: "promote", region, epoch });
  }

  transition(region: string, from: string, to: string, reason: string): void {
    this.add({ at: this.now(), kind: "transition", region, from, to, reason });
  }

  note(text: string, region?: string): void {
    this.add({ at: this.now(), kind: "note", region, text });
  }

  private add(e: LedgerEntry): void {
    this.list.push(e);
    for (const l of this.listeners) l(e);
  }
}
