import { isIP } from "node:net";

/** `host` or `host:port` (IPv6 with a port as `[addr]:port`). */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export function parseEndpoint(s: string, defaultPort: number): Endpoint | undefined {
  let host = s;
  let port = defaultPort;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (isIP(s) === 0) {
    const i = s.lastIndexOf(":");
    if (i <= 0) return undefined;
    host = s.slice(0, i);
    port = Number(s.slice(i + 1));
    if (isIP(host) !== 4) return undefined;
  }
  if (isIP(host) === 0) return undefined;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}
