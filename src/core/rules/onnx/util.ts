import { dimEq, dimMax, dimMul, unknownDim, type Dim } from '../../ir/dim';
import type { DType } from '../../ir/dtype';
import type { TensorType } from '../../ir/graph';
import { RuleError, type ConstValue, type CostResult, type OpRule, type RuleContext } from '../types';

/** Computed values bigger than this are not propagated (only shape-sized tensors matter). */
export const MAX_VALUE_ELEMS = 4096;

export type Shaped = TensorType & { shape: Dim[] };

/** The i-th input's type with a known rank, or a RuleError naming it. A sequence / optional is not a tensor. */
export function input(ctx: RuleContext, i: number): Shaped {
  const t = ctx.inputs[i];
  const name = ctx.node.inputs[i];
  if (t?.container) throw new RuleError(`input "${name}" is a ${t.container}, not a tensor`);
  if (!t || !t.shape) {
    throw new RuleError(name ? `input "${name}" has an unknown shape` : `input ${i} is missing`);
  }
  return t as Shaped;
}

/**
 * The type two alternatives share (If branches, a loop-carried value before and after an iteration, the
 * elements of a sequence): dims that differ become unknown, a different rank leaves the rank unknown.
 * An empty sequence holds no element, so it adds no constraint.
 */
export function join(a: TensorType | undefined, b: TensorType | undefined): TensorType | undefined {
  if (!a || !b) return a ?? b;
  if (a.container !== b.container) return { dtype: a.dtype === b.dtype ? a.dtype : 'unknown' };
  const c = a.container ? { container: a.container } : {};
  if (a.container && a.elements?.length === 0) return b.elements?.length === 0 ? b : { ...c, dtype: b.dtype, shape: b.shape };
  if (b.container && b.elements?.length === 0) return { ...c, dtype: a.dtype, shape: a.shape };
  const dtype = a.dtype === b.dtype ? a.dtype : a.dtype === 'unknown' ? b.dtype : b.dtype === 'unknown' ? a.dtype : 'unknown';
  const shape = !a.shape || !b.shape || a.shape.length !== b.shape.length ? undefined : a.shape.map((d, i) => (dimEq(d, b.shape![i]) ? d : unknownDim()));
  return shape ? { ...c, dtype, shape } : { ...c, dtype };
}

export function has(ctx: RuleContext, i: number): boolean {
  return (ctx.node.inputs[i] ?? '') !== '';
}

/** Element count; numeric factors are multiplied first so a symbolic shape costs one symbolic product. */
export function numel(shape: readonly Dim[]): Dim {
  let n = 1;
  let sym: Dim | undefined;
  for (const d of shape) {
    if (typeof d === 'number') n *= d;
    else sym = sym === undefined ? d : dimMul(sym, d);
  }
  return sym === undefined ? n : n === 1 ? sym : dimMul(n, sym);
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RuleError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Numpy multidirectional broadcasting; a symbol against a number > 1 is taken to equal the number. */
export function broadcast(shapes: readonly (readonly Dim[])[]): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      if (k < 0) continue;
      const x = s[k];
      if (x === 1) continue;
      if (d === 1) d = x;
      else if (dimEq(d, x)) continue;
      else if (typeof d === 'number' && typeof x === 'number') throw new RuleError(`shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(' and ')} do not broadcast`);
      else if (typeof x === 'number') d = x;
      else if (typeof d !== 'number') d = dimMax(d, x);
    }
    out.push(d);
  }
  return out;
}

/** Static integer list of a known value (axes, pads, perms), or undefined. */
export function staticInts(v: ConstValue | undefined): number[] | undefined {
  if (!v) return undefined;
  return v.values.every((x) => typeof x === 'number') ? (v.values as number[]) : undefined;
}

export function requireInts(ctx: RuleContext, i: number, what: string): number[] {
  const v = staticInts(ctx.values[i]);
  if (!v) throw new RuleError(`${what} (input "${ctx.node.inputs[i]}") is not known at analysis time`);
  return v;
}

/** A value whose entries may be symbolic dims (Reshape targets, Expand shapes). */
export function requireDims(ctx: RuleContext, i: number, what: string): Dim[] {
  const v = ctx.values[i];
  if (!v) throw new RuleError(`${what} (input "${ctx.node.inputs[i]}") is not known at analysis time`);
  return v.values;
}

export function cv(dtype: DType, dims: number[], values: Dim[]): ConstValue {
  return { dtype, dims, values };
}

export function staticShape(shape: readonly Dim[]): number[] | undefined {
  return shape.every((d) => typeof d === 'number') ? (shape as number[]) : undefined;
}

/** Whether a value of this shape is small enough to propagate. */
export function propagatable(shape: readonly Dim[]): shape is number[] {
  const s = staticShape(shape);
  return !!s && s.reduce((a, b) => a * b, 1) <= MAX_VALUE_ELEMS;
}

export function zeroCost(): CostResult {
  return { macs: 0, flops: 0 };
}

/** FLOPs of `perElem` operations per element of output `i`. */
export function perElement(outputs: TensorType[], perElem: number, i = 0): CostResult {
  const s = outputs[i]?.shape;
  if (!s) throw new RuleError('output shape unknown');
  return { macs: 0, flops: perElem === 0 ? 0 : dimMul(perElem, numel(s)) };
}

/** A rule whose outputs are all data movement: no arithmetic. */
export function movement(shape: OpRule['shape']): OpRule {
  return { shape, cost: zeroCost };
}

export function isIntDtype(t: DType): boolean {
  return /^u?int/.test(t) || t === 'bool';
}

/** Row-major strides of a static shape. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Reads an element of a (broadcast) value at the output multi-index. */
export function broadcastIndex(dims: readonly number[], outIdx: readonly number[]): number {
  let flat = 0;
  let stride = 1;
  for (let k = dims.length - 1; k >= 0; k--) {
    const o = outIdx[outIdx.length - dims.length + k];
    flat += (dims[k] === 1 ? 0 : o) * stride;
    stride *= dims[k];
  }
  return flat;
}

export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return idx;
}

/** Elementwise map over broadcast values; undefined when an element cannot be computed. */
export function mapValues(vals: ConstValue[], outShape: number[], dtype: DType, fn: (xs: Dim[]) => Dim | undefined): ConstValue | undefined {
  const n = outShape.reduce((a, b) => a * b, 1);
  if (n > MAX_VALUE_ELEMS) return undefined;
  const out: Dim[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, outShape);
    const r = fn(vals.map((v) => v.values[broadcastIndex(v.dims, idx)]));
    if (r === undefined) return undefined;
    out[i] = r;
  }
  return cv(dtype, outShape, out);
}

export function sameShapeRule(flopsPerElem: number, dtype?: (ctx: RuleContext) => DType): OpRule {
  return {
    shape: (ctx) => {
      const x = input(ctx, 0);
      return { outputs: [{ dtype: dtype ? dtype(ctx) : x.dtype, shape: x.shape }] };
    },
    cost: (_ctx, outs) => perElement(outs, flopsPerElem),
  };
}
