import { dimAdd, dimMul, sym, type Dim } from '../ir/dim';
import type { TensorType } from '../ir/graph';

/** Replaces bound symbols in a dim by their values (a polynomial evaluates to a number when all are bound). */
export function bindDim(d: Dim, dims: Record<string, number>): Dim {
  if (typeof d === 'number') return d;
  if (!d.symbols().some((s) => s in dims)) return d;
  let out: Dim = 0;
  for (const t of d.terms) {
    let term: Dim = t.coeff;
    for (const a of t.atoms) term = dimMul(term, a in dims ? dims[a] : sym(a));
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
