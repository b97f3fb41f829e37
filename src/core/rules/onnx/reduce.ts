import { dimMul, unknownDim, type Dim } from '../../ir/dim';
import { attrInt, attrInts, type TensorType } from '../../ir/graph';
import { RuleError, type OpRule, type RuleContext, type RuleTable } from '../types';
import { has, input, normAxis, numel, requireInts, type Shaped } from './util';

/** Opset from which each reduction takes its axes as an input instead of an attribute. */
function axesOf(ctx: RuleContext, axesInputSince: number): number[] | undefined {
  if (ctx.opset < axesInputSince) return attrInts(ctx.node, 'axes');
  return has(ctx, 1) ? requireInts(ctx, 1, 'axes') : undefined;
}

function reduced(x: Shaped, axes: number[] | undefined, keep: boolean, noopEmpty: boolean): Shaped['shape'] {
  const r = x.shape.length;
  if (!axes || axes.length === 0) {
    if (noopEmpty) return x.shape;
    return keep ? x.shape.map(() => 1) : [];
  }
  const set = new Set(axes.map((a) => normAxis(a, r)));
  return keep ? x.shape.map((d, i) => (set.has(i) ? 1 : d)) : x.shape.filter((_, i) => !set.has(i));
}

/** Axes given as an input whose value is unknown: the rank is known with keepdims or a known axes length. */
function unknownAxes(ctx: RuleContext, x: Shaped, keep: boolean): TensorType {
  const k = ctx.inputs[1]?.shape?.[0];
  const noop = attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1;
  if (keep) return { dtype: x.dtype, shape: x.shape.map((d) => (d === 1 ? 1 : unknownDim())) };
  if (typeof k !== 'number') return { dtype: x.dtype };
  if (k === 0) return { dtype: x.dtype, shape: noop ? x.shape : [] };
  return { dtype: x.dtype, shape: Array.from({ length: x.shape.length - k }, () => unknownDim()) };
}

function reduceRule(axesInputSince: number, perInput: number): OpRule {
  return {
    shape: (ctx) => {
      const x = input(ctx, 0);
      const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
      if (ctx.opset >= axesInputSince && has(ctx, 1) && !ctx.values[1]) return { outputs: [unknownAxes(ctx, x, keep)] };
      const shape = reduced(x, axesOf(ctx, axesInputSince), keep, attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1);
      return { outputs: [{ dtype: x.dtype, shape }] };
    },
    cost: (ctx) => ({ macs: 0, flops: dimMul(perInput, numel(input(ctx, 0).shape)) }),
  };
}

const argRule: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const axis = attrInt(ctx.node, 'axis', 0);
    return { outputs: [{ dtype: 'int64', shape: reduced(x, [axis], attrInt(ctx.node, 'keepdims', 1) === 1, false) }] };
  },
  cost: (ctx) => ({ macs: 0, flops: numel(input(ctx, 0).shape) }),
};

const topK: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const kv = ctx.opset < 10 ? attrInt(ctx.node, 'k') : ctx.values[1]?.values[0] ?? unknownDim();
    if (kv === undefined) throw new RuleError('TopK without k');
    const k: Dim = kv;
    const axis = normAxis(attrInt(ctx.node, 'axis', -1), x.shape.length);
    const shape = x.shape.map((d, i) => (i === axis ? k : d));
    return { outputs: [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }] };
  },
  cost: (ctx) => ({ macs: 0, flops: numel(input(ctx, 0).shape) }),
};

const cumSum: OpRule = {
  shape: (ctx) => ({ outputs: [input(ctx, 0)] }),
  cost: (ctx) => ({ macs: 0, flops: numel(input(ctx, 0).shape) }),
};

export const REDUCE_RULES: RuleTable = {
  ReduceSum: reduceRule(13, 1),
  ReduceMean: reduceRule(18, 1),
  ReduceMax: reduceRule(18, 1),
  ReduceMin: reduceRule(18, 1),
  ReduceProd: reduceRule(18, 1),
  ReduceL1: reduceRule(18, 1),
  ReduceL2: reduceRule(18, 2),
  ReduceLogSum: reduceRule(18, 1),
  ReduceLogSumExp: reduceRule(18, 2),
  ReduceSumSquare: reduceRule(18, 2),
  ArgMax: argRule,
  ArgMin: argRule,
  TopK: topK,
  CumSum: cumSum,
};
