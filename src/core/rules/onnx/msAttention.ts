import { dimAdd, dimMax, dimMul, type Dim } from '../../ir/dim';
import { attrInt, attrInts, type TensorType } from '../../ir/graph';
import { RuleError, type OpRule, type RuleContext, type RuleTable } from '../types';
import { exactDiv, plusFlops, rotaryFlops, scalarInput, sdpaCost } from './attentionCost';
import { has, input } from './util';

/**
 * onnxruntime's attention contrib ops (domain com.microsoft), as docs/ContribOperators.md specifies
 * them. Each resolves its layout to (B, Hq, Hkv, S, past P, total T, E, Ev) once; shapes and the
 * attention cost (attentionCost.ts) come from that. The KV cache they read and write is BNSH:
 * [batch, kv_heads, cache_sequence, head_size].
 */

function requiredHeads(ctx: RuleContext, name: string): number {
  const h = attrInt(ctx.node, name);
  if (!h || h < 1) throw new RuleError(`${ctx.node.opType} needs a positive ${name} attribute`);
  return h;
}

// ---------------------------------------------------------------- GroupQueryAttention

interface Gqa {
  dtype: TensorType['dtype'];
  cache: TensorType['dtype'];
  b: Dim; s: Dim; hq: number; hkv: number; e: Dim;
  /** Sequence length of the present cache, and the total sequence attended over. */
  present: Dim; t: Dim;
}

function gqa(ctx: RuleContext): Gqa {
  const q = input(ctx, 0);
  if (q.shape.length !== 3) throw new RuleError(`GroupQueryAttention query of rank ${q.shape.length} (expected [batch, sequence, hidden])`);
  const hq = requiredHeads(ctx, 'num_heads');
  const hkv = requiredHeads(ctx, 'kv_num_heads');
  if (hq % hkv !== 0) throw new RuleError(`GroupQueryAttention num_heads ${hq} is not a multiple of kv_num_heads ${hkv}`);
  const [b, s, d] = q.shape;
  const packed = !has(ctx, 1);
  const e = exactDiv(d, packed ? hq + 2 * hkv : hq, 'GroupQueryAttention hidden size over heads');
  const kvSeq = packed ? s : input(ctx, 1).shape[1];
  const past = has(ctx, 3) ? ctx.inputs[3]?.shape : undefined;
  const p: Dim = past && past.length === 4 ? past[2] : 0;
  const total = scalarInput(ctx, 6);
  // onnxruntime: present holds max(past buffer, total) positions; without a known total, past + new.
  const present = total === undefined ? dimAdd(p, kvSeq) : typeof p === 'number' && typeof total === 'number' ? Math.max(p, total) : p === 0 ? total : dimMax(p, total);
  return { dtype: q.dtype, cache: ctx.inputs[3]?.dtype ?? q.dtype, b, s, hq, hkv, e, present, t: total ?? dimAdd(p, kvSeq) };
}

const groupQueryAttention: OpRule = {
  shape: (ctx) => {
    const g = gqa(ctx);
    const kv = { dtype: g.cache, shape: [g.b, g.hkv, g.present, g.e] };
    return { outputs: [{ dtype: g.dtype, shape: [g.b, g.s, dimMul(g.hq, g.e)] }, kv, kv, { dtype: g.dtype, shape: [g.b, g.hq, g.s, g.t] }] };
  },
  cost: (ctx) => {
    const g = gqa(ctx);
    const c = sdpaCost(g.b, g.hq, g.s, g.t, g.e, g.e);
    // do_rotary rotates the new queries and keys inside the op.
    return attrInt(ctx.node, 'do_rotary', 0) ? plusFlops(c, rotaryFlops([g.b, g.s, g.hq + g.hkv, g.e])) : c;
  },
};

// ---------------------------------------------------------------- MultiHeadAttention

interface Mha {
  dtype: TensorType['dtype'];
  b: Dim; s: Dim; h: number; e: Dim; ev: Dim;
  /** Past cache length (0 without one) and the new key/value length; null when K/V are already BNSH. */
  p: Dim; l: Dim; cached: boolean;
}

function mha(ctx: RuleContext): Mha {
  const q = input(ctx, 0);
  const h = requiredHeads(ctx, 'num_heads');
  const k = has(ctx, 1) ? input(ctx, 1).shape : undefined;
  const v = has(ctx, 2) ? input(ctx, 2).shape : undefined;
  const past = has(ctx, 6) ? ctx.inputs[6]?.shape : undefined;
  const p: Dim = past && past.length === 4 ? past[2] : 0;
  if (q.shape.length === 5) {
    // Packed QKV [B, S, H, 3, E].
    const [b, s, , , e] = q.shape;
    return { dtype: q.dtype, b, s, h, e, ev: e, p, l: s, cached: false };
  }
  if (q.shape.length !== 3) throw new RuleError(`MultiHeadAttention query of rank ${q.shape.length}`);
  const [b, s, d] = q.shape;
  const e = exactDiv(d, h, 'MultiHeadAttention hidden size over num_heads');
  if (!k) throw new RuleError('MultiHeadAttention with a 3-D query needs a key input');
  if (k.length === 5) return { dtype: q.dtype, b, s, h, e, ev: k[4], p, l: k[1], cached: false }; // packed KV [B, L, H, 2, E]
  if (!v) throw new RuleError('MultiHeadAttention with an unpacked key needs a value input');
  if (k.length === 4) return { dtype: q.dtype, b, s, h, e, ev: v[3], p: 0, l: k[2], cached: true }; // BNSH cross-attention cache
  if (k.length !== 3 || v.length !== 3) throw new RuleError(`MultiHeadAttention key/value of ranks ${k.length}/${v.length}`);
  return { dtype: q.dtype, b, s, h, e, ev: exactDiv(v[2], h, 'MultiHeadAttention value size over num_heads'), p, l: k[1], cached: false };
}

