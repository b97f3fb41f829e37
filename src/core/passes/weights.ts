import type { LazyTensor } from '../ir/tensor';
import { elementCount } from '../ir/tensor';
import { toFloat32 } from '../tensor/bytes';
import { ModelError } from '../errors';

/** Float values of a weight; structure-only rewrites never call this. */
export async function readWeights(t: LazyTensor): Promise<Float32Array> {
  if (t.source.kind === 'absent') throw new ModelError(`weights of "${t.name}" are not available: ${t.source.reason}`, 'io');
  return toFloat32(t);
}

export function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** ||a - b||_F / ||a||_F, the error every approximate pass reports. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const e = a[i] - b[i];
    d += e * e;
    s += a[i] * a[i];
  }
  return s === 0 ? (d === 0 ? 0 : Infinity) : Math.sqrt(d / s);
}

export function elements(ts: (LazyTensor | undefined)[]): number {
  return ts.reduce((s, t) => s + (t ? elementCount(t) : 0), 0);
}
