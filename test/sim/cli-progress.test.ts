// `splitguard simulate --runs N` reports progress on stderr while it runs (a line per tenth of the
// runs) and keeps stdout for the report, so `-o json` output still parses.
import { describe, expect, it } from "vitest";
import { PROGRESS_MIN_RUNS, progressLines } from "../../src/cli/verbs/simulate.ts";
import { runCliUntil } from "../support/run-cli.ts";

describe("simulate progress", () => {
  it("prints a line at each tenth of the runs, with the failed count and the time taken", () => {
    const lines: string[] = [];
    let t = 0;
    const p = progressLines(
      (s) => lines.push(s),
      "random schedules",
      1_000,
      () => t,
    );
    expect(p).toBeDefined();
    for (let done = 1; done <= 1_000; done += 1) {
      t = done * 60;
      p!(done, done >= 500 ? 1 : 0);
    }
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe(
      "simulate: random schedules 100 of 1,000 (10%), 0 broke an invariant, 6s elapsed\n",
    );
    expect(lines[9]).toBe(
      "simulate: random schedules 1,000 of 1,000 (100%), 1 broke an invariant, 1m elapsed\n",
    );
  });

  it("prints nothing for a short run", () => {
    const lines: string[] = [];
    const p = progressLines(
      (s) => lines.push(s),
      "x",
      PROGRESS_MIN_RUNS - 1,
      () => 0,
    );
    expect(p).toBeUndefined();
  });

  it("the CLI reports progress over its worker threads on stderr; stdout is the JSON report", async () => {
    const r = await runCliUntil(
      Promise.resolve(),
      "simulate",
      "--runs",
      "100",
      "--jobs",
      "2",
      "--seed",
      "3",
      "--safety",
      "lease",
      "-o",
      "json",
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).runs).toEqual({ random: 100, primaryLoss: 20, total: 120 });
    const lines = r.err.trim().split("\n");
    // The 20 primary-loss runs are under the threshold: only the random ones report.
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toMatch(
      /^simulate: random schedules 100 of 100 \(100%\), 0 broke an invariant, \d+s elapsed$/,
    );
  }, 120_000);
});
