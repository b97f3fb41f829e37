import type { Analysis } from '../analysis/types';
import { attrFloat, attrInt, type Model, type Node } from '../ir/graph';
import { finish, kerasConfig } from './common';
import { WRITABLE_FLOATS } from '../tensor/bytes';
import { GraphIndex, Namer, absentTensor, cloneModel, floatTensor, initializer, pruneUnused, removeNode, renameUses } from './graphEdit';
import type { FindOptions, KnobValues, Pass, RewriteOptions, Suggestion } from './types';
import { readWeights } from './weights';
import { table } from '../tables';

/**
 * BatchNormalization after a Conv or Gemm is an affine map per output channel, so it folds into the
 * weights: W'[c] = W[c]·s[c], b'[c] = (b[c] - mean[c])·s[c] + beta[c], s = gamma/sqrt(var + eps).
 */
interface Site {
  prod: Node;
  bn: Node;
}

function sites(model: Model): Site[] {
  const g = model.graph;
  const ix = new GraphIndex(g);
  const out: Site[] = [];
  for (const bn of g.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.domain !== '') continue;
    if (bn.outputs.filter((o) => o).length !== 1 || attrInt(bn, 'training_mode', 0) !== 0) continue;
    if (!bn.inputs.slice(1, 5).every((i) => initializer(g, i))) continue;
    const prod = ix.producer.get(bn.inputs[0]);
    if (!prod || prod.domain !== '' || ix.soleConsumer(bn.inputs[0]) !== bn) continue;
    const w = initializer(g, prod.inputs[1]);
    if (!w || !WRITABLE_FLOATS.has(w.dtype) || (prod.inputs[2] && !initializer(g, prod.inputs[2]))) continue;
    // A weight shared with another node would change that node too.
    if (ix.uses(prod.inputs[1]).length !== 1) continue;
    const c = initializer(g, bn.inputs[1])!.dims[0];
    if (prod.opType === 'Conv' && w.dims[0] === c) out.push({ prod, bn });
    else if (prod.opType === 'Gemm' && w.dims.length === 2 && w.dims[attrInt(prod, 'transB', 0) ? 0 : 1] === c && attrInt(prod, 'transA', 0) === 0) {
      const bias = initializer(g, prod.inputs[2]);
      if (!bias || bias.dims.length <= 1) out.push({ prod, bn });
    }
  }
  return out;
}

/** Keras: Conv2D / DepthwiseConv2D / Dense with a linear activation, followed by BatchNormalization on the last axis. */
interface KerasSite {
  prod: Node;
  bn: Node;
  kernel: string;
  bias?: string;
  c: number;
}

const KERAS_PRODUCERS: Record<string, number> = table({ Conv2D: 4, Conv1D: 3, DepthwiseConv2D: 4, Dense: 2 });

function kerasSites(model: Model): KerasSite[] {
  const g = model.graph;
  const ix = new GraphIndex(g);
  const out: KerasSite[] = [];
  for (const bn of g.nodes) {
    if (bn.domain !== 'keras' || bn.opType !== 'BatchNormalization' || bn.inputs.length !== 1 || ix.outputs.has(bn.outputs[0])) continue;
    const prod = ix.producer.get(bn.inputs[0]);
    if (!prod || prod.domain !== 'keras' || !(prod.opType in KERAS_PRODUCERS) || ix.soleConsumer(bn.inputs[0]) !== bn) continue;
    const cfg = kerasConfig(prod);
    if ((cfg.activation ?? 'linear') !== 'linear') continue;
    const rank = KERAS_PRODUCERS[prod.opType];
    const axis = kerasConfig(bn).axis;
    const ax = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
    if (!(ax === -1 || ax === rank - 1)) continue;
    const kernel = prod.weights?.find((w) => /(^|\/)(depthwise_)?kernel(:\d+)?$/.test(w));
    const bias = prod.weights?.find((w) => /(^|\/)bias(:\d+)?$/.test(w));
    const kt = kernel ? g.initializers.get(kernel) : undefined;
    const mean = bn.weights?.find((w) => /moving_mean/.test(w));
    const c = mean ? g.initializers.get(mean)?.dims[0] : undefined;
    if (!kt || c === undefined || kt.dims.length < 2) continue;
    const outC = prod.opType === 'DepthwiseConv2D' ? kt.dims[kt.dims.length - 2] * kt.dims[kt.dims.length - 1] : kt.dims[kt.dims.length - 1];
    if (outC !== c || (prod.weights ?? []).some((w) => ix.uses(w).length !== 1)) continue;
    out.push({ prod, bn, kernel: kernel!, bias, c });
  }
  return out;
}