const multiHeadAttention: OpRule = {
  shape: (ctx) => {
    const m = mha(ctx);
    const t = dimAdd(m.p, m.l);
    return {
      outputs: [
        { dtype: m.dtype, shape: [m.b, m.s, dimMul(m.h, m.ev)] },
        { dtype: m.dtype, shape: [m.b, m.h, t, m.e] },
        { dtype: m.dtype, shape: [m.b, m.h, t, m.ev] },
        { dtype: m.dtype, shape: [m.b, m.h, m.s, t] },
      ],
    };
  },
  cost: (ctx) => {
    const m = mha(ctx);
    return sdpaCost(m.b, m.h, m.s, dimAdd(m.p, m.l), m.e, m.ev);
  },
};

// ---------------------------------------------------------------- Attention (fused QKV projection)

function msAttention(ctx: RuleContext) {
  const x = input(ctx, 0);
  const w = input(ctx, 1);
  if (x.shape.length !== 3 || w.shape.length !== 2) throw new RuleError('Attention expects input [batch, sequence, hidden] and weights [hidden, 3*hidden]');
  const h = requiredHeads(ctx, 'num_heads');
  const sizes = attrInts(ctx.node, 'qkv_hidden_sizes');
  const [b, s] = x.shape;
  const dq: Dim = sizes ? sizes[0] : exactDiv(w.shape[1], 3, 'Attention weight width');
  const dv: Dim = sizes ? sizes[2] : dq;
  const past = has(ctx, 4) ? ctx.inputs[4]?.shape : undefined;
  const p: Dim = past && past.length === 5 ? past[3] : 0;
  const shared = attrInt(ctx.node, 'past_present_share_buffer', 0) === 1;
  const pastLen = shared ? scalarInput(ctx, 6) : undefined;
  // With a shared buffer the cache is max_sequence long and the total is past_sequence_length + S.
  const t = shared ? (pastLen !== undefined ? dimAdd(pastLen, s) : p) : dimAdd(p, s);
  return { x, w, b, s, h, dq, dv, e: exactDiv(dq, h, 'Attention hidden size over num_heads'), ev: exactDiv(dv, h, 'Attention value size over num_heads'), t, present: shared ? p : dimAdd(p, s) };
}

const attention: OpRule = {
  shape: (ctx) => {
    const a = msAttention(ctx);
    return { outputs: [{ dtype: a.x.dtype, shape: [a.b, a.s, a.dv] }, { dtype: a.x.dtype, shape: [2, a.b, a.h, a.present, a.e] }] };
  },
  cost: (ctx) => {
    const a = msAttention(ctx);
    const proj = dimMul(dimMul(dimMul(a.b, a.s), a.x.shape[2]), a.w.shape[1]);
    const c = sdpaCost(a.b, a.h, a.s, a.t, a.e, a.ev);
    const bias = has(ctx, 2) ? dimMul(dimMul(a.b, a.s), a.w.shape[1]) : 0;
    return { macs: dimAdd(proj, c.macs), flops: dimAdd(dimAdd(dimMul(2, proj), c.flops), bias) };
  },
};

// ---------------------------------------------------------------- RotaryEmbedding

/** Fraction of each head that is rotated (rotary_embedding_dim, or the cos cache width, over head size). */
function rotatedFraction(ctx: RuleContext, x: readonly Dim[], cosSlot: number): number {
  const heads = attrInt(ctx.node, 'num_heads', 0);
  const head = x.length === 4 ? x[3] : heads > 0 && typeof x[2] === 'number' ? x[2] / heads : undefined;
  const rot = attrInt(ctx.node, 'rotary_embedding_dim', 0) || (typeof ctx.inputs[cosSlot]?.shape?.[1] === 'number' ? 2 * (ctx.inputs[cosSlot]!.shape![1] as number) : 0);
  return typeof head === 'number' && rot > 0 && rot < head ? rot / head : 1;
}

/** Rotary embedding: output like the input; `cosSlot` is where the cos cache sits (1 in opset 23, 2 here). */
export function rotaryRule(cosSlot: number): OpRule {
  return {
    shape: (ctx) => {
      const x = input(ctx, 0);
      if (x.shape.length !== 3 && x.shape.length !== 4) throw new RuleError(`RotaryEmbedding input of rank ${x.shape.length} (expected 3 or 4)`);
      return { outputs: [{ dtype: x.dtype, shape: x.shape }] };
    },
    cost: (ctx, outs) => ({ macs: 0, flops: rotaryFlops(outs[0].shape!, rotatedFraction(ctx, outs[0].shape!, cosSlot)) }),
  };
}

export const MS_ATTENTION_RULES: RuleTable = {
  GroupQueryAttention: groupQueryAttention,
  MultiHeadAttention: multiHeadAttention,
  Attention: attention,
  RotaryEmbedding: rotaryRule(2),
};
