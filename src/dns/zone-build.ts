// Building a zone from a file in a child process (zone-build-child.ts), and its messages.

import { fork } from "node:child_process";
import { closeSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError, type ConfigProblem } from "../config/config-error.ts";
import type { HeartbeatKey } from "../core/heartbeat-record.ts";
import type { RateLimitConfig } from "./rate-limit.ts";
import type { CompiledZone } from "./zone-compiler.ts";

export type RateLimitSettings = RateLimitConfig & { readonly enabled: boolean };

export interface BuildRequest {
  readonly path: string;
  /** Digest of the zone being served; an identical build answers `unchanged`. */
  readonly previousDigest: string | undefined;
  /** Serial to compile into the SOA if the zone changed. */
  readonly serial: number;
}

export interface ZoneSummary {
  readonly zone: string;
  readonly region: string;
  readonly hosts: number;
  /** The responder's UDP response rate limiting, applied by the server on every build. */
  readonly rateLimit: RateLimitSettings;
  readonly tcp: {
    readonly maxConnections: number;
    readonly idleTimeout: number;
    readonly maxQueriesPerConnection: number;
  };
}

type TransferredZone = Omit<CompiledZone, "slab" | "index" | "zoneKey"> & {
  readonly zoneKey: Uint8Array;
};

export type BuildReply =
  | { readonly kind: "unchanged"; readonly summary: ZoneSummary }
  | {
      readonly kind: "built";
      readonly digest: string;
      readonly zone: TransferredZone;
      /** Private temporary file holding the index (u32) then the slab; the server reads and removes it. */
      readonly file: string;
      readonly indexLength: number;
      readonly slabLength: number;
      readonly summary: ZoneSummary;
      readonly heartbeatKey: Uint8Array;
      readonly heartbeatKeyId: string;
    }
  | { readonly kind: "invalid"; readonly source: string; readonly problems: ConfigProblem[] }
  | { readonly kind: "failed"; readonly message: string };

export type BuildResult =
  | { readonly kind: "unchanged"; readonly summary: ZoneSummary }
  | {
      readonly kind: "built";
      readonly digest: string;
      readonly zone: CompiledZone;
      readonly summary: ZoneSummary;
      /** The signing key (heartbeatKeys.signWith). */
      readonly heartbeatKey: HeartbeatKey;
    };

const childUrl = new URL(
  import.meta.url.endsWith(".ts") ? "./zone-build-child.ts" : "./zone-build-child.js",
  import.meta.url,
);

/** Read exactly `size` bytes of `file` into the start of `into`. */
function readInto(file: string, into: Buffer, size: number): Buffer {
  const fd = openSync(file, "r");
  try {
    let off = 0;
    while (off < size) {
      const n = readSync(fd, into, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return into.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** A build that takes longer than this is killed and rejected (a hung file read, say). */
export const BUILD_TIMEOUT_MS = 120_000;

/** Build in a fresh child process. Rejects with ConfigError for a bad file, Error otherwise. */
export function buildZoneInChild(
  req: BuildRequest,
  timeoutMs = BUILD_TIMEOUT_MS,
  /** A buffer no zone in service uses any more: the new zone is read into it when it fits. */
  spare?: Buffer,
): Promise<BuildResult> {
  return new Promise((resolve, reject) => {
    // Running from TypeScript sources (tests, `npx splitguard` in a checkout): load them with tsx.
    const w = fork(childUrl, [JSON.stringify(req)], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      execArgv: childUrl.pathname.endsWith(".ts") ? ["--import", "tsx"] : [],
    });
    let settled = false;
    // A build that never finishes must not block every later reload (found in review).
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      w.kill("SIGKILL");
      reject(
        new Error(`zone build did not finish within ${timeoutMs / 1000}s (is a file it reads hanging?)`),
      );
    }, timeoutMs);
    w.once("message", (r: BuildReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      switch (r.kind) {
        case "unchanged":
          resolve(r);
          break;
        case "built": {
          let data: Buffer;
          const size = r.indexLength * 4 + r.slabLength;
          try {
            data =
              spare && spare.byteLength >= size && spare.byteOffset % 4 === 0
                ? readInto(r.file, spare, size)
                : readFileSync(r.file);
            // The u32 index view needs 4-byte alignment, and the zone must own its ArrayBuffer (it
            // becomes the next build's spare): never a slice of Node's shared pool.
            if (data.byteOffset % 4 !== 0) {
              const own = Buffer.allocUnsafeSlow(data.length);
              data.copy(own);
              data = own;
            }
          } catch (e) {
            reject(new Error(`cannot read the compiled zone: ${(e as Error).message}`));
            break;
          } finally {
            rmSync(dirname(r.file), { recursive: true, force: true });
          }
          const indexBytes = r.indexLength * 4;
          if (data.length !== indexBytes + r.slabLength) {
            reject(
              new Error(`compiled zone file has ${data.length} bytes, expected ${indexBytes + r.slabLength}`),
            );
            break;
          }
          resolve({
            kind: "built",
            digest: r.digest,
            summary: r.summary,
            heartbeatKey: { id: r.heartbeatKeyId, secret: Buffer.from(r.heartbeatKey) },
            zone: {
              ...r.zone,
              index: new Uint32Array(data.buffer, data.byteOffset, r.indexLength),
              slab: data.subarray(indexBytes),
              zoneKey: Buffer.from(r.zone.zoneKey),
            },
          });
          break;
        }
        case "invalid":
          reject(new ConfigError(r.source, r.problems));
          break;
        case "failed":
          reject(new Error(r.message));
          break;
      }
    });
    w.once("error", (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e);
    });
    // `close`, not `exit`: it comes after the IPC channel has delivered everything it carried.
    w.once("close", (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`zone build process exited with code ${code}`));
    });
  });
}
