// The readable per-region timeline `splitguard simulate --timeline` prints: faults, transitions
// with their reasons, and the writable intervals of the ground-truth ledger.
import { describeFault } from "./schedule.ts";
import type { World } from "./world.ts";

const ts = (ms: number) => {
  const s = ms / 1000;
  const m = Math.floor(s / 60);
  return `${String(m).padStart(3, " ")}:${(s - m * 60).toFixed(1).padStart(4, "0")}`;
};

export function timelineText(w: World): string {
  const lines: string[] = [];
  type Row = { at: number; text: string };
  const rows: Row[] = [];
  for (const f of w.cfg.faults) {
    rows.push({ at: f.at, text: `  FAULT     ${describeFault(f)}` });
    if ("for" in f) rows.push({ at: f.at + f.for, text: `  HEAL      ${describeFault(f)}` });
  }
  for (const t of w.transitions)
    rows.push({ at: t.at, text: `  ${t.region.padEnd(8)}  ${t.from} -> ${t.to}: ${t.reason}` });
  for (const iv of w.writable) {
    rows.push({ at: iv.from, text: `  ${iv.region.padEnd(8)}  WRITABLE (CNPG primary, gate open)` });
    if (iv.to !== null && iv.to < w.cfg.durationMs)
      rows.push({ at: iv.to, text: `  ${iv.region.padEnd(8)}  not writable` });
  }
  for (const o of w.overlaps)
    rows.push({ at: o.at, text: `  !!        SPLIT BRAIN: ${o.regions.join(" and ")} writable at once` });
  rows.sort((a, b) => a.at - b.at);
  lines.push(
    `simulation: safety ${w.cfg.safety}, regions ${w.cfg.regions.join(" > ")} (priority order), seed ${w.cfg.seed}, ${w.cfg.durationMs / 1000}s`,
  );
  for (const r of rows) lines.push(`${ts(r.at)}${r.text}`);
  lines.push("per region:");
  for (const r of w.cfg.regions) {
    const mine = w.transitions.filter((t) => t.region === r);
    const writable = w.writable
      .filter((i) => i.region === r)
      .map((i) => `${ts(i.from).trim()}-${ts(i.to ?? w.cfg.durationMs).trim()}`);
    lines.push(`  ${r.padEnd(8)}  ${mine.map((t) => `${ts(t.at).trim()} ${t.to}`).join("  >  ")}`);
    lines.push(`  ${"".padEnd(8)}  writable: ${writable.length ? writable.join(", ") : "never"}`);
  }
  lines.push("end state:");
  for (const [r, s] of w.final)
    lines.push(
      `  ${r.padEnd(8)}  ${s.up ? s.state : "down"}, CNPG ${s.cnpg.role}${s.cnpg.fenced ? " fenced" : ""} (following ${s.cnpg.primary ?? "-"}), gate ${s.gate ? "open" : "closed"}, epoch ${s.epoch}${s.writable ? ", WRITABLE" : ""}`,
    );
  return `${lines.join("\n")}\n`;
}
