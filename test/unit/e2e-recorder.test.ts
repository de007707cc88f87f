// The e2e recorder's invariant checks on hand-made recordings (the e2e tier runs them on real ones).
import { describe, expect, it } from "vitest";
import {
  dnsSwitchedAt,
  firstAt,
  type RegionSample,
  reportHtml,
  reportTable,
  type Sample,
  type ScenarioReport,
  transitions,
  twoWritable,
} from "../e2e/support/recorder.ts";

const region = (state: string, writable: boolean, alive = true): RegionSample => ({
  alive,
  state,
  role: state.split(".")[0] ?? "",
  epoch: 1,
  timer: "",
  gate: writable ? "True" : "False",
  cnpgPrimary: "",
  cnpgStatus: "",
  writable,
});

const sample = (t: number, eu: RegionSample, us: RegionSample, dns: string[]): Sample => ({
  t,
  regions: { eu, us },
  dns: Object.fromEntries(dns.map((a, i) => [`w${i + 1}`, a])),
});

const A = "192.0.2.10";
const B = "192.0.2.11";
const recording: Sample[] = [
  sample(0, region("primary.serving", true), region("standby.following", false), [A, A, A]),
  sample(500, region("primary.atRisk", true), region("standby.suspecting", false), [A, A, A]),
  sample(1000, region("fenced", false), region("standby.promoting", false), [A, "SERVFAIL", A]),
  sample(1500, region("fenced", false), region("primary.serving", true), [B, A, B]),
  sample(2000, region("standby.following", false), region("primary.serving", true), [B, B, B]),
];

describe("e2e recorder analysis", () => {
  it("finds no double writer in a clean hand-over and flags the sample where both are writable", () => {
    expect(twoWritable(recording)).toEqual([]);
    const bad = [
      ...recording,
      sample(2500, region("primary.serving", true), region("primary.serving", true), [B]),
    ];
    expect(twoWritable(bad).map((s) => s.t)).toEqual([2500]);
  });

  it("a writable region that is down does not count as a writer", () => {
    // writable is computed by the world with `alive`; a dead region's sample has writable false.
    const s = sample(0, region("primary.serving", false, false), region("primary.serving", true), [B]);
    expect(twoWritable([s])).toEqual([]);
  });

  it("lists state changes per region in order, ignoring samples without a state", () => {
    const withGap = [
      ...recording.slice(0, 2),
      sample(700, region("", false), region("", false), []),
      ...recording.slice(2),
    ];
    expect(transitions(withGap).map((t) => `${t.t} ${t.region} ${t.from}->${t.to}`)).toEqual([
      "500 eu primary.serving->primary.atRisk",
      "500 us standby.following->standby.suspecting",
      "1000 eu primary.atRisk->fenced",
      "1000 us standby.suspecting->standby.promoting",
      "1500 us standby.promoting->primary.serving",
      "2000 eu fenced->standby.following",
    ]);
  });

  it("DNS has switched only when every witness answers the new target", () => {
    expect(dnsSwitchedAt(recording, 0, B)).toBe(2000);
    expect(dnsSwitchedAt(recording, 0, A)).toBe(0);
    expect(dnsSwitchedAt(recording, 600, A)).toBeUndefined();
    expect(firstAt(recording, 0, (s) => s.regions.us?.state === "standby.promoting")).toBe(1000);
  });

  it("renders the table and the timeline with the failed checks named", () => {
    const row: ScenarioReport = {
      scenario: "primary isolated",
      mode: "witness",
      expectation: "us promotes",
      faultAt: 0,
      detectionMs: 500,
      promotionMs: 1500,
      writableMs: 1500,
      dnsSwitchMs: null,
      transitions: transitions(recording).map((t) => `${t.region}: ${t.from} -> ${t.to}`),
      checks: [{ name: "DNS switched", ok: false, detail: "never" }],
      verdict: "fail",
      durationMs: 2500,
      marks: [{ t: 0, what: "isolate <eu>" }],
      samples: recording,
    };
    const table = reportTable([row]);
    expect(table).toContain("| primary isolated | 0.5 s | 1.5 s | 1.5 s | – | 6 | fail: DNS switched |");
    const html = reportHtml([row]);
    expect(html).toContain("isolate &lt;eu&gt;");
    expect(html.match(/<rect /g)?.length).toBe(5 * (2 + 3));
  });
});
