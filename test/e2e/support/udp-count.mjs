// A tiny UDP tool for the netns tests, run inside a namespace with `ip netns exec`:
//   node udp-count.mjs listen ADDRESS PORT SECONDS   prints how many datagrams arrived, then exits
//   node udp-count.mjs send ADDRESS PORT COUNT       sends COUNT datagrams, 2 ms apart
import { createSocket } from "node:dgram";

const [mode, address, portText, n] = process.argv.slice(2);
const port = Number(portText);
const s = createSocket("udp4");
if (mode === "listen") {
  let count = 0;
  s.on("message", () => count++);
  s.bind(port, address, () => process.stdout.write("ready\n"));
  setTimeout(() => {
    process.stdout.write(`${count}\n`);
    s.close();
  }, Number(n) * 1000);
} else if (mode === "send") {
  let sent = 0;
  const tick = () => {
    if (sent >= Number(n)) return s.close();
    sent++;
    s.send(Buffer.from(`p${sent}`), port, address, () => setTimeout(tick, 2));
  };
  tick();
} else {
  process.stderr.write("usage: udp-count.mjs listen|send ADDRESS PORT N\n");
  process.exit(2);
}
