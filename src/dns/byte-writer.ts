// A growable big-endian byte buffer: the one place both DNS encoders write bytes through. The
// client codec (message.ts) and the zone compiler's writer (wire-writer.ts) differ only in how
// they compress names, so each adds that on top of this.
export class ByteWriter {
  protected buf: Buffer;
  protected pos = 0;

  constructor(size = 512) {
    this.buf = Buffer.alloc(size);
  }

  get length(): number {
    return this.pos;
  }

  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Overwrite two octets already written (a length filled in afterwards). */
  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  /** A copy of what was written. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** A view of what was written (valid until the next write or reset). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
