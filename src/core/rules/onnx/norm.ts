import type { Dim } from '../../ir/dim';
import { attrInt } from '../../ir/graph';
import type { OpRule, RuleTable } from '../types';
import { BATCHNORM_FLOPS, NORM_STAT_FLOPS, SOFTMAX_FLOPS } from './costConventions';
import { has, input, normAxis, perElement, sameShapeRule } from './util';

const batchNorm: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const c: Dim[] = [x.shape[1]];
    const outputs = [{ dtype: x.dtype, shape: x.shape }];
    // Training-mode exports also emit running mean and variance.
    for (let i = 1; i < ctx.node.outputs.length; i++) outputs.push({ dtype: x.dtype, shape: c });
    return { outputs };
  },
  cost: (_ctx, outs) => perElement(outs, BATCHNORM_FLOPS),
};

/** Normalisation over trailing axes with optional affine terms at input positions 1 and 2. */
function statNorm(scale: number, bias: number): OpRule {
  return {
    shape: (ctx) => {
      const x = input(ctx, 0);
      const r = x.shape.length;
      const axis = normAxis(attrInt(ctx.node, 'axis', -1), r);
      const stat = x.shape.map((d, i) => (i < axis ? d : 1));
      const outputs = [{ dtype: x.dtype, shape: x.shape }];
      for (let i = 1; i < ctx.node.outputs.length; i++) outputs.push({ dtype: 'float32', shape: stat });
      return { outputs };
    },
    cost: (ctx, outs) => perElement(outs, NORM_STAT_FLOPS + (has(ctx, scale) ? 1 : 0) + (has(ctx, bias) ? 1 : 0)),
  };
}

const lrn: OpRule = {
  shape: (ctx) => ({ outputs: [input(ctx, 0)] }),
  cost: (ctx, outs) => perElement(outs, attrInt(ctx.node, 'size', 1) + 3),
};

export const NORM_RULES: RuleTable = {
  BatchNormalization: batchNorm,
  LayerNormalization: statNorm(1, 2),
  InstanceNormalization: sameShapeRule(NORM_STAT_FLOPS + 2),
  GroupNormalization: sameShapeRule(NORM_STAT_FLOPS + 2),
  MeanVarianceNormalization: sameShapeRule(NORM_STAT_FLOPS),
  LpNormalization: sameShapeRule(3),
  LRN: lrn,
  Softmax: sameShapeRule(SOFTMAX_FLOPS),
  LogSoftmax: sameShapeRule(SOFTMAX_FLOPS),
  Hardmax: sameShapeRule(1),
};
