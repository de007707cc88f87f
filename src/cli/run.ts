// Process wiring for the CLI: real stdout/stderr, signals, exit code.
import { main } from "./main.ts";

let signal: () => void = () => {};
const stopped = new Promise<void>((resolve) => {
  signal = resolve;
});
let stops = 0;
for (const s of ["SIGINT", "SIGTERM"] as const) {
  process.on(s, () => {
    stops += 1;
    if (stops > 1) process.exit(130);
    signal();
  });
}
const code = await main(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  stopped,
});
process.exitCode = code;
// Servers close their sockets on stop; give stdout a tick to flush, then leave.
setImmediate(() => process.exit(code));
