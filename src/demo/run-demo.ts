// The demo's two ways to run: a scripted scenario (timeline printed as it happens, then the
// verdict; the result says whether every invariant held) and the live view driven by keys.
import type { Clock } from "../core/clock.ts";
import { demoLayout, timingText } from "./demo-config.ts";
import { LiveScreen } from "./live-screen.ts";
import { LocalRegions, type WitnessKind } from "./local-regions.ts";
import { type Scenario, takeoverBoundMs } from "./scenarios.ts";
import { verdict } from "./verdict.ts";
import { PLAIN, timelineLine, verdictText } from "./view.ts";

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

export interface LiveOutput {
  readonly write: (s: string) => void;
  readonly columns: () => number;
}

/**
 * Runs one scenario to its end; resolves to whether every invariant held. The timeline goes to
 * `out` as it happens, or, with `live`, the live view runs meanwhile and the whole timeline is
 * printed at the end.
 */
export async function runScenario(
  s: DemoSetup,
  sc: Scenario,
  out: (line: string) => void,
  stopped: Promise<void>,
  live?: LiveOutput,
): Promise<boolean> {
  const intro = [`scenario ${sc.name}: ${sc.summary}`, header(s)];
  if (!live) for (const l of intro) out(l);
  const d = await LocalRegions.start({
    witness: s.witness,
    layout: demoLayout(s.base, s.port),
    clock: s.clock,
  });
  const screen = live ? new LiveScreen(d, live.write, `${intro[0]}\n${KEYS_NONE}`, live.columns) : undefined;
  let interrupted = false;
  void stopped.then(() => {
    interrupted = true;
  });
  let result: string[];
  let ok: boolean;
  try {
    if (screen) screen.start();
    else {
      for (const e of d.ledger.entries) out(timelineLine(e));
      d.ledger.onEntry((e) => out(timelineLine(e)));
    }
    const ran = new Map<string, number>();
    for (const step of sc.steps) {
      await Promise.race([sleep(s.clock, step.at - d.ledger.elapsed()), stopped]);
      if (interrupted) break;
      ran.set(step.label, d.ledger.elapsed());
      await step.run(d);
    }
    if (!interrupted) await Promise.race([sleep(s.clock, sc.durationMs - d.ledger.elapsed()), stopped]);
    const end = d.ledger.elapsed();
    const v = verdict(d.ledger.entries, sc.expect(ran, end));
    result = [
      `end of scenario at +${(end / 1000).toFixed(1)}s${interrupted ? " (interrupted)" : ""}; writable now: ${d.writable().join(", ") || "none"}`,
      verdictText(v),
    ];
    ok = v.ok && !interrupted;
  } finally {
    screen?.stop();
    await d.stop();
  }
  if (screen) for (const l of [...intro, ...d.ledger.entries.map((e) => timelineLine(e))]) out(l);
  for (const l of result) out(l);
  return ok;
}

const KEYS_NONE = "scripted: no keys (Ctrl-C stops)";

const KEYS =
  "keys: [1] kill/revive eu  [2] kill/revive us  [p] partition  [i] isolate the primary  [h] heal  [f] freeze/release  [s] switchover  [q] quit";

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
  const screen = new LiveScreen(
    d,
    write,
    `${header(s).split("\n")[2]}\n${KEYS}`,
    () => process.stdout.columns || Number.POSITIVE_INFINITY,
  );
  let quit: () => void = () => {};
  const done = new Promise<void>((r) => {
    quit = r;
  });
  const onKey = (buf: Buffer) => {
    const k = buf.toString();
    if (k === "q" || k === "\u0003") return quit();
    const act: Record<string, () => unknown> = {
      "1": () => (d.isUp("eu") ? d.kill("eu") : d.revive("eu")),
      "2": () => (d.isUp("us") ? d.kill("us") : d.revive("us")),
      p: () => d.partition(),
      i: () => {
        const primary = d.writable()[0];
        if (primary) d.isolate(primary);
      },
      h: () => d.heal(),
      f: () => (d.isFrozen ? d.release() : d.freeze()),
      s: () => d.requestSwitchover(),
    };
    void Promise.resolve(act[k]?.()).then(() => screen.draw());
  };
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.on("data", onKey);
  screen.start();
  try {
    await Promise.race([done, stopped]);
  } finally {
    stdin.off("data", onKey);
    stdin.setRawMode?.(false);
    stdin.pause();
    screen.stop();
    await d.stop();
  }
  write(`${d.ledger.entries.map((e) => timelineLine(e, PLAIN)).join("\n")}\n`);
  const v = verdict(d.ledger.entries, {});
  write(`${verdictText(v, PLAIN)}\n`);
  return v.ok ? 0 : 1;
}
