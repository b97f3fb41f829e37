import type { Analysis } from '../analysis/types';
import type { Model, Node } from '../ir/graph';
import { finish } from './common';
import { Namer, absentTensor, cloneModel, f32Tensor, newNode, pruneUnused, renameUses, typedTensor } from './graphEdit';
import type { FindOptions, KnobValues, Pass, RewriteOptions, Suggestion } from './types';
import { channelOf, weightSites } from './weightSites';
import { readWeights, relError } from './weights';

/**
 * Weight-only INT8: each float weight becomes int8 values + a per-output-channel scale, expanded back
 * at run time by DequantizeLinear (per-channel `axis` needs opset 13; older models get one scale per
 * tensor). Symmetric, zero point 0, scale = max|w|/127 per channel.
 */
export const quantizeInt8: Pass = {
  name: 'quantize-int8',
  title: 'INT8 weight quantization (DequantizeLinear)',

  async find(model: Model, analysis: Analysis, opts?: FindOptions): Promise<Suggestion[]> {
    if (model.format !== 'onnx') return [];
    const sites = weightSites(model);
    if (sites.length === 0) return [];
    return [await finish(this, model, analysis, {
      pass: 'quantize-int8',
      // Weight-only: ONNX Runtime runs DequantizeLinear on every call (measured 3.3× slower on
      // mobilenet_v3_small), so the hint promises a smaller file, not a faster model.
      title: `Store ${sites.length} weight tensors as INT8 with per-channel scales: about 4× smaller file; dequantized at run time, so not faster (often slower)`,
      layers: sites.map((s) => s.node.id),
      kind: 'approximate',
      knobs: [],
    }, opts)];
  },

  async rewrite(model: Model, s: Suggestion, _k: KnobValues, opts: RewriteOptions): Promise<Model> {
    const out = cloneModel(model);
    const g = out.graph;
    const namer = new Namer(g);
    const perChannel = (model.opsets[''] ?? 0) >= 13;
    if ((model.opsets[''] ?? 0) < 10) out.opsets[''] = 10;
    const wanted = new Set(s.layers);
    for (const site of weightSites(model).filter((x) => wanted.has(x.node.id))) {
      const t = site.tensor;
      const C = perChannel ? t.dims[site.axis] : 1;
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
        const scale = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
        const q = new Int8Array(W.length);
        const deq = new Float32Array(W.length);
        for (let i = 0; i < W.length; i++) {
          const sc = scale[ch(i)];
          q[i] = Math.max(-127, Math.min(127, Math.round(W[i] / sc)));
          deq[i] = q[i] * sc;
        }
        opts.onError?.({ layer: site.node.id, relError: relError(W, deq) });
        g.initializers.set(qName, typedTensor(qName, 'int8', t.dims, q));
        g.initializers.set(sName, f32Tensor(sName, cdims, scale));
        g.initializers.set(zName, typedTensor(zName, 'int8', cdims, new Int8Array(C)));
      } else {
        g.initializers.set(qName, absentTensor(qName, 'int8', t.dims));
        g.initializers.set(sName, absentTensor(sName, 'float32', cdims));
        g.initializers.set(zName, absentTensor(zName, 'int8', cdims));
      }
      renameUses(g, t.name, dqOut);
      const attrs: Node['attrs'] = perChannel ? { axis: { kind: 'int', value: site.axis } } : {};
      const dq = newNode(namer.fresh(`${site.node.id}_DequantizeLinear`), 'DequantizeLinear', [qName, sName, zName], [dqOut], attrs, site.node.scope);
      g.nodes.splice(g.nodes.findIndex((n) => n.inputs.includes(dqOut)), 0, dq);
    }
    pruneUnused(g);
    return out;
  },
};
