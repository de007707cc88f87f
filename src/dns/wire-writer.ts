// Encoding DNS messages at zone-compile time (never on the query path). Names are compressed
// (RFC 1035 §4.1.4) against every name already written in the same message.
import { ByteWriter } from "./byte-writer.ts";
import { ipBytes } from "./ip-address.ts";

export { ipBytes } from "./ip-address.ts";

/** A resource record to encode. `owner` and name-valued rdata fields are absolute, lower-case, no trailing dot. */
export type Rdata =
  | { readonly type: "A" | "AAAA"; readonly address: string }
  | { readonly type: "NS"; readonly host: string }
  | {
      readonly type: "SOA";
      readonly mname: string;
      readonly rname: string;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    }
  | { readonly type: "TXT"; readonly strings: readonly string[] };

export interface RR {
  readonly owner: string;
  readonly ttl: number;
  readonly data: Rdata;
}

export const RR_TYPE_NUMBER: Record<Rdata["type"], number> = { A: 1, NS: 2, SOA: 6, TXT: 16, AAAA: 28 };

export function nameToLabels(name: string): string[] {
  return name === "" ? [] : name.split(".");
}

/** Wire length of an uncompressed name. */
export function nameWireLength(name: string): number {
  return name === "" ? 1 : Buffer.byteLength(name, "latin1") + 2;
}

export class WireWriter extends ByteWriter {
  /** suffix (lower case) → offset where it was written. */
  private readonly names = new Map<string, number>();
  /** Offsets of 2-byte compression pointers written, for relocation of templates. */
  readonly pointerAt: number[] = [];

  /**
   * @param nameLimit names are remembered for compression only below this offset. Template bodies
   * are later moved by up to 271 octets (header and the longest question), so they pass a lower
   * limit: a pointer must still fit 14 bits after the move (found in review).
   */
  constructor(
    size = 512,
    private readonly nameLimit = 0x3fff,
  ) {
    super(size);
  }

  /** Start a new message in the same buffer (compile loops reuse one writer). */
  reset(): this {
    this.pos = 0;
    this.names.clear();
    this.pointerAt.length = 0;
    return this;
  }

  /** Write a bare uncompressed name and remember its suffixes (used for the question). */
  rawName(name: string): this {
    this.writeName(name, false);
    return this;
  }

  /** Write a name, compressed against earlier names when `compress`. */
  name(name: string, compress = true): this {
    this.writeName(name, compress);
    return this;
  }

  private writeName(name: string, compress: boolean): void {
    // Walk the labels by index: each suffix is name.slice(start), no split/join per label.
    let start = 0;
    while (start < name.length) {
      const suffix = start === 0 ? name : name.slice(start);
      const at = this.names.get(suffix);
      if (compress && at !== undefined) {
        this.pointerAt.push(this.pos);
        this.u16(0xc000 | at);
        return;
      }
      if (this.pos <= this.nameLimit) this.names.set(suffix, this.pos);
      let end = name.indexOf(".", start);
      if (end < 0) end = name.length;
      const len = end - start;
      // RFC 1035 §2.3.4: labels of 1–63 octets, names of at most 255 (the config schema keeps
      // every generated name within these; this guard keeps a bad one from going out malformed).
      if (len < 1 || len > 63 || name.length > 253)
        throw new Error(`cannot encode DNS name ${JSON.stringify(name)}`);
      this.ensure(1 + len);
      this.buf[this.pos] = len;
      this.buf.write(name.slice(start, end), this.pos + 1, "latin1");
      this.pos += 1 + len;
      start = end + 1;
    }
    this.u8(0);
  }

  rr(r: RR, cls = 1): this {
    this.name(r.owner);
    this.u16(RR_TYPE_NUMBER[r.data.type]).u16(cls).u32(r.ttl);
    const lenAt = this.pos;
    this.u16(0);
    const start = this.pos;
    const d = r.data;
    switch (d.type) {
      case "A":
      case "AAAA":
        this.bytes(ipBytes(d.address));
        break;
      case "NS":
        this.name(d.host);
        break;
      case "SOA":
        this.name(d.mname)
          .name(d.rname)
          .u32(d.serial)
          .u32(d.refresh)
          .u32(d.retry)
          .u32(d.expire)
          .u32(d.minimum);
        break;
      case "TXT":
        for (const s of d.strings) {
          const b = Buffer.from(s, "utf8");
          if (b.length > 255) throw new Error(`TXT string longer than 255 octets in ${r.owner}`);
          this.u8(b.length).bytes(b);
        }
        break;
    }
    this.setU16(lenAt, this.pos - start);
    return this;
  }
}
