// The lease witnesses of examples/lease-three-regions: their BIND 9 and Knot configuration files,
// rendered by the same functions the `lease` tier starts real servers with, so the example shows a
// configuration that is known to work. test/unit/examples/example-witnesses.test.ts compares the
// committed files with this; to rewrite them:
//   node --import tsx test/support/example-witnesses.ts --write
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EXAMPLES_DIR } from "./examples.ts";
import {
  renderBindConf,
  renderKnotConf,
  renderZoneFile,
  type WitnessServerInput,
} from "./witness-server-config.ts";

const common = {
  dir: "/var/lib/splitguard-witness",
  port: 53,
  zone: "lease.example.com",
  keyName: "splitguard-lease",
  secret: "BASE64-SECRET-FROM-tsig-keygen=",
};

/** Name, server kind and input of each witness; the addresses match the regions' splitguard.yaml. */
export const EXAMPLE_WITNESSES: readonly {
  name: string;
  kind: "bind" | "knot";
  input: WitnessServerInput;
}[] = [
  { name: "bind-1", kind: "bind", input: { ...common, address: "192.0.2.53" } },
  { name: "knot-1", kind: "knot", input: { ...common, address: "192.0.2.54" } },
  { name: "bind-2", kind: "bind", input: { ...common, address: "192.0.2.55" } },
];

/** Path under examples/ → file content. */
export function exampleWitnessFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of EXAMPLE_WITNESSES) {
    const dir = `lease-three-regions/witnesses/${w.name}`;
    out[`${dir}/${w.kind === "bind" ? "named.conf" : "knot.conf"}`] =
      w.kind === "bind" ? renderBindConf(w.input) : renderKnotConf(w.input);
    out[`${dir}/${w.input.zone}.zone`] = renderZoneFile(w.input);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--write"))
  for (const [path, text] of Object.entries(exampleWitnessFiles())) {
    const file = join(EXAMPLES_DIR, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote examples/${path}`);
  }