async function rewriteKeras(model: Model, s: Suggestion, opts: RewriteOptions): Promise<Model> {
  const out = cloneModel(model);
  const g = out.graph;
  const wanted = new Set(s.layers);
  for (const site of kerasSites(model).filter((x) => wanted.has(x.bn.id))) {
    const { prod, bn, c } = site;
    const kt = g.initializers.get(site.kernel)!;
    const biasName = site.bias ?? `${prod.name}/bias`;
    const bnW = (re: RegExp) => bn.weights?.find((w) => re.test(w));
    let kernel = absentTensor(kt.name, kt.dtype, kt.dims);
    let bias = absentTensor(biasName, kt.dtype, [c]);
    if (opts.withWeights) {
      const K = await readWeights(kt);
      const get = async (re: RegExp, dflt: number) => {
        const name = bnW(re);
        return name ? readWeights(g.initializers.get(name)!) : new Float32Array(c).fill(dflt);
      };
      const [gamma, beta, mean, vr] = await Promise.all([get(/gamma/, 1), get(/beta/, 0), get(/moving_mean/, 0), get(/moving_variance/, 1)]);
      const oldB = site.bias ? await readWeights(g.initializers.get(site.bias)!) : new Float32Array(c);
      const eps = Number(kerasConfig(bn).epsilon ?? 1e-3);
      const scale = Float64Array.from(gamma, (gm, k) => gm / Math.sqrt(vr[k] + eps));
      // Channels-last kernels: the output channel is the fastest-varying index.
      kernel = floatTensor(kt.name, kt.dtype, kt.dims, Float32Array.from(K, (v, i) => v * scale[i % c]));
      bias = floatTensor(biasName, kt.dtype, [c], Float32Array.from(oldB, (b, k) => (b - mean[k]) * scale[k] + beta[k]));
    }
    g.initializers.set(kt.name, kernel);
    g.initializers.set(biasName, bias);
    const cfg = { ...kerasConfig(prod), use_bias: true };
    // The current node, not the site's snapshot: an earlier fold may have renamed its input.
    const i = g.nodes.findIndex((n) => n.id === prod.id);
    const cur = g.nodes[i];
    g.nodes[i] = { ...cur, attrs: { ...cur.attrs, config: { kind: 'json', value: cfg } }, weights: site.bias ? [...cur.weights!] : [...cur.weights!, biasName] };
    removeNode(g, bn.id);
    renameUses(g, bn.outputs[0], prod.outputs[0]);
  }
  pruneUnused(g);
  return out;
}

