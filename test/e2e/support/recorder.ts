// The e2e recorder: samples every region (role, gate, CNPG designation) and the failover host's
// answer through every witness about every 500 ms while a scenario runs, then checks the
// invariants on the recording (pure functions below) and renders the report (JSON and an HTML
// timeline under reports/).

export interface RegionSample {
  /** The region's database is up (false once the scenario killed the region). */
  readonly alive: boolean;
  readonly state: string;
  readonly role: string;
  readonly epoch: number;
  /** The running wait in status (promoteAfter, fenceAfter), "" when none. */
  readonly timer: string;
  /** Every gated pod's splitguard.io/primary condition, e.g. "True,True". */
  readonly gate: string;
  /** The CNPG Cluster's spec.replica.primary. */
  readonly cnpgPrimary: string;
  readonly cnpgStatus: string;
  /** alive, CNPG designates this region's cluster primary, and a gate is open. */
  readonly writable: boolean;
  /** Lease mode: status.lease.lastAttempt, the highest lease value ever attempted (never reused). */
  readonly leaseAttempt?: { readonly epoch: number; readonly seq: number } | null;
  /**
   * The witness evidence of the status last written: the quorum ("2/3") and per witness its
   * self check and its view of every peer, e.g. "w1 self=ok eu=down ap=up". For a failure's
   * report (status is written when it changes, so this lags the controller by at most a round).
   */
  readonly evidence?: string;
  readonly error?: string;
}

export interface Sample {
  /** Milliseconds since the scenario started (midpoint of the sample's requests). */
  readonly t: number;
  readonly regions: Readonly<Record<string, RegionSample>>;
  /** Witness name -> the answer ("192.0.2.10", "SERVFAIL", "timeout", …). */
  readonly dns: Readonly<Record<string, string>>;
}

export interface Mark {
  readonly t: number;
  readonly what: string;
}

export class Recorder {
  readonly samples: Sample[] = [];
  readonly marks: Mark[] = [];
  readonly t0 = Date.now();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(sample: (t0: number) => Promise<Sample>, periodMs = 500) {
    this.loop = (async () => {
      while (this.running) {
        const start = Date.now();
        this.samples.push(await sample(this.t0));
        const wait = periodMs - (Date.now() - start);
        if (wait > 0 && this.running) await new Promise((r) => setTimeout(r, wait));
      }
    })();
  }

  /** Milliseconds since the recording started. */
  now(): number {
    return Date.now() - this.t0;
  }

