import { dimAdd, dimMul } from '../../ir/dim';
import { attrString } from '../../ir/graph';
import type { OpRule, RuleContext, RuleTable } from '../types';
import { SOFTMAX_FLOPS } from './costConventions';
import { has, input, numel } from './util';

/**
 * Losses (opset 12+): scores / input [N, C, d1...], labels / target [N, d1...], optional per-class
 * weights. reduction 'none' keeps the target's shape, 'mean' and 'sum' give a scalar.
 */
function lossShape(ctx: RuleContext, withLogProb: boolean) {
  const x = input(ctx, 0);
  const t = ctx.inputs[1];
  const none = attrString(ctx.node, 'reduction', 'mean') === 'none';
  // The target is the scores without the class axis, whether or not its type is known.
  const perSample = t?.shape ?? x.shape.filter((_, i) => i !== 1);
  const outputs = [{ dtype: x.dtype, shape: none ? perSample : [] }];
  if (withLogProb && ctx.node.outputs.length > 1) outputs.push({ dtype: x.dtype, shape: x.shape });
  return { outputs };
}

/** Per target element: pick (and negate), times the weight when given; the reduction adds one more. */
function lossCost(ctx: RuleContext, softmax: boolean) {
  const x = input(ctx, 0);
  const targets = numel(x.shape.filter((_, i) => i !== 1));
  const perTarget = 1 + (has(ctx, 2) ? 1 : 0) + (attrString(ctx.node, 'reduction', 'mean') === 'none' ? 0 : 1);
  const pick = dimMul(perTarget, targets);
  return { macs: 0, flops: softmax ? dimAdd(dimMul(SOFTMAX_FLOPS, numel(x.shape)), pick) : pick };
}

export const LOSS_RULES: RuleTable = {
  SoftmaxCrossEntropyLoss: { shape: (ctx) => lossShape(ctx, true), cost: (ctx) => lossCost(ctx, true) } satisfies OpRule,
  NegativeLogLikelihoodLoss: { shape: (ctx) => lossShape(ctx, false), cost: (ctx) => lossCost(ctx, false) } satisfies OpRule,
};
