import { dimAdd, dimDiv, dimMul, type Dim } from '../../ir/dim';
import { attrInt } from '../../ir/graph';
import { RuleError, type OpRule, type RuleTable } from '../types';
import { SOFTMAX_FLOPS } from './costConventions';
import { input, sameShapeRule } from './util';

/**
 * ONNX Attention (opset 23): Q [B, Hq, S, E] with K/V [B, Hkv, L, E|Ev], or the 3-D form
 * [B, S, heads*E] with q_num_heads / kv_num_heads. MACs are QK^T plus AV; the softmax is per element.
 */
function dims(ctx: Parameters<OpRule['shape']>[0]) {
  const q = input(ctx, 0);
  const k = input(ctx, 1);
  const v = input(ctx, 2);
  if (q.shape.length === 4) {
    const [b, h, s, e] = q.shape;
    return { q, b, h, s, e, l: k.shape[2], ev: v.shape[3], out: [b, h, s, v.shape[3]] };
  }
  if (q.shape.length !== 3) throw new RuleError(`Attention query of rank ${q.shape.length}`);
  const hq = attrInt(ctx.node, 'q_num_heads');
  const hkv = attrInt(ctx.node, 'kv_num_heads');
  if (!hq || !hkv) throw new RuleError('3-D Attention needs q_num_heads and kv_num_heads');
  const [b, s, dq] = q.shape;
  const ev: Dim = dimDiv(v.shape[2], hkv);
  return { q, b, h: hq, s, e: dimDiv(dq, hq), l: k.shape[1], ev, out: [b, s, dimMul(hq, ev)] };
}

const attention: OpRule = {
  shape: (ctx) => {
    const d = dims(ctx);
    return { outputs: [{ dtype: d.q.dtype, shape: d.out }] };
  },
  cost: (ctx) => {
    const { b, h, s, e, l, ev } = dims(ctx);
    const scores = dimMul(dimMul(dimMul(b, h), s), l);
    const macs = dimAdd(dimMul(scores, e), dimMul(scores, ev));
    return { macs, flops: dimAdd(dimMul(2, macs), dimMul(SOFTMAX_FLOPS, scores)) };
  },
};

export const ATTENTION_RULES: RuleTable = {
  Attention: attention,
  RMSNormalization: sameShapeRule(4),
  RotaryEmbedding: sameShapeRule(3),
};
