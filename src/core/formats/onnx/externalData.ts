import type { TensorSource } from '../../ir/tensor';
import type { Warnings } from './warnings';
import { resolveInModelFolder } from '../modelFiles';

/**
 * Resolves external-data references. A broken reference (missing file, a location outside the model's
 * folder, a range past the end of the file) is a warning and an 'absent' source, not an error: the
 * structure and every shape are still known, so the analysis works; only reading those weights fails,
 * with the reason recorded here.
 */
export class ExternalData {
  constructor(private readonly dir: string, private readonly warnings: Warnings) {}

  resolve(kv: Record<string, string>, tensor: string, want: number | undefined): TensorSource {
    const absent = (why: string): TensorSource => {
      this.warnings.add(`external data: ${why}; the weights involved cannot be read`);
      return { kind: 'absent', reason: `tensor "${tensor}": external data ${why}` };
    };
    const loc = kv.location;
    if (!loc) return absent('without a location');
    const r = resolveInModelFolder(this.dir, loc);
    if (!r.ok) return absent(`location ${r.why}`);
    const { file, size } = r;
    const offset = parseCount(kv.offset ?? '0');
    if (offset === undefined) return absent(`offset "${kv.offset}" is not a byte count`);
    const length = kv.length !== undefined ? parseCount(kv.length) : want;
    if (length === undefined) return absent(kv.length !== undefined ? `length "${kv.length}" is not a byte count` : 'has no length and the tensor size is unknown');
    if (want !== undefined && length !== want) return absent(`length ${length} does not match the tensor's ${want} bytes`);
    if (offset + length > size) return absent(`range ${offset}+${length} runs past the end of "${loc}" (${size} bytes)`);
    return { kind: 'file', path: file, offset, length };
  }
}

function parseCount(s: string): number | undefined {
  if (!/^\d{1,16}$/.test(s.trim())) return undefined;
  const n = Number(s.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}
