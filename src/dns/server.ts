// Sockets for the responder: UDP and TCP on the same address (DESIGN §6). The logic lives in
// Responder (one handler interface, STYLE 5); here only framing, limits and lifecycle.
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, isIPv6, type Server, type Socket } from "node:net";
import { type AnswerKind, answerKind, type ResponseRateLimiter, truncatedForm } from "./rate-limit.ts";
import type { Transport } from "./responder.ts";

export interface QueryHandler {
  /** `client` is the source address (for DNS cookies). */
  handle(query: Buffer, transport: Transport, client?: string): Buffer | undefined;
  /** Whether the query just handled returned a valid server cookie (its source is proven). */
  readonly validCookie?: boolean;
}

export interface ServerLimits {
  /** Concurrent TCP connections; further ones are closed at once. */
  readonly maxTcpConnections: number;
  /** A TCP connection idle this long is closed (RFC 7766 §6.2.3 suggests seconds, not minutes). */
  readonly tcpIdleMs: number;
  /** Queries answered on one TCP connection before it is closed. */
  readonly tcpMaxQueries: number;
  /** Unsent response bytes on a TCP connection above which we stop reading from it. */
  readonly tcpMaxPendingBytes: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxTcpConnections: 512,
  tcpIdleMs: 10_000,
  tcpMaxQueries: 1000,
  tcpMaxPendingBytes: 256 * 1024,
};

/** What the socket layer reports (metrics). */
export interface ServerObserver {
  udpBytes(inBytes: number, outBytes: number): void;
  rateLimited(kind: AnswerKind, slipped: boolean): void;
}

export interface ServerOptions {
  readonly limits?: ServerLimits;
  /** Response rate limiting for UDP; replaceable at run time with `setRateLimiter`. */
  readonly rateLimiter?: ResponseRateLimiter | undefined;
  readonly observer?: ServerObserver | undefined;
  /** Milliseconds, for the rate limiter's buckets. */
  readonly now?: () => number;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** TCP connections accepted so far (tests and metrics). */
  readonly tcpAccepted: () => number;
  /** Swap the UDP response rate limiter (undefined turns it off). */
  setRateLimiter(limiter: ResponseRateLimiter | undefined): void;
  close(): Promise<void>;
}

export async function startDnsServer(
  handler: QueryHandler,
  host: string,
  port: number,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const observer = options.observer;
  const now = options.now ?? Date.now;
  let rrl = options.rateLimiter;
  const family = isIPv6(host) ? 6 : 4;
  const udp = createSocket({
    type: family === 6 ? "udp6" : "udp4",
    // Replies go to the address a query came from, always an IP literal: skip dns.lookup and the
    // extra tick it costs per packet (measured in docs/performance.md).
    lookup: (address, _opts, cb) => (cb as (e: null, a: string, f: number) => void)(null, address, family),
  });
  udp.on("message", (msg, rinfo) => {
    let resp: Buffer | undefined;
    try {
      resp = handler.handle(msg, "udp", rinfo.address);
    } catch {
      // The responder never throws by design; if it ever does, drop this query, keep serving.
      return;
    }
    if (!resp) {
      observer?.udpBytes(msg.length, 0);
      return;
    }
    // A valid server cookie proves the source address, as TCP does: no rate limiting then.
    if (rrl && handler.validCookie !== true) {
      const kind = answerKind(resp);
      const d = rrl.decide(rinfo.address, kind, now());
      if (d !== "send") {
        observer?.rateLimited(kind, d === "slip");
        if (d === "drop") {
          observer?.udpBytes(msg.length, 0);
          return;
        }
        resp = truncatedForm(resp);
      }
    }
    observer?.udpBytes(msg.length, resp.length);
    udp.send(resp, rinfo.port, rinfo.address);
  });
  udp.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind({ address: host, port, exclusive: true }, () => {
      udp.off("error", reject);
      resolve();
    });
  });
  const boundPort = udp.address().port;
  const conns = new Set<Socket>();
  let accepted = 0;
  const tcp = createServer({ noDelay: true }, (sock) => {
    accepted += 1;
    serveTcp(sock, handler, limits, conns);
  });
  tcp.maxConnections = limits.maxTcpConnections;
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen({ host, port: boundPort, exclusive: true }, () => {
        tcp.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    udp.close();
    throw e;
  }
  return {
    host,
    port: boundPort,
    tcpAccepted: () => accepted,
    setRateLimiter: (l) => {
      rrl = l;
    },
    close: () => closeAll(udp, tcp, conns),
  };
}

async function closeAll(udp: UdpSocket, tcp: Server, conns: Set<Socket>): Promise<void> {
  await new Promise<void>((r) => udp.close(() => r()));
  for (const c of conns) c.destroy();
  await new Promise<void>((r) => tcp.close(() => r()));
}

/**
 * RFC 7766 §8: two-octet length framing; several queries per connection, answered in order.
 * Bounded per connection: idle time, queries answered, a message that is started but not finished
 * within the idle time (a slow or partial sender), and answers waiting to be sent (a client that
 * sends but does not read makes us stop reading from it, so at most one received chunk, 64 KiB,
 * and `tcpMaxPendingBytes` of answers are ever held for it).
 */
function serveTcp(sock: Socket, handler: QueryHandler, limits: ServerLimits, conns: Set<Socket>): void {
  conns.add(sock);
  let partial: NodeJS.Timeout | undefined;
  sock.on("close", () => {
    conns.delete(sock);
    clearTimeout(partial);
  });
  sock.on("error", () => {});
  sock.setTimeout(limits.tcpIdleMs, () => sock.destroy());
  let buf: Buffer = Buffer.alloc(0);
  let answered = 0;
  let waiting = false;
  const pump = () => {
    let completed = false;
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) break;
      const msg = buf.subarray(2, 2 + len);
      buf = buf.subarray(2 + len);
      completed = true;
      let frame: Buffer | undefined;
      try {
        const resp = handler.handle(msg, "tcp", sock.remoteAddress);
        // RFC 7766 §8: a TCP message is at most 65,535 octets; never frame a longer one.
        if (resp && resp.length <= 0xffff) {
          frame = Buffer.allocUnsafe(2 + resp.length);
          frame.writeUInt16BE(resp.length, 0);
          resp.copy(frame, 2);
        }
      } catch {
        frame = undefined;
      }
      if (frame) sock.write(frame);
      answered += 1;
      if (answered >= limits.tcpMaxQueries) {
        sock.end();
        buf = Buffer.alloc(0);
        return;
      }
      if (sock.writableLength > limits.tcpMaxPendingBytes) {
        // The client is not reading: stop reading from it until it drains what we sent.
        if (!waiting) {
          waiting = true;
          sock.pause();
          sock.once("drain", () => {
            waiting = false;
            sock.resume();
            pump();
          });
        }
        return;
      }
    }
    // A started message must be finished within the idle time, however slowly it trickles in.
    // The clock restarts with every message completed: a client pipelining queries whose chunks
    // never line up with message boundaries is making progress (found in review).
    if (completed || buf.length === 0) {
      clearTimeout(partial);
      partial = undefined;
    }
    if (buf.length > 0 && partial === undefined) partial = setTimeout(() => sock.destroy(), limits.tcpIdleMs);
    if (buf.length > 0) buf = Buffer.from(buf); // do not pin a large chunk behind a small remainder
  };
  sock.on("data", (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    if (!waiting) pump();
  });
}
