/**
 * Synthetic analyses for the webview tests and bench: transformer-shaped graphs of any size, with
 * name scopes the way torch exports write them. Costs are filled by the textbook formulas (MatMul
 * [S,d]x[d,e] = S*d*e MACs) so heat overlays have something realistic to colour.
 */
import type { Analysis, LayerAnalysis, TensorSummary } from '../../src/core/analysis/types';

interface Opts {
  /** Blocks per stage and stages: total layers ≈ stages * blocks * 25. */
  blocks: number;
  stages?: number;
  hidden?: number;
  seq?: number;
}

export function syntheticTransformer(o: Opts): Analysis {
  const d = o.hidden ?? 256;
  const S = o.seq ?? 128;
  const layers: LayerAnalysis[] = [];
  const producers: Record<string, string> = {};
  const t = (name: string, shape: (number | string)[] = [1, S, d], dtype = 'float32'): TensorSummary => ({ name, dtype, shape });
  let uid = 0;
  const add = (scope: string[], type: string, inputs: TensorSummary[], outShape: number[], params = 0, macs = 0): TensorSummary => {
    const name = `/${[...scope, `${type}_${uid++}`].join('/')}`;
    const out = t(`${name}_output_0`, outShape);
    layers.push({ id: name, name, type, params, macs, flops: 2 * macs, weightBytes: 4 * params, inputs, outputs: [out], costed: true, scope });
    producers[out.name] = name;
    return out;
  };
  const input = t('input_ids', [1, S], 'int64');
  let x = add(['embeddings'], 'Gather', [input], [1, S, d], 30522 * d);
  x = add(['embeddings'], 'LayerNormalization', [x], [1, S, d], 2 * d, 5 * S * d);
  const stages = o.stages ?? 1;
  for (let s = 0; s < stages; s++) {
    for (let b = 0; b < o.blocks; b++) {
      const sc = stages > 1 ? ['encoder', `stage.${s}`, `layers.${b}`] : ['encoder', `layers.${b}`];
      const attn = [...sc, 'attention'];
      const ln1 = add([...sc, 'norm1'], 'LayerNormalization', [x], [1, S, d], 2 * d, 5 * S * d);
      const proj = (n: string): TensorSummary => {
        const m = add([...attn, n], 'MatMul', [ln1], [1, S, d], d * d, S * d * d);
        const ab = add([...attn, n], 'Add', [m], [1, S, d], d, S * d);
        const r = add(attn, 'Reshape', [ab], [1, S, 4, d / 4]);
        return add(attn, 'Transpose', [r], [1, 4, S, d / 4]);
      };
      const q = proj('query');
      const k = proj('key');
      const v = proj('value');
      const kt = add(attn, 'Transpose', [k], [1, 4, d / 4, S]);
      const sc1 = add(attn, 'MatMul', [q, kt], [1, 4, S, S], 0, S * S * d);
      const sc2 = add(attn, 'Div', [sc1], [1, 4, S, S], 0, 4 * S * S);
      const p = add(attn, 'Softmax', [sc2], [1, 4, S, S], 0, 4 * S * S);
      const ctx = add(attn, 'MatMul', [p, v], [1, 4, S, d / 4], 0, S * S * d);
      const ct = add(attn, 'Transpose', [ctx], [1, S, 4, d / 4]);
      const cr = add(attn, 'Reshape', [ct], [1, S, d]);
      const o1 = add([...attn, 'output'], 'MatMul', [cr], [1, S, d], d * d, S * d * d);
      const o2 = add([...attn, 'output'], 'Add', [o1], [1, S, d], d, S * d);
      const r1 = add(sc, 'Add', [x, o2], [1, S, d], 0, S * d);
      const ln2 = add([...sc, 'norm2'], 'LayerNormalization', [r1], [1, S, d], 2 * d, 5 * S * d);
      const f1 = add([...sc, 'ffn', 'fc1'], 'MatMul', [ln2], [1, S, 4 * d], 4 * d * d, 4 * S * d * d);
      const f1b = add([...sc, 'ffn', 'fc1'], 'Add', [f1], [1, S, 4 * d], 4 * d, 4 * S * d);
      const g = add([...sc, 'ffn'], 'Gelu', [f1b], [1, S, 4 * d], 0, 8 * S * d);
      const f2 = add([...sc, 'ffn', 'fc2'], 'MatMul', [g], [1, S, d], 4 * d * d, 4 * S * d * d);
      const f2b = add([...sc, 'ffn', 'fc2'], 'Add', [f2], [1, S, d], d, S * d);
      x = add(sc, 'Add', [r1, f2b], [1, S, d], 0, S * d);
    }
  }
  const pooled = add(['pooler'], 'Gather', [x], [1, d]);
  const logits = add(['classifier'], 'Gemm', [pooled], [1, 2], 2 * d + 2, 2 * d);
  const byType: Analysis['details']['byType'] = {};
  let params = 0;
  let macs = 0;
  for (const l of layers) {
    const e = (byType[l.type] ??= { count: 0, params: 0, macs: 0, flops: 0 });
    e.count++;
    e.params += l.params;
    e.macs = (e.macs as number) + (l.macs as number);
    e.flops = (e.flops as number) + (l.flops as number);
    params += l.params;
    macs += l.macs as number;
  }
  return {
    format: 'onnx', file: `/synthetic/transformer_${layers.length}.onnx`,
    inputs: [input], outputs: [logits],
    totals: { params, macs, flops: 2 * macs, weightBytes: 4 * params, peakActivationBytes: 4 * 4 * S * S * 4 },
    layers, notCosted: [],
    details: {
      constants: 0, nonFloatInitializerElements: 0, weightBytesByDtype: { float32: 4 * params }, boundDims: {}, freeDims: [],
      byType, producers, warnings: [],
    },
  };
}
