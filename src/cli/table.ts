// Left-aligned text columns as kubectl prints them (the lease verbs, probe, status).

/** Left-aligned columns, kubectl style. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return (
    rows
      .map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 2))).join(""))
      .join("\n") + "\n"
  );
}
