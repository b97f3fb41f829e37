import { dimMul, unknownDim } from '../../ir/dim';
import { attrInt, type TensorType } from '../../ir/graph';
import type { ConstValue, OpRule, RuleContext, RuleTable } from '../types';
import { cv, input, normAxis, numel } from './util';

/**
 * Unique (opset 11): Y (the unique values, or slices along `axis`), indices of first occurrences,
 * inverse indices, counts. How many are unique depends on the data: one unknown dim shared by Y,
 * indices and counts, unless the input's values are known, in which case they are computed (flattened
 * form, sorted or in order of first occurrence as `sorted` says).
 */
function uniqueValues(v: ConstValue, sorted: boolean) {
  const xs = v.values;
  if (!xs.every((x) => typeof x === 'number')) return undefined;
  const firstAt = new Map<number, number>();
  (xs as number[]).forEach((x, i) => firstAt.has(x) || firstAt.set(x, i));
  const uniq = [...firstAt.keys()];
  if (sorted) uniq.sort((a, b) => a - b);
  const pos = new Map(uniq.map((u, i) => [u, i]));
  const counts = uniq.map(() => 0);
  const inverse = (xs as number[]).map((x) => {
    const p = pos.get(x)!;
    counts[p] += 1;
    return p;
  });
  return { uniq, first: uniq.map((u) => firstAt.get(u)!), inverse, counts };
}

const unique: OpRule = {
  shape: (ctx: RuleContext) => {
    const x = input(ctx, 0);
    const axisAttr = attrInt(ctx.node, 'axis');
    const v = ctx.values[0];
    if (axisAttr === undefined && v) {
      const u = uniqueValues(v, attrInt(ctx.node, 'sorted', 1) === 1);
      if (u) {
        const n = u.uniq.length;
        return {
          outputs: [{ dtype: x.dtype, shape: [n] }, { dtype: 'int64', shape: [n] }, { dtype: 'int64', shape: [v.values.length] }, { dtype: 'int64', shape: [n] }],
          values: [cv(x.dtype, [n], u.uniq), cv('int64', [n], u.first), cv('int64', [v.values.length], u.inverse), cv('int64', [n], u.counts)],
        };
      }
    }
    const n = unknownDim();
    if (axisAttr === undefined) {
      return { outputs: [{ dtype: x.dtype, shape: [n] }, { dtype: 'int64', shape: [n] }, { dtype: 'int64', shape: [numel(x.shape)] }, { dtype: 'int64', shape: [n] }] };
    }
    const axis = normAxis(axisAttr, x.shape.length);
    const outputs: TensorType[] = [
      { dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? n : d)) },
      { dtype: 'int64', shape: [n] },
      { dtype: 'int64', shape: [x.shape[axis]] },
      { dtype: 'int64', shape: [n] },
    ];
    return { outputs };
  },
  // A sort of the input: about log2(n) comparisons per element.
  cost: (ctx) => {
    const n = numel(input(ctx, 0).shape);
    return { macs: 0, flops: typeof n === 'number' ? Math.ceil(n * Math.log2(Math.max(2, n))) : dimMul(n, n) };
  },
};

export const UNIQUE_RULES: RuleTable = { Unique: unique };
