// What the demo prints, pure: a timeline line per ledger entry, the verdict, and the live frame
// (plain ANSI: bold, colour, reverse; the caller moves the cursor). No terminal library.
import type { LedgerEntry } from "./ledger.ts";
import type { RegionView, Snapshot } from "./local-regions.ts";
import type { Verdict } from "./verdict.ts";

export interface Style {
  readonly bold: (s: string) => string;
  readonly green: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly dim: (s: string) => string;
}

const sgr = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
export const ANSI: Style = {
  bold: sgr("1"),
  green: sgr("32"),
  red: sgr("31"),
  yellow: sgr("33"),
  dim: sgr("2"),
};
const id = (s: string) => s;
export const PLAIN: Style = { bold: id, green: id, red: id, yellow: id, dim: id };

const secs = (ms: number) => `+${(ms / 1000).toFixed(1).padStart(5)}s`;

export function timelineLine(e: LedgerEntry, st: Style = PLAIN): string {
  const who = (r: string | undefined) => (r ?? "").padEnd(3);
  switch (e.kind) {
    case "writable":
      return `${secs(e.at)}  ${who(e.region)} ${e.writable ? st.green("WRITABLE") : st.yellow("not writable")}`;
    case "promote":
      return `${secs(e.at)}  ${who(e.region)} ${st.bold(`CNPG promotion asked (epoch ${e.epoch})`)}`;
    case "transition":
      return `${secs(e.at)}  ${who(e.region)} ${e.from} -> ${st.bold(e.to)}${e.reason ? st.dim(`  (${e.reason})`) : ""}`;
    case "note":
      return `${secs(e.at)}  ${who(e.region)} ${e.text.startsWith("FAULT") || e.text.startsWith("OVERRIDE") ? st.red(e.text) : e.text}`;
  }
}

export function verdictText(v: Verdict, st: Style = PLAIN): string {
  const lines = v.checks.map((c) => `  ${c.ok ? st.green("ok  ") : st.red("FAIL")} ${c.name}: ${c.detail}`);
  return [
    `verdict: ${v.ok ? st.green("PASS, no invariant broke") : st.red("FAIL, an invariant broke")}`,
    ...lines,
  ].join("\n");
}

function regionLines(r: RegionView, st: Style): string[] {
  const head = `${st.bold(r.name.padEnd(3))} ${(r.up ? r.state : st.red("DOWN")).padEnd(r.up ? 20 : 29)} epoch ${String(r.epoch ?? "-").padEnd(3)} quorum ${r.quorum.padEnd(4)} gate ${(r.gate === "open" ? st.green("open") : "closed").padEnd(r.gate === "open" ? 15 : 6)} CNPG ${r.cnpg}${r.writable ? st.green("  WRITABLE") : ""}`;
  const timer = r.timer
    ? `    timer ${r.timer.name}: ${st.yellow(`${Math.max(0, r.timer.remainingMs / 1000).toFixed(1)}s left`)}`
    : "    timer: none";
  const votes = r.witnesses.length
    ? r.witnesses.map(
        (w) =>
          `    witness ${w.name.padEnd(16)} self ${w.self.padEnd(6)} ${Object.entries(w.peers)
            .map(([p, v]) => `${p}: ${v}`)
            .join(", ")}`,
      )
    : ["    witnesses: -"];
  return [head, timer, ...votes, st.dim(`    ${r.decision}`)];
}

const ESC = /\x1b\[[0-9;?]*[A-Za-z]/y;

/** Cut a line to `width` visible characters; escape sequences are kept and the colour reset. */
export function clip(line: string, width: number): string {
  if (line.replace(new RegExp(ESC.source, "g"), "").length <= width) return line;
  let out = "";
  let visible = 0;
  for (let i = 0; i < line.length; ) {
    ESC.lastIndex = i;
    const esc = ESC.exec(line);
    if (esc) {
      out += esc[0];
      i += esc[0].length;
      continue;
    }
    if (visible === width - 1) break;
    out += line[i];
    visible++;
    i++;
  }
  return `${out}…\x1b[0m`;
}

export function frame(
  s: Snapshot,
  timeline: readonly string[],
  keys: string,
  st: Style = ANSI,
  width = Number.POSITIVE_INFINITY,
): string {
  const flags = [
    s.partitioned ? st.red("PARTITIONED") : "",
    ...s.isolated.map((r) => st.red(`${r} ISOLATED`)),
    s.frozen ? st.yellow("FROZEN") : "",
    s.switchoverTo ? st.yellow(`switchover to ${s.switchoverTo}`) : "",
  ].filter(Boolean);
  return [
    `${st.bold("splitguard demo")}  ${secs(s.at)}  ${flags.join("  ")}`,
    "",
    ...s.regions.flatMap((r) => [...regionLines(r, st), ""]),
    st.bold("db A through each witness"),
    ...s.answers.map((a) => `    ${a.witness.padEnd(16)} ${a.answer}`),
    "",
    st.bold("timeline"),
    ...timeline,
    "",
    keys,
  ]
    .join("\n")
    .split("\n")
    .map((l) => clip(l, width))
    .join("\n");
}
