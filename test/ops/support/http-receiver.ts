// A local HTTP receiver on 127.0.0.1 for notification tests: records every request and answers
// each with what the test's `respond` decides (a status, or "hang" to never answer).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface Received {
  readonly url: string;
  readonly method: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Answer every request still hanging with this status. */
  release(status: number): void;
  close(): Promise<void>;
}

export async function startReceiver(respond: (n: number, r: Received) => number | "hang"): Promise<Receiver> {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        url: req.url ?? "",
        method: req.method ?? "",
        contentType: req.headers["content-type"],
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(r);
      const a = respond(received.length, r);
      if (a === "hang") hanging.push(res);
      else res.writeHead(a).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    release(status) {
      for (const res of hanging.splice(0)) res.writeHead(status).end();
    },
    async close() {
      for (const res of hanging.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Poll until `cond` holds (real time, bounded): for waiting on sockets, not for asserting time. */
export async function until(cond: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
