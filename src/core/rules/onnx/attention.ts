import { dimAdd, dimMul, type Dim } from '../../ir/dim';
import { attrInt } from '../../ir/graph';
import { RuleError, type OpRule, type RuleContext, type RuleTable } from '../types';
import { exactDiv, sdpaCost } from './attentionCost';
import { RMS_STAT_FLOPS } from './costConventions';
import { rotaryRule } from './msAttention';
import { has, input, normAxis, perElement } from './util';

/**
 * ONNX Attention (opset 23): Q [B, Hq, S, E] with K/V [B, Hkv, L, E|Ev], or the 3-D form
 * [B, S, heads*E] with q_num_heads / kv_num_heads. past_key/past_value [B, Hkv, P, E] are
 * concatenated in front of K/V: present is [B, Hkv, P+L, E] and attention runs over T = P + L.
 */
function dims(ctx: RuleContext) {
  const q = input(ctx, 0);
  const k = input(ctx, 1);
  const v = input(ctx, 2);
  const past = has(ctx, 4) ? ctx.inputs[4]?.shape : undefined;
  const p: Dim = past && past.length === 4 ? past[2] : 0;
  if (q.shape.length === 4) {
    if (k.shape.length !== 4 || v.shape.length !== 4) throw new RuleError('4-D Attention query with key/value that are not 4-D');
    const [b, hq, s, e] = q.shape;
    const hkv = k.shape[1];
    const l = k.shape[2];
    const ev = v.shape[3];
    return { q, b, hq, hkv, s, e, ev, l, p, out: [b, hq, s, ev] };
  }
  if (q.shape.length !== 3) throw new RuleError(`Attention query of rank ${q.shape.length}`);
  const hq = attrInt(ctx.node, 'q_num_heads');
  const hkv = attrInt(ctx.node, 'kv_num_heads');
  if (!hq || !hkv) throw new RuleError('3-D Attention needs q_num_heads and kv_num_heads');
  const [b, s, dq] = q.shape;
  const ev = exactDiv(v.shape[2], hkv, 'Attention value size over kv_num_heads');
  return { q, b, hq, hkv, s, e: exactDiv(dq, hq, 'Attention query size over q_num_heads'), ev, l: k.shape[1], p, out: [b, s, dimMul(hq, ev)] };
}

const attention: OpRule = {
  shape: (ctx) => {
    const d = dims(ctx);
    const t = dimAdd(d.p, d.l);
    return {
      outputs: [
        { dtype: d.q.dtype, shape: d.out },
        { dtype: d.q.dtype, shape: [d.b, d.hkv, t, d.e] },
        { dtype: d.q.dtype, shape: [d.b, d.hkv, t, d.ev] },
        { dtype: d.q.dtype, shape: [d.b, d.hq, d.s, t] },
      ],
    };
  },
  cost: (ctx) => {
    const d = dims(ctx);
    return sdpaCost(d.b, d.hq, d.s, dimAdd(d.p, d.l), d.e, d.ev);
  },
};

/** RMSNormalization (opset 23): x / rms(x over axes >= axis) * scale; one output. */
const rmsNorm: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    normAxis(attrInt(ctx.node, 'axis', -1), x.shape.length);
    return { outputs: [{ dtype: x.dtype, shape: x.shape }] };
  },
  cost: (_ctx, outs) => perElement(outs, RMS_STAT_FLOPS + 1),
};

export const ATTENTION_RULES: RuleTable = {
  Attention: attention,
  RMSNormalization: rmsNorm,
  // Opset 23: X, cos_cache, sin_cache, position_ids.
  RotaryEmbedding: rotaryRule(1),
};
