import type { Dim } from '../../ir/dim';
import type { DType } from '../../ir/dtype';

/**
 * A computed value as the element type stores it: integers truncate and wrap (C casts), float32 and
 * float16 / bfloat16 round to nearest even, as a runtime's Cast or arithmetic would produce. Folded
 * values feed later shapes (Reshape, Slice), so they must equal what the model computes.
 */
export function roundTo(v: Dim | undefined, dt: DType): Dim | undefined {
  if (typeof v !== 'number' || Number.isNaN(v)) return v;
  switch (dt) {
    case 'float32': return Math.fround(v);
    case 'float16': return toHalf(v);
    case 'bfloat16': return toBfloat16(v);
    case 'bool': return v ? 1 : 0;
    case 'int8': return wrap(v, 8, true);
    case 'uint8': return wrap(v, 8, false);
    case 'int16': return wrap(v, 16, true);
    case 'uint16': return wrap(v, 16, false);
    case 'int32': return wrap(v, 32, true);
    case 'uint32': return wrap(v, 32, false);
    case 'int64': case 'uint64': return Number.isFinite(v) ? Math.trunc(v) : v;
    default: return v;
  }
}

function wrap(v: number, bits: number, signed: boolean): number {
  if (!Number.isFinite(v)) return v;
  const m = 2 ** bits;
  let r = Math.trunc(v) % m;
  if (r < 0) r += m;
  return signed && r >= m / 2 ? r - m : r;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round to the nearest bfloat16 (ties to even), as a float32 value. */
export function toBfloat16(v: number): number {
  f32[0] = v;
  const bits = u32[0];
  if ((bits & 0x7f800000) === 0x7f800000) return f32[0];
  const lsb = (bits >>> 16) & 1;
  u32[0] = ((bits + 0x7fff + lsb) >>> 16) << 16;
  return f32[0];
}

/** Round to the nearest float16 (ties to even). */
export function toHalf(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  if (a >= 65520) return v > 0 ? Infinity : -Infinity;
  // Spacing of float16 values around a: 2^(e-10) for normals, 2^-24 for subnormals.
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const q = 2 ** (e - 10);
  const n = a / q;
  const f = Math.floor(n);
  const d = n - f;
  const r = d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
  return Math.sign(v) * r * q;
}
