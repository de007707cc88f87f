// Child process: read, validate, build and compile a zone from a configuration file, away from
// the server. Reloading a 10,000-host zone takes about a second of CPU and ~150 MB of transient
// heap; done here, the server keeps answering throughout, and that memory goes back to the
// system when this process exits. (A worker thread was tried first: the server's RSS stayed at
// ~240 MB after the worker exited, because the freed pages stay with the process; measured with
// `npm run bench:dns`, see docs/performance.md.) The compiled zone is two buffers; they go to the
// server through a private temporary file it reads in one piece, not through the IPC channel,
// whose framing and deserialisation held three copies of a 6 MB zone at once (RSS rose to 116 MB
// during a reload storm; with the file it stays under 100 MB).
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfigFile } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import type { BuildReply, BuildRequest, ZoneSummary } from "./zone-build.ts";
import { compileZone } from "./zone-compiler.ts";
import { buildZoneModel, modelContentKey, standaloneView } from "./zone-model.ts";

/** What the server applies beside the zone; sent on every build, changed zone or not. */
function summaryOf(c: Config): ZoneSummary {
  return { zone: c.zone, region: c.region, hosts: c.hosts.length, rateLimit: c.rateLimit, tcp: c.tcp };
}

const req = JSON.parse(process.argv[2] ?? "{}") as BuildRequest;
let reply: BuildReply;
try {
  const loaded = loadConfigFile(req.path);
  const view = standaloneView(loaded.config);
  const digest = createHash("sha256")
    .update(modelContentKey(loaded.config, view))
    .update(loaded.heartbeatKeys.sign.secret)
    .update(`\0${loaded.heartbeatKeys.sign.id}`)
    .digest("hex");
  if (digest === req.previousDigest) {
    reply = { kind: "unchanged", summary: summaryOf(loaded.config) };
  } else {
    const z = compileZone(buildZoneModel(loaded.config, view, req.serial));
    // File layout: the index (u32, so it starts at offset 0 and stays aligned), then the slab.
    const file = join(mkdtempSync(join(tmpdir(), "splitguard-zone-")), "zone.bin");
    const fd = openSync(file, "wx", 0o600);
    writeSync(fd, new Uint8Array(z.index.buffer, z.index.byteOffset, z.index.byteLength));
    writeSync(fd, z.slab);
    closeSync(fd);
    const { slab: _slab, index: _index, ...rest } = z;
    reply = {
      kind: "built",
      digest,
      zone: { ...rest, zoneKey: Uint8Array.from(z.zoneKey) },
      file,
      indexLength: z.index.length,
      slabLength: z.slab.length,
      summary: summaryOf(loaded.config),
      heartbeatKey: Uint8Array.from(loaded.heartbeatKeys.sign.secret),
      heartbeatKeyId: loaded.heartbeatKeys.sign.id,
    };
  }
} catch (e) {
  reply =
    e instanceof ConfigError
      ? { kind: "invalid", source: e.source, problems: [...e.problems] }
      : { kind: "failed", message: (e as Error).message };
}
process.send!(reply, () => process.exit(0));
