// A self-contained HTML/SVG timeline of one run: per region, the machine state, the gate, CNPG,
// the witness view (self-quorum and votes on the primary) and the lease holder over time, with the
// faults above and every split-brain instant marked. No scripts, no external assets.
import { describeFault } from "./schedule.ts";
import type { Sample, World } from "./world.ts";

const STATE_COLORS: Record<string, string> = {
  "primary.serving": "#2e9e4f",
  "primary.atRisk": "#e0a526",
  fenced: "#c0392b",
  "standby.following": "#5b7ea8",
  "standby.suspecting": "#d8c43a",
  "standby.acquiring": "#8e5cc2",
  "standby.promoting": "#27b5c9",
  demoting: "#e67e22",
  frozen: "#8a8a8a",
  initializing: "#cfcfcf",
  down: "#222",
};
const HOLDER_COLORS = ["#2e9e4f", "#5b7ea8", "#c2185b", "#8e5cc2"];

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

interface Band {
  from: number;
  to: number;
  value: string;
  color: string;
  title: string;
}

function bands(
  samples: Sample[],
  end: number,
  pick: (s: Sample) => { value: string; color: string; title: string },
): Band[] {
  const out: Band[] = [];
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const next = samples[i + 1]?.at ?? end;
    const p = pick(s);
    const last = out.at(-1);
    if (last && last.value === p.value) last.to = next;
    else out.push({ from: s.at, to: next, ...p });
  }
  return out;
}

/** Intervals during which two or more regions were writable, from the ledger. */
export function splitBrain(w: World): { from: number; to: number; regions: string[] }[] {
  const points = [...new Set(w.writable.flatMap((i) => [i.from, i.to ?? w.cfg.durationMs]))].sort(
    (a, b) => a - b,
  );
  const out: { from: number; to: number; regions: string[] }[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k]!;
    const b = points[k + 1]!;
    const regions = w.writable
      .filter((i) => i.from <= a && (i.to ?? w.cfg.durationMs) >= b)
      .map((i) => i.region);
    if (regions.length < 2) continue;
    const last = out.at(-1);
    if (last && last.to === a) last.to = b;
    else out.push({ from: a, to: b, regions });
  }
  return out;
}

