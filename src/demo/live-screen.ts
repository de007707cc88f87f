// The live view on a terminal: the frame (view.ts) repainted in place every half second on the
// alternate screen, with the last lines of the timeline. Plain ANSI, no terminal library.
import type { LocalRegions } from "./local-regions.ts";
import { ANSI, frame, timelineLine } from "./view.ts";

const TIMELINE_LINES = 12;

export class LiveScreen {
  private readonly lines: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private on = false;

  constructor(
    private readonly d: LocalRegions,
    private readonly write: (s: string) => void,
    private readonly footer: string,
    private readonly columns: () => number,
  ) {
    for (const e of d.ledger.entries) this.keep(timelineLine(e, ANSI));
    d.ledger.onEntry((e) => this.keep(timelineLine(e, ANSI)));
  }

  private keep(line: string): void {
    this.lines.push(line);
    if (this.lines.length > TIMELINE_LINES) this.lines.shift();
  }

  start(): void {
    this.on = true;
    // The alternate screen, cursor hidden; the terminal's own screen comes back on stop().
    this.write("\x1b[?1049h\x1b[?25l");
    this.timer = setInterval(() => this.draw(), 500);
    this.draw();
  }

  draw(): void {
    if (!this.on) return;
    const text = frame(this.d.snapshot(), this.lines, this.footer, ANSI, this.columns());
    // Home, every line cleared to its end, then clear below: repainted in place, no flicker.
    this.write(`\x1b[H${text.split("\n").join("\x1b[K\n")}\x1b[K\x1b[J`);
  }

  stop(): void {
    if (!this.on) return;
    this.on = false;
    clearInterval(this.timer);
    this.write("\x1b[?25h\x1b[?1049l");
  }
}
