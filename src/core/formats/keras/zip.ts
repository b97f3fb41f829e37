// Minimal zip directory reader for .keras archives: the central directory is parsed to find members,
// and only the members asked for are read and inflated (fflate). Weights stay in the file.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { Inflate } from 'fflate';
import { printable } from '../modelFiles';
import { ModelError } from '../../errors';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export interface ZipLimits {
  /** Largest member we inflate (config.json, metadata.json). */
  maxMemberBytes: number;
  /** Inflated/compressed ratio above which a member is treated as a zip bomb. */
  maxRatio: number;
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxMemberBytes: 256 * 2 ** 20, maxRatio: 200, maxEntries: 100_000 };

export class ZipFile {
  readonly entries: ZipEntry[] = [];
  private readonly fd: number;
  readonly size: number;

  constructor(readonly path: string, private readonly limits: ZipLimits = DEFAULT_ZIP_LIMITS) {
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
      this.readDirectory();
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private read(offset: number, length: number): Buffer {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new ModelError('corrupt .keras archive: a zip record points outside the file');
    const b = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, b, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return b;
  }

  private readDirectory(): void {
    const tailLen = Math.min(this.size, 65557);
    const tail = this.read(this.size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
    if (eocd < 0) throw new ModelError('corrupt .keras archive: no zip end-of-central-directory record');
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || dirOffset === 0xffffffff) throw new ModelError('zip64 .keras archives are not supported', 'unsupported');
    if (count > this.limits.maxEntries) throw new ModelError(`.keras archive has ${count} entries (limit ${this.limits.maxEntries})`, 'limit');
    const dir = this.read(dirOffset, dirSize);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > dir.length || dir.readUInt32LE(p) !== 0x02014b50) throw new ModelError('corrupt .keras archive: bad central directory entry');
      const nameLen = dir.readUInt16LE(p + 28);
      const extraLen = dir.readUInt16LE(p + 30);
      const commentLen = dir.readUInt16LE(p + 32);
      const name = dir.subarray(p + 46, p + 46 + nameLen).toString('utf8');
      if (name.startsWith('/') || name.includes('\\') || name.split('/').includes('..')) throw new ModelError(`.keras archive entry "${printable(name)}" has an unsafe path (absolute or with ..)`);
      this.entries.push({ name, method: dir.readUInt16LE(p + 10), compressedSize: dir.readUInt32LE(p + 20), size: dir.readUInt32LE(p + 24), localHeaderOffset: dir.readUInt32LE(p + 42) });
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  find(name: string): ZipEntry | undefined {
    return this.entries.find((e) => e.name === name);
  }

  /** Offset of the member's bytes in the archive file (for stored members: the data itself). */
  dataOffset(e: ZipEntry): number {
    const h = this.read(e.localHeaderOffset, 30);
    if (h.readUInt32LE(0) !== 0x04034b50) throw new ModelError(`corrupt .keras archive: bad local header for ${e.name}`);
    return e.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
  }

  /** Reads and inflates one member, refusing sizes and ratios beyond the limits (zip bombs). */
  readMember(e: ZipEntry): Uint8Array {
    if (e.size > this.limits.maxMemberBytes) throw new ModelError(`.keras member ${e.name} is ${e.size} bytes (limit ${this.limits.maxMemberBytes})`, 'limit');
    if (e.method === 8 && e.size > 1_000_000 && e.size / Math.max(1, e.compressedSize) > this.limits.maxRatio) {
      throw new ModelError(`.keras member ${e.name} expands ${Math.round(e.size / Math.max(1, e.compressedSize))}x (limit ${this.limits.maxRatio}x): refusing a possible zip bomb`, 'limit');
    }
    const raw = this.read(this.dataOffset(e), e.compressedSize);
    if (e.method === 0) return raw;
    if (e.method !== 8) throw new ModelError(`.keras member ${e.name} uses zip method ${e.method} (only stored and deflate are supported)`, 'unsupported');
    return inflateBounded(raw, e.size, e.name);
  }
}

/**
 * Inflates a member in 1 KiB steps and stops as soon as the output passes `size`, the size the
 * headers declare (checked against the limits already): a member that declares 64 bytes and inflates to
 * 24 GiB costs a millisecond, not minutes.
 */
function inflateBounded(raw: Uint8Array, size: number, name: string): Uint8Array {
  const out = new Uint8Array(size);
  let got = 0;
  const over = new ModelError(`corrupt .keras archive: ${printable(name)} inflates past ${size} bytes, the size its header declares`);
  const inf = new Inflate((chunk) => {
    if (got + chunk.length > size) throw over;
    out.set(chunk, got);
    got += chunk.length;
  });
  // Small steps: deflate expands up to ~1000x, so one 1 KiB step yields at most ~1 MiB past the limit.
  const STEP = 1 << 10;
  try {
    for (let at = 0; at < raw.length; at += STEP) inf.push(raw.subarray(at, Math.min(raw.length, at + STEP)), at + STEP >= raw.length);
    if (raw.length === 0) inf.push(raw, true);
  } catch (err) {
    if (err === over) throw over;
    throw new ModelError(`corrupt .keras archive: cannot inflate ${printable(name)} (${(err as Error).message})`);
  }
  if (got !== size) throw new ModelError(`corrupt .keras archive: ${printable(name)} inflates to ${got} bytes, its header says ${size}`);
  return out;
}
