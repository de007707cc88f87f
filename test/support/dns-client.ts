// A raw DNS client for tests: send bytes over UDP or TCP, get bytes back (or a timeout).
import { createSocket } from "node:dgram";
import { connect, isIPv6 } from "node:net";

export function udpExchange(
  host: string,
  port: number,
  msg: Buffer,
  timeoutMs = 2000,
  /** Source address to send from (another loopback address is another client prefix). */
  from?: string,
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = createSocket(isIPv6(host) ? "udp6" : "udp4");
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, timeoutMs);
    s.on("message", (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.on("error", () => {
      clearTimeout(t);
      s.close();
      resolve(undefined);
    });
    if (from) s.bind(0, from, () => s.send(msg, port, host));
    else s.send(msg, port, host);
  });
}

/** Send several messages on one TCP connection, in order; resolves with the responses received. */
export function tcpExchange(
  host: string,
  port: number,
  msgs: Buffer[],
  timeoutMs = 3000,
  /** Resolve as soon as a response satisfies this (default: one response per message). */
  stopWhen?: (m: Buffer) => boolean,
): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const sock = connect({ host, port });
    const done = () => {
      clearTimeout(t);
      sock.destroy();
      resolve(out);
    };
    const t = setTimeout(done, timeoutMs);
    sock.on("connect", () => {
      const frames = msgs.map((m) => {
        const f = Buffer.alloc(2 + m.length);
        f.writeUInt16BE(m.length, 0);
        m.copy(f, 2);
        return f;
      });
      sock.setNoDelay(true);
      sock.write(Buffer.concat(frames));
    });
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (stopWhen ? out.some(stopWhen) : out.length >= msgs.length) done();
    });
    sock.on("error", done);
    sock.on("close", done);
  });
}

/** Build a query by hand: any name bytes, type, class, flags, optional OPT. */
export function buildQuery(opts: {
  id?: number;
  name: string;
  type: number;
  cls?: number;
  opcode?: number;
  rd?: boolean;
  edns?:
    | { udpSize: number; version?: number; doBit?: boolean; options?: { code: number; data: Buffer }[] }
    | undefined;
}): Buffer {
  const labels = opts.name === "." || opts.name === "" ? [] : opts.name.replace(/\.$/, "").split(".");
  const nameBytes = Buffer.concat([
    ...labels.map((l) =>
      Buffer.concat([Buffer.from([Buffer.byteLength(l, "latin1")]), Buffer.from(l, "latin1")]),
    ),
    Buffer.from([0]),
  ]);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(opts.id ?? 0x1234, 0);
  h.writeUInt16BE(((opts.opcode ?? 0) << 11) | (opts.rd ? 0x0100 : 0), 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(opts.edns ? 1 : 0, 10);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(opts.type, 0);
  q.writeUInt16BE(opts.cls ?? 1, 2);
  const parts = [h, nameBytes, q];
  if (opts.edns) {
    const rdata = Buffer.concat(
      (opts.edns.options ?? []).map((x) => {
        const h = Buffer.alloc(4);
        h.writeUInt16BE(x.code, 0);
        h.writeUInt16BE(x.data.length, 2);
        return Buffer.concat([h, x.data]);
      }),
    );
    const o = Buffer.alloc(11);
    o.writeUInt16BE(41, 1);
    o.writeUInt16BE(opts.edns.udpSize, 3);
    o[6] = opts.edns.version ?? 0;
    o.writeUInt16BE(opts.edns.doBit ? 0x8000 : 0, 7);
    o.writeUInt16BE(rdata.length, 9);
    parts.push(o, rdata);
  }
  return Buffer.concat(parts);
}

export async function freePort(host: string): Promise<number> {
  const { createServer } = await import("node:net");
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, host, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const free = await new Promise<boolean>((resolve) => {
      const u = createSocket("udp4");
      u.once("error", () => resolve(false));
      u.bind(port, host, () => u.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