export function timelineHtml(w: World, title: string): string {
  const end = w.cfg.durationMs;
  const width = 1400;
  const left = 150;
  const plot = width - left - 20;
  const x = (t: number) => left + (t / end) * plot;
  const regions = w.cfg.regions;
  const rows = ["state", "gate", "CNPG", "witnesses", "lease"];
  const rowH = 18;
  const laneH = rows.length * (rowH + 3) + 22;
  const faultRows = w.cfg.faults.length;
  const top = 40 + Math.max(1, faultRows) * 14 + 20;
  const height = top + regions.length * laneH + 60;
  const holders = new Map<string, string>();
  const holderColor = (h: string | null) => {
    if (h === null) return "#eee";
    if (!holders.has(h)) holders.set(h, HOLDER_COLORS[holders.size % HOLDER_COLORS.length]!);
    return holders.get(h)!;
  };
  const parts: string[] = [];
  // Axis, every 5 minutes.
  for (let t = 0; t <= end; t += 300_000) {
    parts.push(`<line x1="${x(t)}" y1="${top - 12}" x2="${x(t)}" y2="${height - 40}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${x(t)}" y="${height - 24}" class="axis">${Math.round(t / 60_000)} min</text>`);
  }
  // Faults.
  w.cfg.faults.forEach((f, i) => {
    const y = 40 + i * 14;
    const to = "for" in f ? Math.min(end, f.at + f.for) : f.at + end / 400;
    parts.push(
      `<rect x="${x(f.at)}" y="${y}" width="${Math.max(2, x(to) - x(f.at))}" height="10" fill="#f4b6b6" stroke="#c0392b" stroke-width="0.5"><title>${esc(describeFault(f))}</title></rect>`,
      `<text x="${Math.min(x(to) + 4, width - 300)}" y="${y + 9}" class="fault">${esc(describeFault(f))}</text>`,
    );
  });
  parts.push(`<text x="10" y="${40 + 9}" class="label">faults</text>`);
  regions.forEach((r, ri) => {
    const y0 = top + ri * laneH;
    const samples = w.samples.filter((s) => s.region === r);
    parts.push(
      `<text x="10" y="${y0 + 12}" class="region">${esc(r)}${ri === 0 ? " (initial primary)" : ""}</text>`,
    );
    const pickers: ((s: Sample) => { value: string; color: string; title: string })[] = [
      (s) => {
        const v = s.up ? s.state : "down";
        return { value: v, color: STATE_COLORS[v] ?? "#999", title: v };
      },
      (s) => ({
        value: String(s.gate),
        color: s.gate ? "#2e9e4f" : "#eee",
        title: s.gate ? "gate open" : "gate closed",
      }),
      (s) => ({
        value: s.cnpg,
        color: s.cnpg === "primary" ? "#2e9e4f" : s.cnpg.includes("fenced") ? "#c0392b" : "#b9c9dc",
        title: `CNPG ${s.cnpg}`,
      }),
      (s) => {
        const down = (s.votes.match(/d/g) ?? []).length;
        const v = `${s.selfOk}|${s.votes}`;
        const color = s.selfOk < 2 ? "#f0c2c2" : down >= 2 ? "#e0a526" : "#cfe8d5";
        return {
          value: v,
          color,
          title: `self-quorum ${s.selfOk}/3; votes on primary ${s.votes || "-"} (u=up d=down u=unknown)`,
        };
      },
      (s) => ({
        value: s.leaseHolder ?? "-",
        color: holderColor(s.leaseHolder),
        title: `lease holder ${s.leaseHolder ?? "none"}`,
      }),
    ];
    rows.forEach((name, k) => {
      const y = y0 + 18 + k * (rowH + 3);
      parts.push(`<text x="${left - 8}" y="${y + 13}" class="row">${name}</text>`);
      if (name === "lease" && w.cfg.safety !== "lease") {
        parts.push(
          `<text x="${left + 4}" y="${y + 13}" class="muted">(no lease in ${w.cfg.safety} mode)</text>`,
        );
        return;
      }
      for (const b of bands(samples, end, pickers[k]!))
        parts.push(
          `<rect x="${x(b.from)}" y="${y}" width="${Math.max(0.5, x(b.to) - x(b.from))}" height="${rowH}" fill="${b.color}"><title>${esc(`${r} ${b.title} from ${(b.from / 1000).toFixed(1)}s to ${(b.to / 1000).toFixed(1)}s`)}</title></rect>`,
        );
    });
    for (const iv of w.writable.filter((i) => i.region === r))
      parts.push(
        `<rect x="${x(iv.from)}" y="${y0 + 2}" width="${Math.max(1, x(iv.to ?? end) - x(iv.from))}" height="5" fill="#145a32"><title>writable ${(iv.from / 1000).toFixed(1)}s–${((iv.to ?? end) / 1000).toFixed(1)}s</title></rect>`,
      );
  });
  for (const b of splitBrain(w))
    parts.push(
      `<rect x="${x(b.from)}" y="${top - 8}" width="${Math.max(2, x(b.to) - x(b.from))}" height="${height - 32 - top}" fill="#d10000" fill-opacity="0.16" stroke="#d10000" stroke-width="1.5"><title>SPLIT BRAIN from ${(b.from / 1000).toFixed(1)}s to ${(b.to / 1000).toFixed(1)}s: ${esc(b.regions.join(", "))} writable at once</title></rect>`,
      `<text x="${x(b.from) + 4}" y="${top - 12}" class="sb">split brain ${((b.to - b.from) / 1000).toFixed(1)}s</text>`,
    );
  const legend = Object.entries(STATE_COLORS)
    .map(([k, c]) => `<span class="key"><i style="background:${c}"></i>${esc(k)}</span>`)
    .join("");
  const transitions = w.transitions
    .map(
      (t) =>
        `<tr><td>${(t.at / 1000).toFixed(1)}s</td><td>${esc(t.region)}</td><td>${esc(t.from)} → ${esc(t.to)}</td><td>${esc(t.reason)}</td></tr>`,
    )
    .join("");
  const sb = splitBrain(w);
  const verdict =
    sb.length > 0
      ? `<p class="bad">SPLIT BRAIN: two regions writable at once for ${(sb.reduce((a, b) => a + b.to - b.from, 0) / 1000).toFixed(1)}s in total, first from ${(sb[0]!.from / 1000).toFixed(1)}s (shaded red)</p>`
      : `<p class="good">One writer at every instant.</p>`;
  const holderKey = [...holders]
    .map(([h, c]) => `<span class="key"><i style="background:${c}"></i>lease held by ${esc(h)}</span>`)
    .join("");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:13px system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:18px;margin:0 0 4px}
.axis{font-size:10px;fill:#777;text-anchor:middle}.fault{font-size:10px;fill:#8a2a20}
.region{font-weight:600;font-size:13px}.row{font-size:11px;fill:#555;text-anchor:end}.label{font-size:11px;fill:#555}
.muted{font-size:11px;fill:#999}.key{display:inline-block;margin-right:12px}.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
.sb{font-size:11px;fill:#b00;font-weight:600}.bad{color:#b00;font-weight:600}.good{color:#145a32;font-weight:600}
table{border-collapse:collapse;font-size:12px;margin-top:12px}td{border-top:1px solid #eee;padding:2px 8px;vertical-align:top}
</style></head><body>
<h1>${esc(title)}</h1>
<div>safety <b>${w.cfg.safety}</b>, regions ${esc(regions.join(" > "))} (priority order), promoteAfter ${w.cfg.timing.promoteAfterMs / 1000}s, fenceAfter ${w.cfg.timing.fenceAfterMs / 1000}s, seed ${w.cfg.seed}. Dark bar above a lane: writable (CNPG primary and gate open).</div>
${verdict}
<div>${legend}</div>
<div><span class="key"><i style="background:#cfe8d5"></i>witnesses: self-quorum, primary not voted down</span><span class="key"><i style="background:#e0a526"></i>down-quorum on the primary</span><span class="key"><i style="background:#f0c2c2"></i>no self-quorum</span>${holderKey}</div>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
${parts.join("\n")}
</svg>
<table><tr><td>time</td><td>region</td><td>transition</td><td>reason</td></tr>${transitions}</table>
</body></html>
`;
}
