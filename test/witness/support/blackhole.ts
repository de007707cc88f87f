// A server that swallows everything: UDP datagrams are read and dropped, TCP connections are
// accepted and never answered. Stands for a responder whose packets are lost on the way (a
// partition), unlike a stopped process, whose closed port answers with ICMP port unreachable.
import { createSocket } from "node:dgram";
import { createServer, type Socket } from "node:net";

export interface Blackhole {
  stop(): Promise<void>;
}

export async function startBlackhole(host: string, port = 53): Promise<Blackhole> {
  const udp = createSocket("udp4");
  udp.on("message", () => {});
  await new Promise<void>((r) => udp.bind(port, host, r));
  const conns = new Set<Socket>();
  const tcp = createServer((c) => {
    conns.add(c);
    c.on("error", () => {});
    c.on("close", () => conns.delete(c));
  });
  await new Promise<void>((r) => tcp.listen(port, host, r));
  return {
    stop: async () => {
      for (const c of conns) c.destroy();
      await Promise.all([
        new Promise<void>((r) => udp.close(() => r())),
        new Promise<void>((r) => tcp.close(() => r())),
      ]);
    },
  };
}
