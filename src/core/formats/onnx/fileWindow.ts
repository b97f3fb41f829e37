import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ModelError } from '../../errors';

/**
 * Positional reads of a model file through one small buffer. The reader walks the protobuf structure
 * with it and jumps over weight payloads, so opening a large model touches only the bytes around the
 * message headers. `onRead` lets tests prove which byte ranges were actually read.
 */
export class FileWindow {
  readonly size: number;
  /** The window: file bytes [start, start + len) at buf[0..len). Valid until the next ensure(). */
  readonly buf: Buffer;
  start = 0;
  len = 0;
  private readonly fd: number;

  constructor(readonly path: string, private readonly windowSize = 16 << 10, private readonly onRead?: (offset: number, length: number) => void) {
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      throw new ModelError(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'io');
    }
    const st = fstatSync(this.fd);
    if (!st.isFile()) {
      closeSync(this.fd);
      throw new ModelError(`cannot read file: not a regular file`, 'io');
    }
    this.size = st.size;
    this.buf = Buffer.allocUnsafe(windowSize);
  }

  close(): void {
    closeSync(this.fd);
  }

  /**
   * Makes file bytes [pos, pos+n) available in `buf` (n <= window size; clipped at the end of the
   * file) and returns the index of `pos` in `buf`.
   */
  ensure(pos: number, n: number): number {
    if (pos < this.start || pos + n > this.start + this.len) {
      const len = Math.min(this.windowSize, this.size - pos);
      this.fill(this.buf, pos, len);
      this.start = pos;
      this.len = len;
    }
    return pos - this.start;
  }

  /** A copy of [pos, pos+n): for small messages decoded whole. */
  bytes(pos: number, n: number): Uint8Array {
    if (pos + n > this.size) throw new ModelError(`truncated file: ${n} bytes at offset ${pos} run past the end (${this.size} bytes)`);
    const out = new Uint8Array(n);
    if (n <= this.windowSize) {
      const at = this.ensure(pos, n);
      out.set(this.buf.subarray(at, at + n));
    } else {
      this.fill(Buffer.from(out.buffer, out.byteOffset, n), pos, n);
    }
    return out;
  }

  /** [pos, pos+n) as UTF-8 text. */
  text(pos: number, n: number): string {
    if (n <= this.windowSize) {
      const at = this.ensure(pos, n);
      return this.buf.toString('utf8', at, at + n);
    }
    return Buffer.from(this.bytes(pos, n)).toString('utf8');
  }

  private fill(target: Buffer, pos: number, len: number): void {
    let done = 0;
    while (done < len) {
      const r = readSync(this.fd, target, done, len - done, pos + done);
      if (r <= 0) throw new ModelError(`file changed while reading: no bytes at offset ${pos + done}`, 'io');
      done += r;
    }
    this.onRead?.(pos, len);
  }
}
