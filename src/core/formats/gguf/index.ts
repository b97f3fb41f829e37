import { closeSync, openSync, readSync } from 'node:fs';
import type { GgufTensorInfo } from './header';
import { openGguf, type GgufModel } from './split';
import { ggufToHf, type GgufAsHf } from './toHf';

export { allGgmlTypes, ggmlType, type GgmlType } from './ggmlTypes';
export { GGUF_MAGIC, readGgufHeader, type GgufHeader, type GgufTensorInfo, type GgufValue } from './header';
export { openGguf, shardName, type GgufModel } from './split';
export { ggufToHf, type GgufAsHf } from './toHf';
export { ggufArchitectures, ggufFamily } from './families';

/** Opens a GGUF file (any shard of a split) and maps it onto its Hugging Face family. */
export function readGgufAsHf(file: string): { gguf: GgufModel; hf: GgufAsHf } {
  const gguf = openGguf(file);
  return { gguf, hf: ggufToHf(gguf.kv, gguf.tensors.values(), { sameData: sampledEqual }) };
}

/**
 * Whether two tensors hold the same bytes, from four 256-byte samples at the same relative places
 * (start, thirds, end): a stored copy matches everywhere, two trained matrices nowhere. All-zero samples
 * (a sparse test file, or a freshly initialised tensor) say nothing: undefined.
 */
export function sampledEqual(a: GgufTensorInfo, b: GgufTensorInfo): boolean | undefined {
  if (a.bytes !== b.bytes || a.bytes === 0) return false;
  const n = Math.min(256, a.bytes);
  const at = [0, Math.floor(a.bytes / 3), Math.floor((2 * a.bytes) / 3), a.bytes - n].map((x) => Math.min(x, a.bytes - n));
  const ba = Buffer.alloc(n);
  const bb = Buffer.alloc(n);
  let allZero = true;
  const fa = openSync(a.file, 'r');
  const fb = b.file === a.file ? fa : openSync(b.file, 'r');
  try {
    for (const x of at) {
      if (readSync(fa, ba, 0, n, a.offset + x) !== n || readSync(fb, bb, 0, n, b.offset + x) !== n) return undefined;
      if (!ba.equals(bb)) return false;
      if (allZero && ba.some((v) => v !== 0)) allZero = false;
    }
  } finally {
    closeSync(fa);
    if (fb !== fa) closeSync(fb);
  }
  return allZero ? undefined : true;
}
