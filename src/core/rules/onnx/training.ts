import { dimAdd, dimMul, type Dim } from '../../ir/dim';
import { attrString, type TensorType } from '../../ir/graph';
import { RuleError, type OpRule, type RuleContext, type RuleTable } from '../types';
import { OPTIMIZER_FLOPS } from './costConventions';
import { numel } from './util';

/**
 * Optimizer steps of the ai.onnx.preview.training domain: inputs R (learning rate), T (step count), then
 * `groups` lists of n tensors (X, G, and the optimizer's state); outputs the updated X and state lists,
 * each shaped like its input. Cost: OPTIMIZER_FLOPS per element of X.
 */
function optimizer(op: keyof typeof OPTIMIZER_FLOPS, groups: number, outGroups: number[]): OpRule {
  const lists = (ctx: RuleContext) => {
    const k = ctx.node.inputs.length - 2;
    if (k <= 0 || k % groups !== 0) throw new RuleError(`${op} takes R, T and ${groups} lists of equal length; it has ${ctx.node.inputs.length} inputs`);
    return k / groups;
  };
  return {
    shape: (ctx) => {
      const n = lists(ctx);
      const outputs: TensorType[] = [];
      for (const g of outGroups) for (let i = 0; i < n; i++) outputs.push(ctx.inputs[2 + g * n + i] ?? { dtype: 'unknown' });
      return { outputs };
    },
    cost: (ctx) => {
      const n = lists(ctx);
      let flops: Dim = 0;
      for (let i = 0; i < n; i++) {
        const x = ctx.inputs[2 + i]?.shape;
        if (!x) throw new RuleError(`input "${ctx.node.inputs[2 + i]}" has an unknown shape`);
        const per = OPTIMIZER_FLOPS[op] + (op === 'Momentum' && attrString(ctx.node, 'mode', 'standard') === 'nesterov' ? 1 : 0);
        flops = dimAdd(flops, dimMul(per, numel(x)));
      }
      return { macs: 0, flops };
    },
  };
}

/**
 * Gradient: the i-th output is the gradient of `y` with respect to the i-th of the `xs` inputs, so it
 * has that input's type. Its cost is a backward pass over the graph between them, which this op alone
 * does not describe: not costed, with that reason.
 */
const gradient: OpRule = {
  shape: (ctx) => ({ outputs: ctx.node.outputs.map((_, i) => ctx.inputs[i] ?? { dtype: 'unknown' }) }),
  cost: () => {
    throw new RuleError('the cost of Gradient is a backward pass over the graph it differentiates, which is not analysed');
  },
};

export const TRAINING_RULES: RuleTable = {
  Adagrad: optimizer('Adagrad', 3, [0, 2]),
  Momentum: optimizer('Momentum', 3, [0, 2]),
  Adam: optimizer('Adam', 4, [0, 2, 3]),
  Gradient: gradient,
};
