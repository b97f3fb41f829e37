import { dimAdd, dimDiv, dimEq, dimMax, dimMin, dimMul, dimSub, type Dim } from '../../ir/dim';
import type { DType } from '../../ir/dtype';
import { attrInt } from '../../ir/graph';
import type { ConstValue, OpRule, RuleContext, RuleTable } from '../types';
import { BINARY_FLOPS, UNARY_FLOPS } from './costConventions';
import { dtypeFromOnnxCode } from './dtypeCodes';
import { roundTo } from './numeric';
import { broadcast, cv, has, input, isIntDtype, mapValues, numel, perElement, propagatable, staticShape } from './util';
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
  // fmod=0: the sign of the divisor (Python %); fmod=1 (set in `nary` below): C fmod, the dividend's.
  Mod: num((a, b) => (b === 0 ? NaN : a - Math.floor(a / b) * b)),
  // Variadic: every input counts (a single input is its own result).
  Max: (xs) => xs.reduce((a, b) => dimMax(a, b)),
  Min: (xs) => xs.reduce((a, b) => dimMin(a, b)),
  Sum: (xs) => xs.reduce((a, b) => dimAdd(a, b), 0),
  Mean: num((...xs) => xs.reduce((a, b) => a + b, 0) / xs.length),
  Equal: ([a, b]) => (dimEq(a, b) ? 1 : typeof a === 'number' && typeof b === 'number' ? 0 : undefined),
  Less: cmp((a, b) => a < b),
  Greater: cmp((a, b) => a > b),
  LessOrEqual: cmp((a, b) => a <= b),
  GreaterOrEqual: cmp((a, b) => a >= b),
  And: num((a, b) => (a && b ? 1 : 0)),
  Or: num((a, b) => (a || b ? 1 : 0)),
  Xor: num((a, b) => (!a !== !b ? 1 : 0)),
});

const fmod: Fn = num((a, b) => (b === 0 ? NaN : a - Math.trunc(a / b) * b));

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
      const f = op === 'Mod' && attrInt(ctx.node, 'fmod', 0) === 1 ? fmod : fn;
      const vs = f && propagatable(shape) ? valuesOf(ctx, ins.length) : undefined;
      const value = vs ? mapValues(vs, staticShape(shape)!, dtype, (xs) => roundTo(f!(xs, ins[0].dtype), dtype)) : undefined;
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
  Round: num(roundHalfEven),
  Sqrt: num(Math.sqrt),
  Reciprocal: num((a) => 1 / a),
  Exp: num(Math.exp),
  Log: num(Math.log),
  Sign: num(Math.sign),
  Relu: num((a) => Math.max(0, a)),
  Not: num((a) => (a ? 0 : 1)),
});

/** ONNX Round: halves go to the even neighbour (numpy.round), not up. */
function roundHalfEven(a: number): number {
  const f = Math.floor(a);
  const d = a - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

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

const castTo = (dt: DType): Fn => ([a]) => roundTo(typeof a === 'number' && dt === 'bool' ? (a ? 1 : 0) : a, dt);

/** Values are folded between numeric types only (a string's value is not held). */
const numericValue = (v: ConstValue | undefined, from: DType, to: DType) => (v && from !== 'string' && to !== 'string' ? v : undefined);

const cast: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const dtype = dtypeFromOnnxCode(attrInt(ctx.node, 'to', 1));
    const v = numericValue(ctx.values[0], x.dtype, dtype);
    return { outputs: [{ dtype, shape: x.shape }], values: [v ? mapValues([v], v.dims, dtype, (xs) => castTo(dtype)(xs, dtype)) : undefined] };
  },
  cost: () => ({ macs: 0, flops: 0 }),
};

const castLike: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const dtype = ctx.inputs[1]?.dtype ?? 'unknown';
    const v = numericValue(ctx.values[0], x.dtype, dtype);
    return { outputs: [{ dtype, shape: x.shape }], values: [v ? mapValues([v], v.dims, dtype, (xs) => castTo(dtype)(xs, dtype)) : undefined] };
  },
  cost: () => ({ macs: 0, flops: 0 }),
};

/**
 * Dropout: identity at inference; the optional mask output is bool. In training mode (opset 12+:
 * training_mode input true; before 7: is_test=0) the output is random, so no value is propagated.
 */
const dropout: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const train = ctx.opset >= 12 ? (has(ctx, 2) ? ctx.values[2]?.values[0] ?? 'unknown' : 0) : ctx.opset < 7 ? 1 - attrInt(ctx.node, 'is_test', 0) : 0;
    const ratio = ctx.opset >= 12 && has(ctx, 1) ? ctx.values[1]?.values[0] : undefined;
    const identity = train === 0 || ratio === 0;
    const mask = identity && propagatable(x.shape) ? cv('bool', x.shape as number[], new Array(numel(x.shape) as number).fill(1)) : undefined;
    return { outputs: [{ dtype: x.dtype, shape: x.shape }, { dtype: 'bool', shape: x.shape }], values: [identity ? ctx.values[0] : undefined, mask] };
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

/**
 * PRelu: the slope broadcasts to X one way only (numpy from opset 7; before, a [C] slope applies along
 * the channel axis 1), so the output is X's shape.
 */
const prelu: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const slope = input(ctx, 1);
    const channelwise = slope.shape.length === 1 && x.shape.length >= 2 && dimEq(slope.shape[0], x.shape[1]);
    if (!channelwise) broadcast([x.shape, slope.shape]);
    return { outputs: [{ dtype: x.dtype, shape: x.shape }] };
  },
  cost: (_ctx, outs) => perElement(outs, BINARY_FLOPS.PRelu),
};

/** Clip's bounds are inputs from opset 11; either way they only cost the two comparisons. */
const clip = unary('Clip', UNARY_FLOPS.Clip);

export const ELEMENTWISE_RULES: RuleTable = {
  ...Object.fromEntries(Object.entries(BINARY_FLOPS).map(([op, f]) => [op, nary(op, f, BINARY_VALUES[op])])),
  ...Object.fromEntries(Object.entries(UNARY_FLOPS).map(([op, f]) => [op, unary(op, f)])),
  Clip: clip,
  PRelu: prelu,
  Cast: cast,
  CastLike: castLike,
  Dropout: dropout,
  Where: where,
};
