import type { Analysis } from '../analysis/types';
import type { Model, Node } from '../ir/graph';
import { finish } from './common';
import { WRITABLE_FLOATS, bytesToFloat32, floatsToBytes } from '../tensor/bytes';
import { elementCount } from '../ir/tensor';
import { Namer, absentTensor, cloneModel, floatTensor, newNode, pruneUnused, renameUses, typedTensor } from './graphEdit';
import type { FindOptions, KnobValues, Pass, RewriteOptions, Suggestion } from './types';
import { channelOf, weightSites } from './weightSites';
import { readWeights, relError } from './weights';

/**
 * Weight-only INT8: each float weight becomes int8 values + a per-output-channel scale, expanded back
 * at run time by DequantizeLinear (per-channel `axis` needs opset 13; older models get one scale per
 * tensor). Symmetric, zero point 0, scale = max|w|/127 per channel.
 */
/** ONNX TensorProto element types of the float types a weight can have (Cast's `to`). */
const ONNX_FLOAT_CODES: Record<string, number> = { float32: 1, float16: 10, float64: 11, bfloat16: 16 };

/**
 * Float tensors of at least 256 elements that stay float, and why, for the title: biases and norms
 * are few and sensitive; other consumers have no weight slot DequantizeLinear may feed here.
 */
function leftFloat(model: Model, quantized: Set<string>): string {
  const byOp = new Map<string, number>();
  for (const n of model.graph.nodes) {
    for (const name of n.inputs) {
      const t = name ? model.graph.initializers.get(name) : undefined;
      if (!t || quantized.has(name) || !WRITABLE_FLOATS.has(t.dtype) || elementCount(t) < 256) continue;
      byOp.set(n.opType, (byOp.get(n.opType) ?? 0) + elementCount(t));
    }
  }
  if (byOp.size === 0) return '';
  const parts = [...byOp].sort((a, b) => b[1] - a[1]).map(([op, e]) => `${op} ${e.toLocaleString('en-US')}`);
  return `. Left as float (biases, normalisation, other inputs): ${parts.join(', ')} elements`;
}

export const quantizeInt8: Pass = {
  name: 'quantize-int8',
  title: 'INT8 weight quantization (DequantizeLinear)',

  async find(model: Model, analysis: Analysis, opts?: FindOptions): Promise<Suggestion[]> {
    if (model.format !== 'onnx') return [];
    const sites = weightSites(model);
    if (sites.length === 0) return [];
    const left = leftFloat(model, new Set(sites.map((s) => s.tensor.name)));
    return [await finish(this, model, analysis, {
      pass: 'quantize-int8',
      // Weight-only: ONNX Runtime runs DequantizeLinear on every call (measured 3.3× slower on
      // mobilenet_v3_small), so the hint promises a smaller file, not a faster model.
      title: `Store ${sites.length} weight tensors (Conv/Gemm/MatMul, embedding tables, RNN W/R) as INT8 with per-channel scales: about 4× smaller; dequantized at run time, so not faster (often slower)${left}`,
      layers: [...new Set(sites.map((s) => s.node.id))],
      kind: 'approximate',
      knobs: [],
    }, opts)];
  },

  async rewrite(model: Model, s: Suggestion, _k: KnobValues, opts: RewriteOptions): Promise<Model> {
    const out = cloneModel(model);
    const g = out.graph;
    const namer = new Namer(g);
    const opset = model.opsets[''] ?? 0;
    const perChannel = opset >= 13;
    if ((model.opsets[''] ?? 0) < 10) out.opsets[''] = 10;
    const wanted = new Set(s.layers);
    for (const site of weightSites(model).filter((x) => wanted.has(x.node.id))) {
      const t = site.tensor;
      const C = perChannel ? t.dims[site.axis] : 1;
      // DequantizeLinear yields its scale's type: float32 always, float16/bfloat16 from opset 19,
      // float64 never. Otherwise it yields float32 and a Cast restores the weight's own type.
      const scaleType = t.dtype === 'float32' || ((t.dtype === 'float16' || t.dtype === 'bfloat16') && opset >= 19) ? t.dtype : 'float32';
      const qName = namer.fresh(`${t.name}_int8`);
      const sName = namer.fresh(`${t.name}_scale`);
      const zName = namer.fresh(`${t.name}_zero_point`);
      const dqOut = namer.fresh(`${t.name}_dequantized`);
      const cdims = perChannel ? [C] : [];
      if (opts.withWeights) {
        const W = await readWeights(t);
        const ch = perChannel ? channelOf(t.dims, site.axis) : () => 0;
        const maxAbs = new Float32Array(C);
        for (let i = 0; i < W.length; i++) maxAbs[ch(i)] = Math.max(maxAbs[ch(i)], Math.abs(W[i]));
        // The scale as stored (rounded to its type) is the one the error is measured with.
        const scale = bytesToFloat32(floatsToBytes(Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1)), scaleType), scaleType, C);
        const q = new Int8Array(W.length);
        const deq = new Float32Array(W.length);
        for (let i = 0; i < W.length; i++) {
          const sc = scale[ch(i)];
          q[i] = Math.max(-127, Math.min(127, Math.round(W[i] / sc)));
          deq[i] = q[i] * sc;
        }
        opts.onError?.({ layer: site.node.id, relError: relError(W, deq) });
        g.initializers.set(qName, typedTensor(qName, 'int8', t.dims, q));
        g.initializers.set(sName, floatTensor(sName, scaleType, cdims, scale));
        g.initializers.set(zName, typedTensor(zName, 'int8', cdims, new Int8Array(C)));
      } else {
        g.initializers.set(qName, absentTensor(qName, 'int8', t.dims));
        g.initializers.set(sName, absentTensor(sName, scaleType, cdims));
        g.initializers.set(zName, absentTensor(zName, 'int8', cdims));
      }
      const attrs: Node['attrs'] = perChannel ? { axis: { kind: 'int', value: site.axis } } : {};
      const added: Node[] = [];
      if (scaleType === t.dtype) {
        added.push(newNode(namer.fresh(`${site.node.id}_DequantizeLinear`), 'DequantizeLinear', [qName, sName, zName], [dqOut], attrs, site.node.scope));
      } else {
        const f32 = namer.fresh(`${t.name}_dequantized_f32`);
        added.push(newNode(namer.fresh(`${site.node.id}_DequantizeLinear`), 'DequantizeLinear', [qName, sName, zName], [f32], attrs, site.node.scope));
        added.push(newNode(namer.fresh(`${site.node.id}_Cast`), 'Cast', [f32], [dqOut], { to: { kind: 'int', value: ONNX_FLOAT_CODES[t.dtype] } }, site.node.scope));
      }
      renameUses(g, t.name, dqOut);
      g.nodes.splice(g.nodes.findIndex((n) => n.inputs.includes(dqOut)), 0, ...added);
    }
    pruneUnused(g);
    return out;
  },
};
