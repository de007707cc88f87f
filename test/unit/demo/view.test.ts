import { describe, expect, it } from "vitest";
import { ANSI, clip, timelineLine, verdictText } from "../../../src/demo/view.ts";

const visible = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

describe("demo view", () => {
  it("clips to the visible width, keeping escape sequences whole and resetting the colour", () => {
    const line = `ab${ANSI.green("cdef")}gh`;
    expect(clip(line, 8)).toBe(line);
    const c = clip(line, 5);
    expect(visible(c)).toBe("abcd…");
    expect(c.endsWith("\x1b[0m")).toBe(true);
    expect(c).toContain("\x1b[32m");
  });

  it("prints ledger entries as timeline lines", () => {
    expect(timelineLine({ at: 12_345, kind: "promote", region: "us", epoch: 2 })).toBe(
      "+ 12.3s  us  CNPG promotion asked (epoch 2)",
    );
    expect(
      timelineLine({ at: 500, kind: "transition", region: "eu", from: "a", to: "b", reason: "why" }),
    ).toBe("+  0.5s  eu  a -> b  (why)");
  });

  it("states the verdict with every check", () => {
    const t = verdictText({
      ok: false,
      checks: [
        { name: "x", ok: true, detail: "fine" },
        { name: "y", ok: false, detail: "broke" },
      ],
    });
    expect(t).toBe("verdict: FAIL, an invariant broke\n  ok   x: fine\n  FAIL y: broke");
  });
});
