// One DNS request/response exchange with one server: UDP first, TCP when the UDP answer is
// truncated (RFC 1035 §4.2.1, RFC 7766 §5), all inside one deadline. The socket layer only moves
// bytes and matches responses to the request; what the response means is the caller's business.
import { createSocket } from "node:dgram";
import { isIP, Socket } from "node:net";
import type { Clock } from "../core/clock.ts";
import { type DecodedMessage, DnsFormatError, decodeMessage } from "./message.ts";

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

export type ExchangeResult =
  | {
      readonly kind: "response";
      readonly wire: Buffer;
      readonly msg: DecodedMessage;
      readonly via: "udp" | "tcp";
    }
  | { readonly kind: "timeout"; readonly detail: string }
  | { readonly kind: "error"; readonly reason: string };

export interface ExchangeOptions {
  readonly server: ServerAddress;
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** Skip UDP (e.g. a request larger than 512 octets, or a test of the TCP path). */
  readonly tcpOnly?: boolean;
}

/** A response belongs to our request when ID and opcode match and QR is set (RFC 1035 §7.3). */
function matches(msg: DecodedMessage, request: Buffer): boolean {
  const opcode = (request.readUInt16BE(2) >> 11) & 0xf;
  return msg.id === request.readUInt16BE(0) && msg.flags.qr && msg.flags.opcode === opcode;
}

export async function exchange(request: Buffer, opts: ExchangeOptions): Promise<ExchangeResult> {
  const deadline = opts.clock.now() + opts.timeoutMs;
  if (!opts.tcpOnly) {
    const udp = await exchangeUdp(request, opts.server, opts.timeoutMs, opts.clock);
    if (udp.kind !== "response" || !udp.msg.flags.tc) return udp;
  }
  const left = deadline - opts.clock.now();
  if (left <= 0) return { kind: "timeout", detail: "truncated over UDP, no time left for TCP" };
  return exchangeTcp(request, opts.server, left, opts.clock);
}

/**
 * One settlement per exchange: the first of response, error or deadline wins, then the socket is
 * released. `state.problem` says what was seen so far, for the timeout's detail.
 */
function settleOnce(
  proto: "UDP" | "TCP",
  timeoutMs: number,
  clock: Clock,
  release: () => void,
  resolve: (r: ExchangeResult) => void,
): { finish: (r: ExchangeResult) => void; state: { problem: string; done: boolean } } {
  const state = { problem: "no response", done: false };
  const finish = (r: ExchangeResult) => {
    if (state.done) return;
    state.done = true;
    clock.clearTimeout(timer);
    release();
    resolve(r);
  };
  const timer = clock.setTimeout(
    () => finish({ kind: "timeout", detail: `${proto} after ${timeoutMs} ms: ${state.problem}` }),
    timeoutMs,
  );
  return { finish, state };
}

function errnoText(e: Error): string {
  return (e as NodeJS.ErrnoException).code ?? e.message;
}

type Judged =
  | { readonly kind: "match"; readonly msg: ReturnType<typeof decodeMessage> }
  | { readonly kind: "other" | "malformed"; readonly problem: string };

/** Decode a response and check it answers `request` (ID, opcode, question). */
function judge(wire: Buffer, request: Buffer): Judged {
  try {
    const msg = decodeMessage(wire);
    return matches(msg, request)
      ? { kind: "match", msg }
      : { kind: "other", problem: "only non-matching responses" };
  } catch (e) {
    if (!(e instanceof DnsFormatError)) throw e;
    return { kind: "malformed", problem: `malformed response (${e.message})` };
  }
}

function exchangeUdp(
  request: Buffer,
  server: ServerAddress,
  timeoutMs: number,
  clock: Clock,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const sock = createSocket(isIP(server.host) === 6 ? "udp6" : "udp4");
    const { finish, state } = settleOnce("UDP", timeoutMs, clock, () => sock.close(), resolve);
    sock.on("error", (e) => finish({ kind: "error", reason: `UDP: ${errnoText(e)}` }));
    // A connected socket only receives datagrams from the server's address and port.
    sock.on("message", (wire) => {
      const r = judge(wire, request);
      if (r.kind === "match") finish({ kind: "response", wire, msg: r.msg, via: "udp" });
      // A non-matching or malformed datagram may be noise or an attack; keep waiting for the real answer.
      else state.problem = r.problem;
    });
    sock.connect(server.port, server.host, () => {
      if (state.done) return;
      sock.send(request, (e) => {
        if (e) finish({ kind: "error", reason: `UDP send: ${errnoText(e)}` });
      });
    });
  });
}

function exchangeTcp(
  request: Buffer,
  server: ServerAddress,
  timeoutMs: number,
  clock: Clock,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const sock = new Socket();
    let buffered = Buffer.alloc(0);
    const { finish, state } = settleOnce("TCP", timeoutMs, clock, () => sock.destroy(), resolve);
    sock.on("error", (e) => finish({ kind: "error", reason: `TCP: ${errnoText(e)}` }));
    sock.on("close", () => finish({ kind: "error", reason: `TCP: connection closed (${state.problem})` }));
    sock.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      // RFC 1035 §4.2.2: each message is preceded by a two-octet length.
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) return;
        const wire = Buffer.from(buffered.subarray(2, 2 + len));
        buffered = buffered.subarray(2 + len);
        const r = judge(wire, request);
        if (r.kind === "match") return finish({ kind: "response", wire, msg: r.msg, via: "tcp" });
        // On TCP nobody else can inject: a malformed message from the server ends the exchange.
        if (r.kind === "malformed") return finish({ kind: "error", reason: `TCP: ${r.problem}` });
        state.problem = r.problem;
      }
    });
    sock.connect(server.port, server.host, () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(request.length, 0);
      sock.write(Buffer.concat([len, request]));
    });
  });
}
