// Structured logs: one JSON object per line, with the service, region and decision when there is
// one. Secrets never go through here (keys are Buffers held by their owners, never fields).
export type Level = "debug" | "info" | "warn" | "error";

export interface LogFields {
  readonly region?: string;
  readonly service?: string;
  readonly decision?: string;
  readonly [k: string]: unknown;
}

export interface Logger {
  log(level: Level, msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function jsonLogger(
  write: (line: string) => void,
  now: () => number,
  minLevel: Level = "info",
  base: LogFields = {},
): Logger {
  return {
    log(level, msg, fields) {
      if (ORDER[level] < ORDER[minLevel]) return;
      write(`${JSON.stringify({ ts: new Date(now()).toISOString(), level, msg, ...base, ...fields })}\n`);
    },
    child(fields) {
      return jsonLogger(write, now, minLevel, { ...base, ...fields });
    },
  };
}

export const silentLogger: Logger = { log() {}, child: () => silentLogger };
