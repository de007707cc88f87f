// The demo's scripted scenarios: faults at fixed times on the running local regions, and what the
// verdict must find (verdict.ts). The bounds follow the demo's timing (demo-config.ts): a standby
// promotes promoteAfter after its timer starts, the timer starts once the witnesses vote the
// primary down (unbound gives up on a dead server after about 6 s, the built-in witness at once),
// plus up to two probe rounds and CNPG's promotion time.
import { DEMO_CLUSTER_TIMING, DEMO_TIMING } from "./demo-config.ts";
import type { LocalRegions, WitnessKind } from "./local-regions.ts";
import type { Expectations } from "./verdict.ts";

export interface ScenarioStep {
  readonly at: number;
  readonly label: string;
  readonly run: (d: LocalRegions) => Promise<void> | void;
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  readonly durationMs: number;
  readonly steps: readonly ScenarioStep[];
  /** From the times the steps actually ran (label → ms since start) and the run's end. */
  readonly expect: (ran: ReadonlyMap<string, number>, endMs: number) => Expectations;
}

/** How long after a region's loss the witnesses start voting it down. */
export const giveUpMs = (w: WitnessKind) => (w === "unbound" ? 10_000 : 1_000);

/** From a primary's loss (or the end of a freeze) to a standby writable, at the latest. */
export function takeoverBoundMs(w: WitnessKind, detectedAlready = false): number {
  const p = DEMO_TIMING.probe;
  return (
    DEMO_TIMING.failover.promoteAfter * 1000 +
    2 * (p.interval + p.timeout) * 1000 +
    (detectedAlready ? 0 : giveUpMs(w)) +
    DEMO_CLUSTER_TIMING.promoteMs +
    2_000
  );
}

const START = 6_000;

export function scenarios(w: WitnessKind): readonly Scenario[] {
  const bound = takeoverBoundMs(w);
  const afterFreeze = takeoverBoundMs(w, true);
  const at = (ran: ReadonlyMap<string, number>, label: string) => ran.get(label) ?? 0;
  return [
    {
      name: "normal",
      summary: "nothing fails: eu stays primary, us follows, no promotion",
      durationMs: 20_000,
      steps: [],
      expect: (_ran, end) => ({
        noPromotion: [{ from: 0, to: end, why: "while nothing fails" }],
        quietFrom: START,
        endWritable: "eu",
      }),
    },
    {
      name: "primary-region-down",
      summary: "eu (primary) is lost: us promotes after promoteAfter, the answer moves to us",
      durationMs: START + bound + 4_000,
      steps: [{ at: START, label: "kill eu", run: (d) => d.kill("eu") }],
      expect: (ran) => ({
        takeover: { at: at(ran, "kill eu"), lost: "eu", boundMs: bound, why: "eu lost for good" },
        endWritable: "us",
      }),
    },
    {
      name: "inter-region-partition",
      summary: "eu and us cannot reach each other, the witnesses see both: nobody promotes",
      durationMs: START + bound + 6_000,
      steps: [
        { at: START, label: "partition", run: (d) => d.partition() },
        { at: START + bound, label: "heal", run: (d) => d.heal() },
      ],
      expect: (_ran, end) => ({
        noPromotion: [{ from: 0, to: end, why: "while eu keeps its witness quorum" }],
        endWritable: "eu",
      }),
    },
    {
      name: "primary-isolated",
      summary: "eu is cut from the witnesses and from us but keeps running: it fences, then us promotes",
      durationMs: START + bound + 8_000,
      steps: [
        { at: START, label: "isolate eu", run: (d) => d.isolate("eu") },
        { at: START + bound, label: "heal", run: (d) => d.heal() },
      ],
      expect: (ran) => ({
        takeover: { at: at(ran, "isolate eu"), lost: "eu", boundMs: bound, why: "eu cut from every witness" },
        endWritable: "us",
      }),
    },
    {
      name: "planned-switchover",
      summary: "a switchover override hands eu's role to us with CNPG's demotion token",
      durationMs: START + 16_000,
      steps: [{ at: START, label: "switchover", run: (d) => void d.requestSwitchover() }],
      expect: () => ({ endWritable: "us" }),
    },
    {
      name: "freeze",
      summary: "freeze, then eu is lost: nothing automatic until the freeze is released, then us promotes",
      // Released a little before the takeover bound: later than the promotion would have come.
      durationMs: START + bound - 4_000 + afterFreeze,
      steps: [
        { at: START - 2_000, label: "freeze", run: (d) => d.freeze() },
        { at: START, label: "kill eu", run: (d) => d.kill("eu") },
        { at: START + bound - 4_000, label: "release", run: (d) => d.release() },
      ],
      expect: (ran) => ({
        noPromotion: [{ from: at(ran, "freeze"), to: at(ran, "release"), why: "while frozen" }],
        takeover: {
          at: at(ran, "release"),
          lost: "eu",
          boundMs: afterFreeze,
          why: "after the freeze is released",
        },
        endWritable: "us",
      }),
    },
  ];
}

export function scenarioNamed(w: WitnessKind, name: string): Scenario {
  const all = scenarios(w);
  const s = all.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario "${name}": choose one of ${all.map((x) => x.name).join(", ")}`);
  return s;
}
