import { ModelError } from '../../errors';
import { FileWindow } from '../onnx/fileWindow';

/**
 * Sequential little-endian reads of a GGUF header through a FileWindow (positional reads, one small
 * buffer): the header is walked front to back and the tensor data after it is never touched. Every
 * read is checked against the file size first, so a count or length from the file can never make the
 * reader allocate or wait for bytes that are not there.
 */
export class Cursor {
  pos = 0;
  constructor(private readonly win: FileWindow, readonly file: string) {}

  get size(): number {
    return this.win.size;
  }

  get remaining(): number {
    return this.win.size - this.pos;
  }

  /** Fails with a one-line message unless `n` more bytes exist; `what` names the field being read. */
  need(n: number, what: string): void {
    if (n > this.win.size - this.pos) {
      throw new ModelError(`truncated GGUF header: ${what} at offset ${this.pos} needs ${n} bytes but the file ends at ${this.win.size}`);
    }
  }

  private at(n: number, what: string): number {
    this.need(n, what);
    const i = this.win.ensure(this.pos, n);
    this.pos += n;
    return i;
  }

  u8(what: string): number {
    return this.win.buf[this.at(1, what)];
  }
  i8(what: string): number {
    return this.win.buf.readInt8(this.at(1, what));
  }
  u16(what: string): number {
    return this.win.buf.readUInt16LE(this.at(2, what));
  }
  i16(what: string): number {
    return this.win.buf.readInt16LE(this.at(2, what));
  }
  u32(what: string): number {
    return this.win.buf.readUInt32LE(this.at(4, what));
  }
  i32(what: string): number {
    return this.win.buf.readInt32LE(this.at(4, what));
  }
  f32(what: string): number {
    return this.win.buf.readFloatLE(this.at(4, what));
  }
  f64(what: string): number {
    return this.win.buf.readDoubleLE(this.at(8, what));
  }
  u64(what: string): bigint {
    return this.win.buf.readBigUInt64LE(this.at(8, what));
  }
  i64(what: string): bigint {
    return this.win.buf.readBigInt64LE(this.at(8, what));
  }

  /**
   * A u64 count of items of at least `minItemBytes` bytes each: more than the rest of the file can hold
   * is refused before anything is allocated (a count of 2^63 costs nothing to write).
   */
  count(what: string, minItemBytes: number): number {
    const at = this.pos;
    const n = this.u64(what);
    const room = BigInt(Math.floor(this.remaining / Math.max(1, minItemBytes)));
    if (n > room) {
      throw new ModelError(`invalid GGUF header: ${what} at offset ${at} is ${n}, more than the ${this.remaining} bytes left in the file can hold`);
    }
    return Number(n);
  }

  /** A GGUF string (u64 length + UTF-8 bytes) of at most `max` bytes. */
  string(what: string, max: number): string {
    const at = this.pos;
    const n = this.u64(`${what} length`);
    if (n > BigInt(max)) throw new ModelError(`invalid GGUF header: ${what} at offset ${at} is ${n} bytes long (at most ${max} expected)`);
    const len = Number(n);
    this.need(len, what);
    const s = this.win.text(this.pos, len);
    this.pos += len;
    return s;
  }

  /** Skips a GGUF string without decoding it; returns its length. */
  skipString(what: string): number {
    const at = this.pos;
    const n = this.u64(`${what} length`);
    if (n > BigInt(this.remaining)) throw new ModelError(`invalid GGUF header: ${what} at offset ${at} is ${n} bytes long but only ${this.remaining} bytes are left in the file`);
    this.pos += Number(n);
    return Number(n);
  }

  /**
   * Skips `count` GGUF strings (a tokenizer vocabulary: 10^5 of them); the element's name is made only
   * for an error.
   */
  skipStrings(count: number, what: string): void {
    const size = this.win.size;
    for (let i = 0; i < count; i++) {
      if (this.pos + 8 > size) this.need(8, `length of element ${i} of ${what}`);
      const at = this.pos;
      const j = this.win.ensure(at, 8);
      // Two u32 halves: no BigInt per element (a high half of 2^21 or more is past 2^53 anyway).
      const lo = this.win.buf.readUInt32LE(j);
      const hi = this.win.buf.readUInt32LE(j + 4);
      this.pos = at + 8;
      const n = hi * 2 ** 32 + lo;
      if (hi >= 2 ** 21 || n > size - this.pos) {
        const exact = (BigInt(hi) << 32n) | BigInt(lo);
        throw new ModelError(`invalid GGUF header: element ${i} of ${what} at offset ${at} is ${exact} bytes long but only ${size - this.pos} bytes are left in the file`);
      }
      this.pos += n;
    }
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }
}
