import { dimAdd, dimMul, type Dim } from '../../ir/dim';
import { attrInt } from '../../ir/graph';
import { RuleError, type OpRule, type RuleTable } from '../types';
import { NORM_STAT_FLOPS, SOFTMAX_FLOPS } from './costConventions';
import { matmulShape } from './matmul';
import { broadcast, has, input, numel, perElement, sameShapeRule } from './util';

/**
 * onnxruntime contrib ops (domain com.microsoft) that optimised transformer exports use. Attention's
 * MACs are its QKV projection plus the two attention matmuls, as the manifest counts unfused graphs.
 */
const attention: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const w = input(ctx, 1);
    const sizes = ctx.node.attrs.qkv_hidden_sizes;
    const outH: Dim = sizes?.kind === 'ints' ? sizes.value[2] : dimThird(w.shape[1]);
    return { outputs: [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], outH] }] };
  },
  cost: (ctx, outs) => {
    const x = input(ctx, 0);
    const w = input(ctx, 1);
    const [b, s, hin] = x.shape;
    const h = outs[0].shape![2];
    const proj = dimMul(dimMul(dimMul(b, s), hin), w.shape[1]);
    const heads = attrInt(ctx.node, 'num_heads', 1);
    const scores = dimMul(dimMul(dimMul(b, s), s), heads);
    const attn = dimMul(2, dimMul(dimMul(dimMul(b, s), s), h));
    const macs = dimAdd(proj, attn);
    return { macs, flops: dimAdd(dimMul(2, macs), dimMul(SOFTMAX_FLOPS, scores)) };
  },
};

function dimThird(d: Dim): Dim {
  if (typeof d === 'number') {
    if (d % 3) throw new RuleError(`Attention weight width ${d} is not divisible by 3`);
    return d / 3;
  }
  throw new RuleError('symbolic Attention weight width');
}

const multiHeadAttention: OpRule = {
  shape: (ctx) => {
    const q = input(ctx, 0);
    const v = ctx.inputs[2]?.shape;
    if (q.shape.length !== 3 || !v || v.length !== 3) throw new RuleError('only unpacked rank-3 query/key/value are supported');
    return { outputs: [{ dtype: q.dtype, shape: [q.shape[0], q.shape[1], v[2]] }] };
  },
  cost: (ctx) => {
    const q = input(ctx, 0);
    const k = input(ctx, 1);
    const v = input(ctx, 2);
    const heads = attrInt(ctx.node, 'num_heads', 1);
    const bsl = dimMul(dimMul(q.shape[0], q.shape[1]), k.shape[1]);
    const macs = dimAdd(dimMul(bsl, q.shape[2]), dimMul(bsl, v.shape[2]));
    return { macs, flops: dimAdd(dimMul(2, macs), dimMul(SOFTMAX_FLOPS, dimMul(bsl, heads))) };
  },
};

const fusedMatMul: OpRule = {
  shape: (ctx) => {
    const t = (s: Dim[], on: boolean) => (on && s.length >= 2 ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s);
    const a = t(input(ctx, 0).shape, attrInt(ctx.node, 'transA', 0) === 1);
    const b = t(input(ctx, 1).shape, attrInt(ctx.node, 'transB', 0) === 1);
    return { outputs: [{ dtype: input(ctx, 0).dtype, shape: matmulShape(a, b).shape }] };
  },
  cost: (ctx, outs) => {
    const a = input(ctx, 0).shape;
    const k = attrInt(ctx.node, 'transA', 0) === 1 ? a[a.length - 2] : a[a.length - 1];
    const macs = dimMul(numel(outs[0].shape!), k);
    return { macs, flops: dimMul(2, macs) };
  },
};

const skipLayerNorm: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const outputs = [{ dtype: x.dtype, shape: x.shape }];
    const stat = [...x.shape.slice(0, -1), 1];
    if (ctx.node.outputs.length > 1) outputs.push({ dtype: 'float32', shape: stat }, { dtype: 'float32', shape: stat });
    if (ctx.node.outputs.length > 3) outputs.push({ dtype: x.dtype, shape: x.shape });
    return { outputs };
  },
  cost: (ctx, outs) => perElement(outs, 1 + NORM_STAT_FLOPS + 1 + (has(ctx, 3) ? 1 : 0) + (has(ctx, 4) ? 1 : 0)),
};

const embedLayerNorm: OpRule = {
  shape: (ctx) => {
    const ids = input(ctx, 0);
    const word = input(ctx, 2);
    const shape = [...ids.shape, word.shape[1]];
    return { outputs: [{ dtype: word.dtype, shape }, { dtype: 'int32', shape: [ids.shape[0]] }, { dtype: word.dtype, shape }] };
  },
  cost: (_ctx, outs) => perElement(outs, 2 + NORM_STAT_FLOPS + 2),
};

const biasAdd: OpRule = {
  shape: (ctx) => ({ outputs: [{ dtype: input(ctx, 0).dtype, shape: broadcast(ctx.node.inputs.map((_, i) => input(ctx, i).shape)) }] }),
  cost: (ctx, outs) => perElement(outs, ctx.node.inputs.length - 1),
};

/** 4-bit (or n-bit) weight-only quantised MatMul of LLM exports: A [..., K] x B (packed [N, blocks, blob]). */
const matMulNBits: OpRule = {
  shape: (ctx) => {
    const a = input(ctx, 0);
    const n = attrInt(ctx.node, 'N');
    if (n === undefined) throw new RuleError('MatMulNBits without N');
    return { outputs: [{ dtype: a.dtype, shape: [...a.shape.slice(0, -1), n] }] };
  },
  cost: (ctx, outs) => {
    const k = attrInt(ctx.node, 'K');
    if (k === undefined) throw new RuleError('MatMulNBits without K');
    const out = numel(outs[0].shape!);
    const macs = dimMul(out, k);
    return { macs, flops: dimAdd(dimMul(2, macs), has(ctx, 5) ? out : 0) };
  },
};

export const MICROSOFT_RULES: RuleTable = {
  MatMulNBits: matMulNBits,
  RotaryEmbedding: sameShapeRule(3),
  Attention: attention,
  MultiHeadAttention: multiHeadAttention,
  FusedMatMul: fusedMatMul,
  Gelu: sameShapeRule(5),
  BiasGelu: sameShapeRule(6),
  FastGelu: sameShapeRule(8),
  QuickGelu: sameShapeRule(5),
  SkipLayerNormalization: skipLayerNorm,
  SkipSimplifiedLayerNormalization: skipLayerNorm,
  SimplifiedLayerNormalization: sameShapeRule(NORM_STAT_FLOPS),
  LayerNormalization: sameShapeRule(NORM_STAT_FLOPS + 2),
  EmbedLayerNormalization: embedLayerNorm,
  BiasAdd: biasAdd,
};
