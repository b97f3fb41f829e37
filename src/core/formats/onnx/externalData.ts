import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TensorSource } from '../../ir/tensor';
import type { Warnings } from './warnings';

/**
 * Resolves external-data references. A broken reference (missing file, a location outside the model's
 * folder, a range past the end of the file) is a warning and an 'absent' source, not an error: the
 * structure and every shape are still known, so the analysis works; only reading those weights fails,
 * with the reason recorded here.
 */
export class ExternalData {
  private readonly sizes = new Map<string, number | string>();

  constructor(private readonly dir: string, private readonly warnings: Warnings) {}

  resolve(kv: Record<string, string>, tensor: string, want: number | undefined): TensorSource {
    const absent = (why: string): TensorSource => {
      this.warnings.add(`external data: ${why}; the weights involved cannot be read`);
      return { kind: 'absent', reason: `tensor "${tensor}": external data ${why}` };
    };
    const loc = kv.location;
    if (!loc) return absent('without a location');
    const norm = loc.replace(/\\/g, '/');
    if (path.isAbsolute(norm) || /^[A-Za-z]:/.test(norm) || norm.includes('\0')) return absent(`location "${loc}" is an absolute path (only paths inside the model's folder are read)`);
    const file = path.resolve(this.dir, norm);
    const rel = path.relative(this.dir, file);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return absent(`location "${loc}" points outside the model's folder`);
    const size = this.sizeOf(file);
    if (typeof size === 'string') return absent(`file "${loc}" ${size}`);
    if (!this.inside(file)) return absent(`location "${loc}" is a link to a file outside the model's folder`);
    const offset = parseCount(kv.offset ?? '0');
    if (offset === undefined) return absent(`offset "${kv.offset}" is not a byte count`);
    const length = kv.length !== undefined ? parseCount(kv.length) : want;
    if (length === undefined) return absent(kv.length !== undefined ? `length "${kv.length}" is not a byte count` : 'has no length and the tensor size is unknown');
    if (want !== undefined && length !== want) return absent(`length ${length} does not match the tensor's ${want} bytes`);
    if (offset + length > size) return absent(`range ${offset}+${length} runs past the end of "${loc}" (${size} bytes)`);
    return { kind: 'file', path: file, offset, length };
  }

  /** Symbolic links are followed only when they stay inside the model's folder. */
  private inside(file: string): boolean {
    try {
      const rel = path.relative(realpathSync(this.dir), realpathSync(file));
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    } catch {
      return false;
    }
  }

  private sizeOf(file: string): number | string {
    let s = this.sizes.get(file);
    if (s === undefined) {
      try {
        const st = statSync(file);
        s = st.isFile() ? st.size : 'is not a regular file';
      } catch (e) {
        s = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read (${(e as NodeJS.ErrnoException).code})`;
      }
      this.sizes.set(file, s);
    }
    return s;
  }
}

function parseCount(s: string): number | undefined {
  if (!/^\d{1,16}$/.test(s.trim())) return undefined;
  const n = Number(s.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}
