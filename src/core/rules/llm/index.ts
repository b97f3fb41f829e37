import { dimAdd, dimMul, type Dim } from '../../ir/dim';
import { attrInt, attrString } from '../../ir/graph';
import { SOFTMAX_FLOPS } from '../onnx/costConventions';
import { input, numel } from '../onnx/util';
import { RuleError, type OpRule, type RuleTable } from '../types';

/**
 * Nodes the LLM readers build that have no ONNX operator (domain `modellens`):
 * - `MoE`: x [..., H], router logits [..., E], then each expert's weights (gate, up, down as
 *   nn.Linear [out, in]). A token runs k of the E experts: MACs = tokens · k · (one expert's weight
 *   elements), the average expert when their sizes differ. FLOPs add the gate activation of the k
 *   experts, the routing softmax and the weighted sum of k outputs.
 * - `Weights`: tensors with no compute (an unknown architecture's layers, unmatched checkpoint
 *   tensors): they own parameters and bytes and cost nothing.
 */
const ACT_FLOPS: Record<string, number> = { silu: 5, gelu: 5, gelu_tanh: 8, relu: 1 };

const moe: OpRule = {
  shape: (ctx) => ({ outputs: [input(ctx, 0)] }),
  cost: (ctx) => {
    const x = input(ctx, 0);
    const e = attrInt(ctx.node, 'num_experts', 0);
    const k = attrInt(ctx.node, 'k', 0);
    const per = attrInt(ctx.node, 'weights_per_expert', 3);
    if (!(e > 0 && k > 0 && k <= e)) throw new RuleError(`MoE with ${e} experts and top-${k}`);
    const w = ctx.node.inputs.slice(2);
    if (w.length !== e * per) throw new RuleError(`MoE has ${w.length} expert weights for ${e} experts × ${per}`);
    let all: Dim = 0;
    for (let i = 0; i < w.length; i++) all = dimAdd(all, numel(input(ctx, 2 + i).shape));
    if (typeof all !== 'number' || all % e !== 0) throw new RuleError('MoE experts of different sizes');
    const tokens = numel(x.shape.slice(0, -1));
    const hidden = x.shape[x.shape.length - 1];
    const inter = input(ctx, 2).shape[0];
    const macs = dimMul(tokens, k * (all / e));
    const act = ACT_FLOPS[attrString(ctx.node, 'activation', 'silu')] ?? 5;
    const perToken = dimAdd(dimAdd(dimMul(k * (act + 1), inter), dimMul(2 * k, hidden)), SOFTMAX_FLOPS * e);
    return { macs, flops: dimAdd(dimMul(2, macs), dimMul(tokens, perToken)) };
  },
};

const weights: OpRule = {
  shape: () => ({ outputs: [] }),
  cost: () => ({ macs: 0, flops: 0 }),
};

export const LLM_RULES: RuleTable = Object.assign(Object.create(null) as RuleTable, { MoE: moe, Weights: weights });