  /** Notes an event (a fault applied, a process killed) on the timeline; returns its time. */
  mark(what: string): number {
    const t = this.now();
    this.marks.push({ t, what });
    return t;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Samples where more than one region was writable at once. */
export function twoWritable(samples: readonly Sample[]): Sample[] {
  return samples.filter((s) => Object.values(s.regions).filter((r) => r.writable).length > 1);
}

/** The first sample time at or after `from` where `pred` holds. */
export function firstAt(
  samples: readonly Sample[],
  from: number,
  pred: (s: Sample) => boolean,
): number | undefined {
  return samples.find((s) => s.t >= from && pred(s))?.t;
}

export interface Transition {
  readonly t: number;
  readonly region: string;
  readonly from: string;
  readonly to: string;
}

/** Every change of a region's machine state in the recording (status.state). */
export function transitions(samples: readonly Sample[]): Transition[] {
  const out: Transition[] = [];
  const last: Record<string, string> = {};
  for (const s of samples)
    for (const [region, r] of Object.entries(s.regions)) {
      if (!r.state) continue; // an API error or no status yet: not a state
      const prev = last[region];
      if (prev !== undefined && prev !== r.state) out.push({ t: s.t, region, from: prev, to: r.state });
      last[region] = r.state;
    }
  return out;
}

/** The first time at or after `from` where every witness answers exactly `target`. */
export function dnsSwitchedAt(samples: readonly Sample[], from: number, target: string): number | undefined {
  return firstAt(samples, from, (s) => Object.values(s.dns).every((a) => a === target));
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ScenarioReport {
  readonly scenario: string;
  readonly mode: "witness" | "lease";
  readonly expectation: string;
  /** Fault (or kill) time, ms from the start of the recording. */
  readonly faultAt: number | null;
  /** From the fault: the standby starts its promoteAfter wait. */
  readonly detectionMs: number | null;
  /** From the fault: the standby's CNPG cluster designated primary. */
  readonly promotionMs: number | null;
  /** From the fault: the new primary writable (CNPG primary and its gate open). */
  readonly writableMs: number | null;
  /** From the fault: every witness answers the new primary's target. */
  readonly dnsSwitchMs: number | null;
  readonly transitions: readonly string[];
  readonly checks: readonly Check[];
  readonly verdict: "pass" | "fail";
  readonly durationMs: number;
  readonly marks: readonly Mark[];
  readonly samples: readonly Sample[];
}

const secs = (ms: number | null) => (ms === null ? "–" : `${(ms / 1000).toFixed(1)} s`);

/** The run's table, one line per scenario (printed, and in docs/e2e.md). */
export function reportTable(rows: readonly ScenarioReport[]): string {
  const head =
    "| scenario | detection | promotion | writable | DNS switch | transitions | verdict |\n|---|---|---|---|---|---|---|";
  const lines = rows.map(
    (r) =>
      `| ${r.scenario} | ${secs(r.detectionMs)} | ${secs(r.promotionMs)} | ${secs(r.writableMs)} | ${secs(r.dnsSwitchMs)} | ${r.transitions.length} | ${r.verdict}${
        r.verdict === "fail"
          ? `: ${r.checks
              .filter((c) => !c.ok)
              .map((c) => c.name)
              .join(", ")}`
          : ""
      } |`,
  );
  return [head, ...lines].join("\n");
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const colour = (r: RegionSample): string => {
  if (!r.alive) return "#777";
  if (r.writable) return "#2a2";
  if (r.role === "primary") return "#fa0"; // primary by its machine, gate or CNPG not (yet) open
  if (r.state.includes("suspecting") || r.state.includes("promoting")) return "#c6f";
  if (r.state.includes("fenc")) return "#e44";
  return "#69c";
};

/** An HTML page with one timeline per scenario: a lane per region and per witness. */
export function reportHtml(rows: readonly ScenarioReport[]): string {
  const parts: string[] = [];
  for (const r of rows) {
    const end = Math.max(1, r.durationMs);
    const W = 1000;
    const x = (t: number) => ((t / end) * W).toFixed(1);
    const regions = Object.keys(r.samples[0]?.regions ?? {});
    const witnesses = Object.keys(r.samples[0]?.dns ?? {});
    const lanes: string[] = [];
    const lane = (label: string, i: number, cell: (s: Sample) => { fill: string; title: string }) => {
      const y = 20 + i * 22;
      lanes.push(`<text x="0" y="${y + 14}" font-size="12">${esc(label)}</text>`);
      r.samples.forEach((s, k) => {
        const next = r.samples[k + 1]?.t ?? end;
        const c = cell(s);
        lanes.push(
          `<rect x="${Number(x(s.t)) + 80}" y="${y}" width="${Math.max(1, Number(x(next)) - Number(x(s.t)))}" height="18" fill="${c.fill}"><title>${esc(c.title)}</title></rect>`,
        );
      });
    };
    for (const [i, reg] of regions.entries())
      lane(reg, i, (s) => {
        const v = s.regions[reg]!;
        return {
          fill: colour(v),
          title: `${(s.t / 1000).toFixed(1)} s ${reg}: ${v.state} epoch ${v.epoch} gate ${v.gate} cnpg ${v.cnpgPrimary}${v.writable ? " WRITABLE" : ""}${v.timer ? ` timer ${v.timer}` : ""}${v.leaseAttempt ? ` lease attempt ${v.leaseAttempt.epoch}.${v.leaseAttempt.seq}` : ""}${v.alive ? "" : " (region down)"}`,
        };
      });
    const answers = [...new Set(r.samples.flatMap((s) => Object.values(s.dns)))];
    const palette = ["#2a2", "#36c", "#c63", "#999", "#e44", "#fc3", "#6cc"];
    for (const [i, w] of witnesses.entries())
      lane(`dns@${w}`, regions.length + i, (s) => ({
        fill: palette[answers.indexOf(s.dns[w]!) % palette.length]!,
        title: `${(s.t / 1000).toFixed(1)} s ${w}: ${s.dns[w]}`,
      }));
    const h = 30 + (regions.length + witnesses.length) * 22;
    const marks = r.marks.map(
      (m) =>
        `<line x1="${Number(x(m.t)) + 80}" x2="${Number(x(m.t)) + 80}" y1="10" y2="${h}" stroke="#000" stroke-dasharray="3"><title>${esc(`${(m.t / 1000).toFixed(1)} s ${m.what}`)}</title></line>`,
    );
    parts.push(`<h2>${esc(r.scenario)} — ${r.verdict}</h2>
<p>${esc(r.expectation)}. Detection ${secs(r.detectionMs)}, promotion ${secs(r.promotionMs)}, writable ${secs(r.writableMs)}, DNS switch ${secs(r.dnsSwitchMs)}; ${r.transitions.length} transitions.
DNS answers: ${answers.map((a, i) => `<span style="color:${palette[i % palette.length]}">■</span> ${esc(a)}`).join(" ")}</p>
<svg width="${W + 90}" height="${h + 10}" xmlns="http://www.w3.org/2000/svg">${lanes.join("")}${marks.join("")}</svg>
<ul>${r.marks.map((m) => `<li>${(m.t / 1000).toFixed(1)} s: ${esc(m.what)}</li>`).join("")}${r.transitions.map((t) => `<li>${esc(t)}</li>`).join("")}${r.checks.map((c) => `<li>${c.ok ? "✔" : "✘"} ${esc(c.name)}: ${esc(c.detail)}</li>`).join("")}</ul>`);
  }
  return `<!doctype html><meta charset="utf-8"><title>splitguard e2e controller scenarios</title>
<style>body{font-family:sans-serif;margin:1em}h2{margin-top:2em}</style>
<h1>splitguard e2e: controller scenarios</h1>
<p>Region lanes: green writable (CNPG primary + gate open), blue standby, purple suspecting/promoting, orange primary not writable, red fenced, grey region down. Dashed lines: faults and kills (hover for details).</p>
${parts.join("\n")}`;
}
