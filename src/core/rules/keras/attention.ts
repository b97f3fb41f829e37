import { dimAdd, dimMul, dimProduct, type Dim } from '../../ir/dim';
import { RuleError } from '../types';
import type { KerasConfig, LayerRule, WeightSpec } from './types';
import { bool, num, out, shapeOf, staticDim } from './util';

/** Inputs are [query, value, key?]; key defaults to value. */
function qkv(inputs: Parameters<LayerRule['shape']>[1]) {
  if (inputs.length < 2) throw new RuleError('MultiHeadAttention needs query and value inputs');
  const q = shapeOf(inputs[0], 'query');
  const v = shapeOf(inputs[1], 'value');
  const k = inputs[2] ? shapeOf(inputs[2], 'key') : v;
  return { q, v, k };
}

function dims(cfg: KerasConfig, q: Dim[]) {
  const heads = num(cfg, 'num_heads', 1);
  const kd = num(cfg, 'key_dim', 0);
  const vd = cfg.value_dim === null || cfg.value_dim === undefined ? kd : num(cfg, 'value_dim', kd);
  const os = cfg.output_shape;
  const outDims: Dim[] = Array.isArray(os) ? os.map(Number) : typeof os === 'number' ? [os] : [q[q.length - 1]];
  return { heads, kd, vd, outDims };
}

/**
 * MultiHeadAttention (attention over the middle axes): Q/K/V projections, QK^T, AV and the output
 * projection. Weights follow Keras: query/key/value kernels [d, heads, dim] with bias [heads, dim],
 * output kernel [heads, value_dim, ...out] with bias [...out].
 */
export const multiHeadAttention: LayerRule = {
  shape(cfg, inputs) {
    const { q } = qkv(inputs);
    const { outDims } = dims(cfg, q);
    return [out(inputs[0].dtype, [...q.slice(0, -1), ...outDims])];
  },
  weights(cfg, inputs) {
    const { q, v, k } = qkv(inputs);
    const { heads, kd, vd, outDims } = dims(cfg, q);
    const bias = bool(cfg, 'use_bias', true);
    const dq = staticDim(q[q.length - 1], 'query features');
    const dk = staticDim(k[k.length - 1], 'key features');
    const dv = staticDim(v[v.length - 1], 'value features');
    const od = outDims.map((d) => staticDim(d, 'output features'));
    const w: WeightSpec[] = [];
    const proj = (name: string, d: number, h: number) => {
      w.push({ name: `${name}/kernel`, dims: [d, heads, h] });
      if (bias) w.push({ name: `${name}/bias`, dims: [heads, h] });
    };
    proj('query', dq, kd);
    proj('key', dk, kd);
    proj('value', dv, vd);
    w.push({ name: 'attention_output/kernel', dims: [heads, vd, ...od] });
    if (bias) w.push({ name: 'attention_output/bias', dims: od });
    return w;
  },
  cost(cfg, inputs, outputs) {
    const { q, v, k } = qkv(inputs);
    const { heads, kd, vd } = dims(cfg, q);
    const tq = dimProduct(q.slice(0, -1)); // batch * query positions
    const tk = dimProduct(k.slice(0, -1));
    const tv = dimProduct(v.slice(0, -1));
    const lk = dimProduct(k.slice(1, -1));
    const outF = dimProduct(shapeOf(outputs[0]).slice(q.length - 1));
    const projections = dimAdd(dimAdd(dimMul(tq, dimMul(q[q.length - 1], heads * kd)), dimMul(tk, dimMul(k[k.length - 1], heads * kd))), dimMul(tv, dimMul(v[v.length - 1], heads * vd)));
    const scores = dimMul(dimMul(tq, lk), heads * kd); // QK^T: per query position, per key position
    const mix = dimMul(dimMul(tq, lk), heads * vd); // AV
    const output = dimMul(tq, dimMul(outF, heads * vd));
    const macs = dimAdd(dimAdd(projections, scores), dimAdd(mix, output));
    // Softmax 5 FLOPs per score (ONNX convention); biases one per projected element.
    const softmax = dimMul(dimMul(tq, lk), 5 * heads);
    const biases = bool(cfg, 'use_bias', true) ? dimAdd(dimAdd(dimMul(tq, heads * kd), dimMul(tk, heads * kd)), dimAdd(dimMul(tv, heads * vd), dimMul(tq, outF))) : 0;
    return { macs, flops: dimAdd(dimAdd(dimMul(macs, 2), softmax), biases) };
  },
};

/**
 * Attention (dot) / AdditiveAttention: inputs [query, value, key?]; no projections. Weights: a
 * scalar scale (Attention with use_scale) or a [dim] scale (AdditiveAttention with use_scale).
 * MACs: scores Tq*Tv*d plus the weighted sum Tq*Tv*dv, per batch.
 */
export function attention(kind: 'dot' | 'additive'): LayerRule {
  return {
    shape(_cfg, inputs) {
      const { q, v } = qkv(inputs);
      return [out(inputs[0].dtype, [...q.slice(0, -1), v[v.length - 1]])];
    },
    weights(cfg, inputs) {
      if (!bool(cfg, 'use_scale', kind === 'additive')) return [];
      const { q } = qkv(inputs);
      return [{ name: 'scale', dims: kind === 'dot' ? [] : [staticDim(q[q.length - 1], 'query features')] }];
    },
    cost(_cfg, inputs) {
      const { q, v, k } = qkv(inputs);
      const pairs = dimMul(dimProduct(q.slice(0, -1)), dimProduct(k.slice(1, -1)));
      const macs = dimAdd(dimMul(pairs, q[q.length - 1]), dimMul(pairs, v[v.length - 1]));
      return { macs, flops: dimAdd(dimMul(macs, 2), dimMul(pairs, 5)) };
    },
  };
}
