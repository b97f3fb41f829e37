import { dimAdd, dimDiv, dimEq, dimMax, dimMin, dimMul, dimSub, type Dim } from '../../ir/dim';
import type { DType } from '../../ir/dtype';
import { attrInt } from '../../ir/graph';
import type { ConstValue, OpRule, RuleContext, RuleTable } from '../types';
import { BINARY_FLOPS, UNARY_FLOPS } from './costConventions';
import { dtypeFromOnnxCode } from './dtypeCodes';
import { broadcast, input, isIntDtype, mapValues, perElement, propagatable, staticShape } from './util';
import { table } from '../../tables';

type Fn = (xs: Dim[], dtype: DType) => Dim | undefined;

const num = (f: (...a: number[]) => number): Fn => (xs) => (xs.every((x) => typeof x === 'number') ? f(...(xs as number[])) : undefined);
const cmp = (f: (a: number, b: number) => boolean): Fn => num((a, b) => (f(a, b) ? 1 : 0));

const BINARY_VALUES: Record<string, Fn> = table({
  Add: ([a, b]) => dimAdd(a, b),
  Sub: ([a, b]) => dimSub(a, b),
  Mul: ([a, b]) => dimMul(a, b),
  Div: ([a, b], dt) => {
    if (typeof a === 'number' && typeof b === 'number') return isIntDtype(dt) ? Math.trunc(a / b) : a / b;
    return b === 0 ? undefined : dimDiv(a, b);
  },
  Pow: num((a, b) => a ** b),
  Mod: num((a, b) => a - Math.floor(a / b) * b),
  Max: ([a, b]) => dimMax(a, b),
  Min: ([a, b]) => dimMin(a, b),
  Sum: (xs) => xs.reduce((a, b) => dimAdd(a, b), 0),
  Equal: ([a, b]) => (dimEq(a, b) ? 1 : typeof a === 'number' && typeof b === 'number' ? 0 : undefined),
  Less: cmp((a, b) => a < b),
  Greater: cmp((a, b) => a > b),
  LessOrEqual: cmp((a, b) => a <= b),
  GreaterOrEqual: cmp((a, b) => a >= b),
  And: num((a, b) => (a && b ? 1 : 0)),
  Or: num((a, b) => (a || b ? 1 : 0)),
  Xor: num((a, b) => (!a !== !b ? 1 : 0)),
});

const BOOL_OUT = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor']);

function valuesOf(ctx: RuleContext, n: number): ConstValue[] | undefined {
  const vs: ConstValue[] = [];
  for (let i = 0; i < n; i++) {
    const v = ctx.values[i];
    if (!v) return undefined;
    vs.push(v);
  }
  return vs;
}

/** Broadcasting n-ary op; `fn` computes known values (shape arithmetic in exported graphs). */
function nary(op: string, perElem: number, fn?: Fn): OpRule {
  return {
    shape: (ctx) => {
      const ins = ctx.node.inputs.map((_, i) => input(ctx, i));
      const shape = broadcast(ins.map((t) => t.shape));
      const dtype: DType = BOOL_OUT.has(op) ? 'bool' : ins[0].dtype;
      const vs = fn && propagatable(shape) ? valuesOf(ctx, ins.length) : undefined;
      const value = vs ? mapValues(vs, staticShape(shape)!, dtype, (xs) => fn!(xs, ins[0].dtype)) : undefined;
      return { outputs: [{ dtype, shape }], values: [value] };
    },
    cost: (ctx, outs) => perElement(outs, perElem * Math.max(1, ctx.node.inputs.length - 1) + (op === 'Mean' ? 1 : 0)),
  };
}

const UNARY_VALUES: Record<string, Fn> = table({
  Identity: ([a]) => a,
  Neg: ([a]) => dimMul(-1, a),
  Abs: ([a]) => (typeof a === 'number' ? Math.abs(a) : a),
  Floor: ([a]) => (typeof a === 'number' ? Math.floor(a) : a),
  Ceil: ([a]) => (typeof a === 'number' ? Math.ceil(a) : a),
  Round: num((a) => Math.round(a)),
  Sqrt: num(Math.sqrt),
  Reciprocal: num((a) => 1 / a),
  Exp: num(Math.exp),
  Log: num(Math.log),
  Sign: num(Math.sign),
  Relu: num((a) => Math.max(0, a)),
  Not: num((a) => (a ? 0 : 1)),
});

function unary(op: string, perElem: number): OpRule {
  const fn = UNARY_VALUES[op] as Fn | undefined;
  return {
    shape: (ctx) => {
      const x = input(ctx, 0);
      const dtype: DType = op === 'IsNaN' || op === 'IsInf' ? 'bool' : x.dtype;
      const v = ctx.values[0];
      const value = fn && v && propagatable(x.shape) ? mapValues([v], v.dims, dtype, (xs) => fn(xs, dtype)) : undefined;
      return { outputs: [{ dtype, shape: x.shape }], values: [value] };
    },
    cost: (_ctx, outs) => perElement(outs, perElem),
  };
}

const castTo = (dt: DType): Fn => ([a]) => (typeof a === 'number' && isIntDtype(dt) ? (dt === 'bool' ? (a ? 1 : 0) : Math.trunc(a)) : a);

const cast: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const dtype = dtypeFromOnnxCode(attrInt(ctx.node, 'to', 1));
    const v = ctx.values[0];
    return { outputs: [{ dtype, shape: x.shape }], values: [v ? mapValues([v], v.dims, dtype, (xs) => castTo(dtype)(xs, dtype)) : undefined] };
  },
  cost: () => ({ macs: 0, flops: 0 }),
};

const castLike: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const dtype = ctx.inputs[1]?.dtype ?? 'unknown';
    const v = ctx.values[0];
    return { outputs: [{ dtype, shape: x.shape }], values: [v ? mapValues([v], v.dims, dtype, (xs) => castTo(dtype)(xs, dtype)) : undefined] };
  },
  cost: () => ({ macs: 0, flops: 0 }),
};

/** Dropout: identity at inference; the optional mask output is bool. */
const dropout: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    return { outputs: [{ dtype: x.dtype, shape: x.shape }, { dtype: 'bool', shape: x.shape }], values: [ctx.values[0]] };
  },
  cost: () => ({ macs: 0, flops: 0 }),
};

const where: OpRule = {
  shape: (ctx) => {
    const [c, a, b] = [input(ctx, 0), input(ctx, 1), input(ctx, 2)];
    const shape = broadcast([c.shape, a.shape, b.shape]);
    const vs = propagatable(shape) ? valuesOf(ctx, 3) : undefined;
    const value = vs ? mapValues(vs, staticShape(shape)!, a.dtype, ([k, x, y]) => (typeof k === 'number' ? (k ? x : y) : undefined)) : undefined;
    return { outputs: [{ dtype: a.dtype, shape }], values: [value] };
  },
  cost: (_ctx, outs) => perElement(outs, 1),
};

/** Clip's bounds are inputs from opset 11; either way they only cost the two comparisons. */
const clip = unary('Clip', UNARY_FLOPS.Clip);

export const ELEMENTWISE_RULES: RuleTable = {
  ...Object.fromEntries(Object.entries(BINARY_FLOPS).map(([op, f]) => [op, nary(op, f, BINARY_VALUES[op])])),
  ...Object.fromEntries(Object.entries(UNARY_FLOPS).map(([op, f]) => [op, unary(op, f)])),
  Clip: clip,
  Cast: cast,
  CastLike: castLike,
  Dropout: dropout,
  Where: where,
};