export const bnFold: Pass = {
  name: 'bn-fold',
  title: 'Fold BatchNorm into the preceding layer',

  async find(model: Model, analysis: Analysis, opts?: FindOptions): Promise<Suggestion[]> {
    const found = model.format === 'keras' ? kerasSites(model) : sites(model);
    if (found.length === 0) return [];
    return [await finish(this, model, analysis, {
      pass: 'bn-fold',
      title: `Fold ${found.length} BatchNorm layer${found.length > 1 ? 's' : ''} into the preceding Conv/Gemm (exact)`,
      layers: found.flatMap((s) => [s.prod.id, s.bn.id]),
      kind: 'exact',
      knobs: [],
    }, opts)];
  },

  async rewrite(model: Model, s: Suggestion, _knobs: KnobValues, opts: RewriteOptions): Promise<Model> {
    if (model.format === 'keras') return rewriteKeras(model, s, opts);
    const out = cloneModel(model);
    const g = out.graph;
    const namer = new Namer(g);
    const wanted = new Set(s.layers);
    for (const { prod, bn } of sites(model)) {
      if (!wanted.has(bn.id)) continue;
      const w = initializer(g, prod.inputs[1])!;
      const trans = prod.opType === 'Gemm' && attrInt(prod, 'transB', 0) === 0;
      const c = initializer(g, bn.inputs[1])!.dims[0];
      const wName = namer.fresh(`${w.name}_bnfold`);
      const bName = namer.fresh(`${prod.outputs[0]}_bnfold_bias`);
      let newW = absentTensor(wName, w.dtype, w.dims);
      let newB = absentTensor(bName, w.dtype, [c]);
      if (opts.withWeights) {
        const [W, gamma, beta, mean, vr] = await Promise.all([w, ...bn.inputs.slice(1, 5).map((i) => initializer(g, i)!)].map(readWeights));
        const oldB = prod.inputs[2] ? await readWeights(initializer(g, prod.inputs[2])!) : undefined;
        const eps = attrFloat(bn, 'epsilon', 1e-5);
        const scale = new Float64Array(c);
        for (let k = 0; k < c; k++) scale[k] = gamma[k] / Math.sqrt(vr[k] + eps);
        const Wn = new Float32Array(W.length);
        if (trans) {
          // Gemm with B as [K, N]: output channel = column.
          for (let i = 0; i < W.length; i++) Wn[i] = W[i] * scale[i % c];
        } else {
          const per = W.length / c;
          for (let i = 0; i < W.length; i++) Wn[i] = W[i] * scale[Math.floor(i / per)];
        }
        const beta0 = prod.opType === 'Gemm' ? attrFloat(prod, 'beta', 1) : 1;
        const alpha = prod.opType === 'Gemm' ? attrFloat(prod, 'alpha', 1) : 1;
        if (alpha !== 1) for (let i = 0; i < Wn.length; i++) Wn[i] *= alpha;
        const Bn = new Float32Array(c);
        for (let k = 0; k < c; k++) {
          const b = oldB ? beta0 * oldB[oldB.length === 1 ? 0 : k] : 0;
          Bn[k] = (b - mean[k]) * scale[k] + beta[k];
        }
        newW = floatTensor(wName, w.dtype, w.dims, Wn);
        newB = floatTensor(bName, w.dtype, [c], Bn);
      }
      g.initializers.set(wName, newW);
      g.initializers.set(bName, newB);
      const attrs = { ...prod.attrs };
      if (prod.opType === 'Gemm') {
        delete attrs.alpha;
        delete attrs.beta;
      }
      // The current node, not the site's snapshot: an earlier fold may have renamed its input.
      const at = g.nodes.findIndex((n) => n.id === prod.id);
      const cur = g.nodes[at];
      g.nodes[at] = { ...cur, inputs: [cur.inputs[0], wName, bName], outputs: [...cur.outputs], attrs };
      removeNode(g, bn.id);
      renameUses(g, bn.outputs[0], prod.outputs[0]);
      if (g.outputs.some((o) => o.name === bn.outputs[0])) {
        // Keep the graph's output name: the folded layer now produces it.
        const i = g.nodes.findIndex((n) => n.id === prod.id);
        renameUses(g, prod.outputs[0], bn.outputs[0]);
        g.nodes[i] = { ...g.nodes[i], outputs: [bn.outputs[0], ...prod.outputs.slice(1)] };
      }
      g.valueInfo.delete(prod.outputs[0]);
    }
    pruneUnused(g);
    return out;
  },
};
