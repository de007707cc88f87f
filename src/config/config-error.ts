// The error for a bad configuration: every problem with its field path, line and reason.
// Kept free of heavy imports so the serving process can name it without loading parsers.
export interface ConfigProblem {
  /** Dotted path into the document, e.g. `hosts[0].targets.us[1]`. */
  readonly path: string;
  readonly message: string;
  /** 1-based line and column in the file, when the field exists there. */
  readonly line?: number;
  readonly col?: number;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `invalid configuration ${source}:\n` +
        problems
          .map(
            (p) =>
              `  ${source}${p.line ? `:${p.line}:${p.col}` : ""}: ${p.path || "(top level)"}: ${p.message}`,
          )
          .join("\n"),
    );
    this.name = "ConfigError";
  }
}
