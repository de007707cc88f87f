// A full garbage collection on demand, for the rare moments when a large buffer was just dropped
// (a replaced zone: ~6 MB for 10,000 hosts). V8 collects ArrayBuffers that live outside its heap
// only when its own heap needs it or external memory has grown by tens of MB, so without this a
// burst of reloads keeps several old zones alive and RSS climbs past 100 MB. A collection of the
// server's small heap takes a few milliseconds; reloads are rare.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}
