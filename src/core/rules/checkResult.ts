import { SymDim, type Dim } from '../ir/dim';
import type { ShapeResult } from './types';

/**
 * A rule fed inconsistent facts (hostile files: an index past a dim, a weight of the wrong rank) can
 * compute a dim as undefined or NaN. Caught here, where shapes enter the engine, it becomes that node's
 * "rule failed" reason; let through, it would crash far away (rendering, JSON) or cost as NaN.
 */
export function checkShapeResult(res: ShapeResult): void {
  res.outputs.forEach((t, i) => {
    const bad = t?.shape?.findIndex((d) => !validDim(d)) ?? -1;
    if (bad >= 0) throw new Error(`output ${i} got an invalid dim ${String(t.shape![bad])} at axis ${bad}`);
  });
  res.values?.forEach((v, i) => {
    if (!v) return;
    const n = v.dims.reduce((a, b) => a * b, 1);
    if (!v.dims.every((d) => Number.isSafeInteger(d) && d >= 0) || v.values.length !== n || !v.values.every(validValue)) {
      throw new Error(`output ${i} got an inconsistent known value (dims [${v.dims.join(', ')}], ${v.values.length} values)`);
    }
  });
}

function validDim(d: Dim): boolean {
  return d instanceof SymDim || (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
}

// Known values are data (may be negative or fractional), but never missing.
function validValue(d: Dim): boolean {
  return d instanceof SymDim || typeof d === 'number';
}
