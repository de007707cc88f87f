// Durations as operators type them (kubectl's --timeout, Go's time.ParseDuration): "90s", "5m",
// "1h30m", "1.5h", "500ms"; a bare number is seconds. And the short relative form kubectl prints
// in its AGE column ("45s", "2m13s", "3h4m", "2d5h").

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or an error text naming the accepted forms. */
export function parseDuration(text: string): { ok: true; ms: number } | { ok: false; error: string } {
  const s = text.trim();
  const bad = {
    ok: false as const,
    error: `"${text}" is not a duration: use a number with a unit, e.g. 30s, 5m, 1h30m, 2d (ms s m h d)`,
  };
  if (/^\d+(\.\d+)?$/.test(s)) return { ok: true, ms: Math.round(Number(s) * 1000) };
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(s)) return bad;
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return { ok: true, ms: Math.round(ms) };
}

/** kubectl-style short form of a non-negative span: 0s, 45s, 2m13s, 3h4m, 2d5h. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
}
