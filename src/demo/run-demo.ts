// The demo's two ways to run: a scripted scenario (timeline printed as it happens, then the
// verdict; the result says whether every invariant held) and the live view driven by keys.
import type { Clock } from "../core/clock.ts";
import { demoLayout, timingText } from "./demo-config.ts";
import type { LedgerEntry } from "./ledger.ts";
import { LocalRegions, type WitnessKind } from "./local-regions.ts";
import { type Scenario, takeoverBoundMs } from "./scenarios.ts";
import { verdict } from "./verdict.ts";
import { ANSI, frame, PLAIN, type Style, timelineLine, verdictText } from "./view.ts";

export interface DemoSetup {
  readonly witness: WitnessKind;
  readonly port: number;
  readonly base: number;
  readonly clock: Clock;
}

const sleep = (clock: Clock, ms: number) => new Promise<void>((r) => clock.setTimeout(r, Math.max(0, ms)));

function header(s: DemoSetup): string {
  const l = demoLayout(s.base, s.port);
  return [
    `regions: eu ${l.regions.eu} (primary at start), us ${l.regions.us}; port ${s.port}`,
    `witnesses: ${s.witness === "unbound" ? "unbound" : "built-in forwarding witness"} at ${l.witnesses.join(", ")}`,
    `timings: ${timingText()}`,
    `takeover bound after a primary loss: ${(takeoverBoundMs(s.witness) / 1000).toFixed(1)}s`,
  ].join("\n");
}

/** Runs one scenario to its end; resolves to whether every invariant held. */
export async function runScenario(
  s: DemoSetup,
  sc: Scenario,
  out: (line: string) => void,
  stopped: Promise<void>,
  st: Style = PLAIN,
): Promise<boolean> {
  out(`scenario ${sc.name}: ${sc.summary}`);
  out(header(s));
  const d = await LocalRegions.start({
    witness: s.witness,
    layout: demoLayout(s.base, s.port),
    clock: s.clock,
  });
  let interrupted = false;
  void stopped.then(() => {
    interrupted = true;
  });
  try {
    for (const e of d.ledger.entries) out(timelineLine(e, st));
    d.ledger.onEntry((e) => out(timelineLine(e, st)));
    const ran = new Map<string, number>();
    for (const step of sc.steps) {
      await Promise.race([sleep(s.clock, step.at - d.ledger.elapsed()), stopped]);
      if (interrupted) break;
      ran.set(step.label, d.ledger.elapsed());
      await step.run(d);
    }
    if (!interrupted) await Promise.race([sleep(s.clock, sc.durationMs - d.ledger.elapsed()), stopped]);
    const end = d.ledger.elapsed();
    out(
      `end of scenario at +${(end / 1000).toFixed(1)}s; writable now: ${d.writable().join(", ") || "none"}`,
    );
    const v = verdict(d.ledger.entries, sc.expect(ran, end));
    out(verdictText(v, st));
    return v.ok && !interrupted;
  } finally {
    await d.stop();
  }
}

const KEYS =
  "keys: [1] kill/revive eu  [2] kill/revive us  [p] partition  [h] heal  [f] freeze/release  [s] switchover  [q] quit";

/** The live view: one frame every half second, faults on keys, until q or Ctrl-C. */
export async function runInteractive(
  s: DemoSetup,
  stdin: NodeJS.ReadStream,
  write: (s: string) => void,
  stopped: Promise<void>,
): Promise<number> {
  const d = await LocalRegions.start({
    witness: s.witness,
    layout: demoLayout(s.base, s.port),
    clock: s.clock,
  });
  const lines: string[] = [];
  const keep = (e: LedgerEntry) => {
    lines.push(timelineLine(e, ANSI));
    if (lines.length > 12) lines.shift();
  };
  for (const e of d.ledger.entries) keep(e);
  d.ledger.onEntry(keep);
  let quit: () => void = () => {};
  const done = new Promise<void>((r) => {
    quit = r;
  });
  const draw = () => {
    // Home, the frame with every line cleared to its end, then clear below: repaint in place.
    const text = frame(
      d.snapshot(),
      lines,
      `${header(s).split("\n")[2]}\n${KEYS}`,
      ANSI,
      process.stdout.columns || Number.POSITIVE_INFINITY,
    );
    write(`\x1b[H${text.split("\n").join("\x1b[K\n")}\x1b[K\x1b[J`);
  };
  const onKey = (buf: Buffer) => {
    const k = buf.toString();
    if (k === "q" || k === "\u0003") return quit();
    const act: Record<string, () => unknown> = {
      "1": () => (d.isUp("eu") ? d.kill("eu") : d.revive("eu")),
      "2": () => (d.isUp("us") ? d.kill("us") : d.revive("us")),
      p: () => d.partition(),
      h: () => d.heal(),
      f: () => (d.isFrozen ? d.release() : d.freeze()),
      s: () => d.requestSwitchover(),
    };
    void Promise.resolve(act[k]?.()).then(draw);
  };
  write("\x1b[?1049h\x1b[?25l");
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.on("data", onKey);
  const timer = setInterval(draw, 500);
  draw();
  try {
    await Promise.race([done, stopped]);
  } finally {
    clearInterval(timer);
    stdin.off("data", onKey);
    stdin.setRawMode?.(false);
    stdin.pause();
    write("\x1b[?25h\x1b[?1049l");
    await d.stop();
  }
  write(`${d.ledger.entries.map((e) => timelineLine(e, PLAIN)).join("\n")}\n`);
  const v = verdict(d.ledger.entries, {});
  write(`${verdictText(v, PLAIN)}\n`);
  return v.ok ? 0 : 1;
}
