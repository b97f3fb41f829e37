import type { Analysis } from '../analysis/types';
import type { Model, Node } from '../ir/graph';
import { elementCount, type LazyTensor } from '../ir/tensor';
import { finish, knobValue } from './common';
import { Namer, absentTensor, cloneModel, floatTensor, pruneUnused, renameUses } from './graphEdit';
import type { FindOptions, Knob, KnobValues, Pass, RewriteOptions, Suggestion } from './types';
import { weightSites } from './weightSites';
import { readWeights, relError } from './weights';

const BITS: Knob = { name: 'bits', label: 'bits per weight: 2^bits shared values per layer', min: 2, max: 8, step: 1, default: 4 };

/** Bytes of a clustered tensor stored as packed b-bit indices plus a float32 codebook. */
export function clusteredBytes(elements: number, bits: number): number {
  return Math.ceil((elements * bits) / 8) + 4 * 2 ** bits;
}

/**
 * 1-D k-means (Lloyd) on sorted values: with the data sorted, each cluster is a contiguous run, so an
 * iteration is one linear scan with prefix sums. Centroids start at quantiles.
 */
export function kmeans1d(values: Float32Array, k: number, iters = 25): { centroids: Float64Array; assign: (v: number) => number } {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + sorted[i];
  let c = new Float64Array(Math.min(k, n));
  for (let j = 0; j < c.length; j++) c[j] = sorted[Math.min(n - 1, Math.floor(((j + 0.5) * n) / c.length))];
  c = Float64Array.from(new Set(c)).sort();
  const lower = (x: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let it = 0; it < iters; it++) {
    const next = new Float64Array(c.length);
    let start = 0;
    let moved = false;
    for (let j = 0; j < c.length; j++) {
      const end = j === c.length - 1 ? n : lower((c[j] + c[j + 1]) / 2);
      next[j] = end > start ? (prefix[end] - prefix[start]) / (end - start) : c[j];
      if (next[j] !== c[j]) moved = true;
      start = end;
    }
    c = next;
    if (!moved) break;
  }
  const cents = c;
  const assign = (v: number) => {
    let lo = 0;
    let hi = cents.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v > (cents[mid] + cents[mid + 1]) / 2) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return { centroids: cents, assign };
}

/**
 * The tensors to cluster: ONNX Conv/Gemm/MatMul weights, or Keras layers' kernels (Dense, Conv*,
 * depthwise/pointwise kernels, Embedding tables), each tensor once (a shared layer lists its weights on
 * every call). Biases and normalisation parameters are few and sensitive: left as they are.
 */
function sitesOf(model: Model, min: number): { node: Node; tensor: LazyTensor }[] {
  if (model.format !== 'keras') return weightSites(model, min);
  const g = model.graph;
  const seen = new Set<string>();
  const out: { node: Node; tensor: LazyTensor }[] = [];
  for (const node of g.nodes) {
    for (const w of node.weights ?? []) {
      const t = g.initializers.get(w);
      if (!t || seen.has(w) || t.dtype !== 'float32' || elementCount(t) < min || !/(^|\/)((depthwise_|pointwise_)?kernel|embeddings)$/.test(w)) continue;
      seen.add(w);
      out.push({ node, tensor: t });
    }
  }
  return out;
}

export const cluster: Pass = {
  name: 'cluster',
  title: 'Weight clustering (k-means codebook)',

  async find(model: Model, analysis: Analysis, opts?: FindOptions): Promise<Suggestion[]> {
    const sites = sitesOf(model, 1024);
    if (sites.length === 0) return [];
    const elems = sites.reduce((s, x) => s + elementCount(x.tensor), 0);
    const sug = await finish(this, model, analysis, {
      pass: 'cluster',
      title: `Cluster ${sites.length} weight tensors to 2^b shared values`,
      layers: [...new Set(sites.map((s) => s.node.id))],
      kind: 'approximate',
      knobs: [BITS],
      detail: { elements: elems, float32Bytes: 4 * elems, compressedBytes: clusteredBytes(elems, BITS.default) },
    }, opts);
    return [sug];
  },

  async rewrite(model: Model, s: Suggestion, knobs: KnobValues, opts: RewriteOptions): Promise<Model> {
    const bits = knobValue(knobs, BITS);
    const out = cloneModel(model);
    const g = out.graph;
    const namer = new Namer(g);
    const wanted = new Set(s.layers);
    const sites = sitesOf(model, 1024).filter((x) => wanted.has(x.node.id));
    for (const [i, site] of sites.entries()) {
      const t = site.tensor;
      // Keras layers own their weights by name (the name is the file's): the values change in place.
      const name = model.format === 'keras' ? t.name : namer.fresh(`${t.name}_clustered${bits}b`);
      if (opts.withWeights) {
        opts.onProgress?.(i / sites.length, `k-means on ${t.name}`);
        const W = await readWeights(t);
        const { centroids, assign } = kmeans1d(W, 2 ** bits);
        const C = Float32Array.from(W, (v) => centroids[assign(v)]);
        opts.onError?.({ layer: site.node.id, relError: relError(W, C) });
        g.initializers.set(name, floatTensor(name, t.dtype, t.dims, C));
      } else {
        g.initializers.set(name, absentTensor(name, t.dtype, t.dims));
      }
      if (name !== t.name) renameUses(g, t.name, name);
    }
    pruneUnused(g);
    return out;
  },
};
