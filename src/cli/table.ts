// Left-aligned text columns as kubectl prints them (the lease verbs, probe, status).

/** The width of each column: its longest cell. */
export function columnWidths(rows: readonly (readonly string[])[]): number[] {
  return rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
}

/**
 * Left-aligned columns, kubectl style. `widths` keeps later rows (status -w) in line with the
 * first table printed; a longer cell widens its own row only.
 */
export function table(rows: readonly (readonly string[])[], widths = columnWidths(rows)): string {
  return (
    rows
      .map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 2))).join(""))
      .join("\n") + "\n"
  );
}
