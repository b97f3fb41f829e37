import { closeSync, openSync, readSync } from 'node:fs';
import { isFloatType, type DType } from '../ir/dtype';
import { elementCount, type LazyTensor } from '../ir/tensor';
import type { ConstValue } from './types';

/**
 * Values of small constant tensors (shape vectors, axes, scalars) for constant propagation. Weights
 * are never read: a float tensor qualifies only when it is tiny (a scale, an epsilon), an integer one
 * when it could plausibly be a shape, index list or mask.
 */
export const MAX_INT_CONST_ELEMS = 4096;
export const MAX_FLOAT_CONST_ELEMS = 64;

export function isReadableConst(t: { dtype: DType; dims: readonly number[] }): boolean {
  const n = elementCount(t);
  return isFloatType(t.dtype) ? n <= MAX_FLOAT_CONST_ELEMS : n <= MAX_INT_CONST_ELEMS;
}

/** Reads file-backed constants through one descriptor per file; close() when the analysis ends. */
export class ConstReader {
  private fds = new Map<string, number>();

  read(t: LazyTensor): ConstValue | undefined {
    if (!isReadableConst(t)) return undefined;
    let bytes: Uint8Array;
    const src = t.source;
    if (src.kind === 'inline') bytes = src.bytes;
    else if (src.kind === 'file') {
      try {
        let fd = this.fds.get(src.path);
        if (fd === undefined) this.fds.set(src.path, (fd = openSync(src.path, 'r')));
        const buf = Buffer.alloc(src.length);
        let done = 0;
        while (done < src.length) {
          const r = readSync(fd, buf, done, src.length - done, src.offset + done);
          if (r <= 0) return undefined;
          done += r;
        }
        bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch {
        return undefined;
      }
    } else return undefined;
    const values = decode(t.dtype, bytes, elementCount(t));
    return values ? { dtype: t.dtype, dims: [...t.dims], values } : undefined;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/** Little-endian element decoding; undefined for types without a numeric value we use. */
export function decode(dtype: DType, b: Uint8Array, n: number): number[] | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = new Array(n);
  const width: Partial<Record<DType, number>> = {
    float32: 4, float64: 8, float16: 2, bfloat16: 2, int8: 1, uint8: 1, bool: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8,
  };
  const w = width[dtype];
  if (w === undefined || b.byteLength < w * n) return undefined;
  for (let i = 0; i < n; i++) {
    const o = i * w;
    switch (dtype) {
      case 'float32': out[i] = dv.getFloat32(o, true); break;
      case 'float64': out[i] = dv.getFloat64(o, true); break;
      case 'float16': out[i] = half(dv.getUint16(o, true)); break;
      case 'bfloat16': out[i] = new Float32Array(new Uint32Array([dv.getUint16(o, true) << 16]).buffer)[0]; break;
      case 'int8': out[i] = dv.getInt8(o); break;
      case 'uint8': case 'bool': out[i] = dv.getUint8(o); break;
      case 'int16': out[i] = dv.getInt16(o, true); break;
      case 'uint16': out[i] = dv.getUint16(o, true); break;
      case 'int32': out[i] = dv.getInt32(o, true); break;
      case 'uint32': out[i] = dv.getUint32(o, true); break;
      case 'int64': out[i] = Number(dv.getBigInt64(o, true)); break;
      case 'uint64': out[i] = Number(dv.getBigUint64(o, true)); break;
    }
  }
  return out;
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
