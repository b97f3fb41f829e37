import type { Analysis } from '../analysis/types';
import type { Model, Node } from '../ir/graph';
import { elementCount, type LazyTensor } from '../ir/tensor';
import { finish, knobValue } from './common';
import { inlineTensor } from '../ir/tensor';
import { bytesToFloat32, floatsToBytes } from '../tensor/bytes';
import { Namer, absentTensor, cloneModel, floatTensor, newNode, pruneUnused, renameUses } from './graphEdit';
import type { FindOptions, Knob, KnobValues, Pass, RewriteOptions, Suggestion } from './types';
import { weightSites } from './weightSites';
import { readWeights, relError } from './weights';

const BITS: Knob = { name: 'bits', label: 'bits per weight: 2^bits shared values per layer', min: 2, max: 8, step: 1, default: 4 };

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

/** Index storage of a clustered ONNX weight: packed uint4 needs opset 21 (Cast from uint4); else uint8. */
export function indexType(bits: number, opset: number): 'uint4' | 'uint8' {
  return bits <= 4 && opset >= 21 ? 'uint4' : 'uint8';
}

/** Indices as stored: uint8 one per byte; uint4 two per byte, element 0 in the low nibble (ONNX packing). */
function packIndices(idx: Uint8Array, type: 'uint4' | 'uint8'): Uint8Array {
  if (type === 'uint8') return idx;
  const out = new Uint8Array(Math.ceil(idx.length / 2));
  for (let i = 0; i < idx.length; i++) out[i >> 1] |= (idx[i] & 15) << ((i & 1) * 4);
  return out;
}

export const cluster: Pass = {
  name: 'cluster',
  title: 'Weight clustering (k-means codebook)',

  async find(model: Model, analysis: Analysis, opts?: FindOptions): Promise<Suggestion[]> {
    const sites = sitesOf(model, 1024);
    if (sites.length === 0) return [];
    const elems = sites.reduce((s, x) => s + elementCount(x.tensor), 0);
    const onnx = model.format !== 'keras';
    const idx = indexType(BITS.default, model.opsets[''] ?? 0);
    const storage = onnx
      ? `stored as a 2^b-value codebook + ${idx} indices (Cast + Gather)${idx === 'uint8' ? '; packed 4-bit indices need opset 21' : ''}`
      : 'values written back as float32 (Keras has no codebook storage): a smaller file only after compression (zip)';
    const sug = await finish(this, model, analysis, {
      pass: 'cluster',
      title: `Cluster ${sites.length} weight tensors to 2^b shared values, ${storage}`,
      layers: [...new Set(sites.map((s) => s.node.id))],
      kind: 'approximate',
      knobs: [BITS],
      detail: { elements: elems },
    }, opts);
    return [sug];
  },

  async rewrite(model: Model, s: Suggestion, knobs: KnobValues, opts: RewriteOptions): Promise<Model> {
    const bits = knobValue(knobs, BITS);
    if (model.format !== 'keras') return rewriteOnnx(model, s, bits, opts);
    const out = cloneModel(model);
    const g = out.graph;
    const wanted = new Set(s.layers);
    const sites = sitesOf(model, 1024).filter((x) => wanted.has(x.node.id));
    for (const [i, site] of sites.entries()) {
      const t = site.tensor;
      // Keras layers own their weights by name (the name is the file's): the values change in place.
      if (opts.withWeights) {
        opts.onProgress?.(i / sites.length, `k-means on ${t.name}`);
        const W = await readWeights(t);
        const { centroids, assign } = kmeans1d(W, 2 ** bits);
        const C = Float32Array.from(W, (v) => centroids[assign(v)]);
        opts.onError?.({ layer: site.node.id, relError: relError(W, C) });
        g.initializers.set(t.name, floatTensor(t.name, t.dtype, t.dims, C));
      } else {
        g.initializers.set(t.name, absentTensor(t.name, t.dtype, t.dims));
      }
    }
    pruneUnused(g);
    return out;
  },
};

/**
 * ONNX: W becomes Gather(codebook, Cast(indices → int64)), the codebook 2^b values in W's float type
 * (padded to exactly 2^b so the structure-only delta is the written one), the indices uint8 or packed
 * uint4 with W's shape. ONNX Runtime folds the constant subgraph at load, so runs are unaffected.
 */
async function rewriteOnnx(model: Model, s: Suggestion, bits: number, opts: RewriteOptions): Promise<Model> {
  const out = cloneModel(model);
  const g = out.graph;
  const namer = new Namer(g);
  const k = 2 ** bits;
  const idxType = indexType(bits, model.opsets[''] ?? 0);
  const wanted = new Set(s.layers);
  const sites = sitesOf(model, 1024).filter((x) => wanted.has(x.node.id));
  for (const [i, site] of sites.entries()) {
    const t = site.tensor;
    const cb = namer.fresh(`${t.name}_codebook`);
    const ix = namer.fresh(`${t.name}_indices`);
    const ix64 = namer.fresh(`${t.name}_indices_int64`);
    const val = namer.fresh(`${t.name}_clustered${bits}b`);
    if (opts.withWeights) {
      opts.onProgress?.(i / sites.length, `k-means on ${t.name}`);
      const W = await readWeights(t);
      const { centroids, assign } = kmeans1d(W, k);
      const book = new Float64Array(k).fill(centroids[centroids.length - 1]);
      book.set(centroids);
      // The error is measured against the codebook as stored (rounded to the weight's type).
      const stored = bytesToFloat32(floatsToBytes(book, t.dtype), t.dtype, k);
      const idx = new Uint8Array(W.length);
      const C = new Float32Array(W.length);
      for (let j = 0; j < W.length; j++) {
        idx[j] = assign(W[j]);
        C[j] = stored[idx[j]];
      }
      opts.onError?.({ layer: site.node.id, relError: relError(W, C) });
      g.initializers.set(cb, floatTensor(cb, t.dtype, [k], book));
      g.initializers.set(ix, inlineTensor(ix, idxType, t.dims, packIndices(idx, idxType)));
    } else {
      g.initializers.set(cb, absentTensor(cb, t.dtype, [k]));
      g.initializers.set(ix, absentTensor(ix, idxType, t.dims));
    }
    renameUses(g, t.name, val);
    const cast = newNode(namer.fresh(`${site.node.id}_indices_Cast`), 'Cast', [ix], [ix64], { to: { kind: 'int', value: 7 } }, site.node.scope);
    const gather = newNode(namer.fresh(`${site.node.id}_codebook_Gather`), 'Gather', [cb, ix64], [val], {}, site.node.scope);
    g.nodes.splice(g.nodes.findIndex((n) => n.inputs.includes(val)), 0, cast, gather);
  }
  pruneUnused(g);
  return out;
}
