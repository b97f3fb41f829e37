import { open } from 'node:fs/promises';
import { ModelError } from '../errors';
import type { LazyTensor, TensorSource } from '../ir/tensor';
import { elementCount } from '../ir/tensor';

/**
 * Elements of one tensor whose values may be read into memory (weight statistics, passes): 2^28 is
 * 1 GiB of float32 (plus its bytes), above the largest single weight of real models (a 256K x 1K
 * embedding). Larger ones are refused with a reason instead of exhausting the worker.
 */
export const MAX_READ_ELEMENTS = 2 ** 28;

/** The tensor's bytes, read from its file range on demand (readers never load them). */
export async function readTensorBytes(t: LazyTensor, maxElements = MAX_READ_ELEMENTS): Promise<Uint8Array> {
  const n = elementCount(t);
  if (n > maxElements) throw new ModelError(`tensor "${t.name}" has ${n} elements, too many to read its values (limit ${maxElements})`, 'limit');
  return readSourceBytes(t.source, t.name);
}

export async function readSourceBytes(s: TensorSource, name: string): Promise<Uint8Array> {
  switch (s.kind) {
    case 'inline':
      return s.bytes;
    case 'absent':
      throw new ModelError(`weights of "${name}" are not available: ${s.reason}`, 'io');
    case 'file': {
      let fh;
      try {
        fh = await open(s.path, 'r');
      } catch (e) {
        throw new ModelError(`cannot read weights of "${name}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (${s.path})`, 'io');
      }
      try {
        const out = new Uint8Array(s.length);
        let done = 0;
        while (done < s.length) {
          const { bytesRead } = await fh.read(out, done, s.length - done, s.offset + done);
          if (bytesRead <= 0) throw new ModelError(`cannot read weights of "${name}": ${s.path} ends before byte ${s.offset + s.length}`, 'io');
          done += bytesRead;
        }
        return out;
      } finally {
        await fh.close();
      }
    }
  }
}

/**
 * Values as float32. Bytes are little-endian as ONNX stores them; DataView reads keep that true on any
 * host and work on unaligned inline bytes.
 */
export async function toFloat32(t: LazyTensor, maxElements = MAX_READ_ELEMENTS): Promise<Float32Array> {
  const b = await readTensorBytes(t, maxElements);
  return bytesToFloat32(b, t.dtype, elementCount(t), t.name);
}

export function bytesToFloat32(b: Uint8Array, dtype: LazyTensor['dtype'], n: number, name = ''): Float32Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const width = WIDTH[dtype];
  if (width === undefined) throw new ModelError(`cannot convert ${dtype} tensor "${name}" to float32`, 'unsupported');
  if (b.byteLength !== n * width) throw new ModelError(`tensor "${name}" has ${b.byteLength} bytes, ${n} ${dtype} values need ${n * width}`);
  const out = new Float32Array(n);
  switch (dtype) {
    case 'float32': for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true); break;
    case 'float64': for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true); break;
    case 'float16': for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true)); break;
    case 'bfloat16': {
      // bfloat16 is the top half of a float32.
      const tmp = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        tmp.setUint32(0, dv.getUint16(i * 2, true) << 16, true);
        out[i] = tmp.getFloat32(0, true);
      }
      break;
    }
    case 'int8': for (let i = 0; i < n; i++) out[i] = dv.getInt8(i); break;
    case 'uint8': case 'bool': for (let i = 0; i < n; i++) out[i] = dv.getUint8(i); break;
    case 'int16': for (let i = 0; i < n; i++) out[i] = dv.getInt16(i * 2, true); break;
    case 'uint16': for (let i = 0; i < n; i++) out[i] = dv.getUint16(i * 2, true); break;
    case 'int32': for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true); break;
    case 'uint32': for (let i = 0; i < n; i++) out[i] = dv.getUint32(i * 4, true); break;
    case 'int64': for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(i * 8, true)); break;
    case 'uint64': for (let i = 0; i < n; i++) out[i] = Number(dv.getBigUint64(i * 8, true)); break;
  }
  return out;
}

const WIDTH: Partial<Record<LazyTensor['dtype'], number>> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int8: 1, uint8: 1, bool: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8,
};

/** IEEE 754 binary16 -> number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Float types a pass can write its new weights in: the model's own type is kept. */
export const WRITABLE_FLOATS: ReadonlySet<LazyTensor['dtype']> = new Set(['float32', 'float16', 'bfloat16', 'float64']);

/** number -> IEEE 754 binary16 bits, round to nearest even; overflow gives ±Infinity, as a cast does. */
export function floatToHalf(x: number): number {
  F32[0] = x;
  const u = U32[0];
  const sign = (u >>> 16) & 0x8000;
  const e = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const exp = e - 127 + 15;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, up to Infinity: still the right rounding.
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return half;
}

/** number -> bfloat16 bits (top half of the float32, round to nearest even; NaN stays NaN). */
export function floatToBfloat16(x: number): number {
  F32[0] = x;
  const u = U32[0];
  if ((u & 0x7f800000) === 0x7f800000 && u & 0x7fffff) return (u >>> 16) | 0x40;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Little-endian bytes of float values stored as `dtype` (float32, float16, bfloat16 or float64). */
export function floatsToBytes(values: ArrayLike<number>, dtype: LazyTensor['dtype']): Uint8Array {
  const n = values.length;
  switch (dtype) {
    case 'float32': {
      const a = Float32Array.from(values);
      return new Uint8Array(a.buffer);
    }
    case 'float64': {
      const a = Float64Array.from(values);
      return new Uint8Array(a.buffer);
    }
    case 'float16':
    case 'bfloat16': {
      const enc = dtype === 'float16' ? floatToHalf : floatToBfloat16;
      const a = new Uint16Array(n);
      for (let i = 0; i < n; i++) a[i] = enc(values[i]);
      return new Uint8Array(a.buffer);
    }
    default:
      throw new ModelError(`cannot write float values as ${dtype}`, 'unsupported');
  }
}
