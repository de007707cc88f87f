// A tiny UDP tool for the netns tests, run inside a namespace with `ip netns exec`:
//   node udp-count.mjs listen ADDRESS PORT SECONDS [EXPECT]
//                                                    prints how many datagrams arrived, then exits:
//                                                    once EXPECT have arrived, when a line "stop"
//                                                    (or the end) comes on stdin, or after SECONDS
//   node udp-count.mjs send ADDRESS PORT COUNT       sends COUNT datagrams, 2 ms apart
//   node udp-count.mjs echo ADDRESS PORT SECONDS     echoes every datagram back for SECONDS
//   node udp-count.mjs rtt ADDRESS PORT COUNT        COUNT round trips, one at a time; prints the
//                                                    median in ms (or "lost" after 2 s without reply)
import { createSocket } from "node:dgram";

const [mode, address, portText, n] = process.argv.slice(2);
const port = Number(portText);
const s = createSocket("udp4");
if (mode === "listen") {
  let count = 0;
  const expect = Number(process.argv[6] ?? Number.POSITIVE_INFINITY);
  let finished = false;
  const done = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    process.stdout.write(`${count}\n`);
    s.close();
    process.stdin.destroy();
  };
  s.on("message", () => {
    count++;
    if (count === expect) done();
  });
  s.bind(port, address, () => process.stdout.write("ready\n"));
  const timer = setTimeout(done, Number(n) * 1000);
  let input = "";
  process.stdin.on("data", (d) => {
    input += d.toString();
    if (input.includes("stop\n")) done();
  });
  process.stdin.on("end", done);
} else if (mode === "send") {
  let sent = 0;
  const tick = () => {
    if (sent >= Number(n)) return s.close();
    sent++;
    s.send(Buffer.from(`p${sent}`), port, address, () => setTimeout(tick, 2));
  };
  tick();
} else if (mode === "echo") {
  s.on("message", (m, r) => s.send(m, r.port, r.address));
  s.bind(port, address, () => process.stdout.write("ready\n"));
  setTimeout(() => s.close(), Number(n) * 1000);
} else if (mode === "rtt") {
  const rtts = [];
  let t0 = 0;
  let timer;
  const next = () => {
    if (rtts.length >= Number(n)) {
      rtts.sort((a, b) => a - b);
      process.stdout.write(`${rtts[Math.floor(rtts.length / 2)].toFixed(1)}\n`);
      return s.close();
    }
    t0 = performance.now();
    s.send(Buffer.from("x"), port, address);
    timer = setTimeout(() => {
      process.stdout.write("lost\n");
      s.close();
    }, 2000);
  };
  s.on("message", () => {
    clearTimeout(timer);
    rtts.push(performance.now() - t0);
    next();
  });
  s.bind(0, next);
} else {
  process.stderr.write("usage: udp-count.mjs listen|send|echo|rtt ADDRESS PORT N\n");
  process.exit(2);
}
