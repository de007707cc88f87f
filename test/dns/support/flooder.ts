// A bounded UDP flood in its own process (so it cannot starve the test's own clients):
//   node --import tsx flooder.ts HOST PORT SECONDS FROM_ADDRESS MAX_QUERIES
// Random names; every third query asks for a big answer with a 64 KiB EDNS buffer. Replies are
// read and discarded. Prints the number of queries sent, then exits by itself.
import { createSocket } from "node:dgram";
import { buildQuery } from "../../support/dns-client.ts";

const [host = "127.0.0.1", port = "53", seconds = "5", from = "127.0.0.200", max = "300000"] =
  process.argv.slice(2);
const end = Date.now() + Number(seconds) * 1000;
const label = () =>
  Math.random()
    .toString(36)
    .slice(2, 3 + Math.floor(Math.random() * 10));
const big = buildQuery({ name: "huge.gslb.example.com", type: 28, edns: { udpSize: 65535 } });
const sockets = await Promise.all(
  Array.from({ length: 4 }, async () => {
    const s = createSocket("udp4");
    s.on("message", () => {});
    s.on("error", () => {});
    await new Promise<void>((r) => s.bind(0, from, () => r()));
    return s;
  }),
);
let sent = 0;
while (Date.now() < end && sent < Number(max)) {
  const batch: Promise<void>[] = [];
  for (const s of sockets)
    for (let i = 0; i < 50; i++, sent++) {
      const m =
        sent % 3 === 0
          ? big
          : buildQuery({ id: sent & 0xffff, name: `${label()}.${label()}.gslb.example.com`, type: 1 });
      batch.push(new Promise<void>((r) => s.send(m, Number(port), host, () => r())));
    }
  await Promise.all(batch);
}
for (const s of sockets) s.close();
process.stdout.write(`${sent}\n`);
