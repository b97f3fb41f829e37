import { dimAdd, dimMul, sym, type Dim } from '../ir/dim';
import type { TensorType } from '../ir/graph';

/** Replaces bound symbols in a dim by their values (a polynomial evaluates to a number when all are bound). */
export function bindDim(d: Dim, dims: Record<string, number>): Dim {
  if (typeof d === 'number') return d;
  // Own entries only: a dim_param named `isPrototypeOf` or `constructor` is no bound dim.
  if (!d.symbols().some((s) => Object.prototype.hasOwnProperty.call(dims, s))) return d;
  let out: Dim = 0;
  for (const t of d.terms) {
    let term: Dim = t.coeff;
    for (const a of t.atoms) term = dimMul(term, Object.prototype.hasOwnProperty.call(dims, a) && typeof dims[a] === 'number' ? dims[a] : sym(a));
    out = dimAdd(out, term);
  }
  return out;
}

export function bindType<T extends TensorType>(t: T, dims: Record<string, number>): T {
  if (!t.shape || Object.keys(dims).length === 0 || t.shape.every((d) => typeof d === 'number')) return t;
  return { ...t, shape: t.shape.map((d) => bindDim(d, dims)) };
}

/** A number for comparing symbolic sizes: every free atom is taken as `probe`. */
export function probeValue(d: Dim, probe = 128): number {
  if (typeof d === 'number') return d;
  let v = 0;
  for (const t of d.terms) v += t.coeff * probe ** t.atoms.length;
  return v;
}
