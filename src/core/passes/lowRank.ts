import type { Analysis } from '../analysis/types';
import { attrInt, attrInts, type Model, type Node } from '../ir/graph';
import { finish, kerasConfig, knobValue } from './common';
import { WRITABLE_FLOATS } from '../tensor/bytes';
import { GraphIndex, Namer, absentTensor, cloneModel, floatTensor, initializer, newNode, pruneUnused } from './graphEdit';
import { truncatedSvd } from './linalg/svd';
import type { FindOptions, Knob, KnobValues, Pass, RewriteOptions, Suggestion } from './types';
import { readWeights } from './weights';

/**
 * A layer y = x·W (W: K×N) becomes y = (x·L)·R with W ≈ L·R, L: K×r, R: r×N — fewer weights and MACs
 * when r·(K+N) < K·N. The weight is viewed as the matrix M (m×n) the SVD factors; each site says how M
 * maps to the stored tensor and how the two new layers are built.
 */
interface Site {
  node: Node;
  kind: 'matmul' | 'gemm' | 'conv1x1' | 'dense';
  /** Stored weight name. */
  weight: string;
  m: number;
  n: number;
}

function sites(model: Model): Site[] {
  const g = model.graph;
  const ix = new GraphIndex(g);
  const out: Site[] = [];
  for (const node of g.nodes) {
    if (node.domain === 'keras') {
      const kernel = node.weights?.find((w) => /kernel/.test(w));
      const t = kernel ? g.initializers.get(kernel) : undefined;
      if (node.opType === 'Dense' && t && t.dims.length === 2) out.push({ node, kind: 'dense', weight: kernel!, m: t.dims[0], n: t.dims[1] });
      continue;
    }
    if (node.domain !== '') continue;
    const w = initializer(g, node.inputs[1]);
    if (!w || w.dims.length < 2 || !WRITABLE_FLOATS.has(w.dtype) || ix.uses(w.name).length !== 1) continue;
    if (node.opType === 'MatMul' && w.dims.length === 2) out.push({ node, kind: 'matmul', weight: w.name, m: w.dims[0], n: w.dims[1] });
    else if (node.opType === 'Gemm' && attrInt(node, 'transA', 0) === 0) {
      // Stored B is K×N (transB=0) or N×K (transB=1); factor it as stored.
      out.push({ node, kind: 'gemm', weight: w.name, m: w.dims[0], n: w.dims[1] });
    } else if (node.opType === 'Conv' && w.dims.length === 4 && w.dims[2] === 1 && w.dims[3] === 1 && attrInt(node, 'group', 1) === 1) {
      out.push({ node, kind: 'conv1x1', weight: w.name, m: w.dims[0], n: w.dims[1] });
    }
  }
  const factored = factoredPairs(out, ix);
  return out.filter((s) => Math.min(s.m, s.n) >= 8 && !factored.has(s.node.id));
}

/** Input and output widths of a site's linear map (M is stored as K×N, N×K or Cout×Cin). */
function widths(s: Site): { inW: number; outW: number } {
  const transposed = s.kind === 'conv1x1' || (s.kind === 'gemm' && attrInt(s.node, 'transB', 0) === 1);
  return transposed ? { inW: s.n, outW: s.m } : { inW: s.m, outW: s.n };
}

/** No bias and no activation: its output is exactly x·M. */
function purelyLinear(s: Site): boolean {
  if (s.kind !== 'dense') return s.node.inputs.filter(Boolean).length === 2;
  const cfg = kerasConfig(s.node);
  return cfg.use_bias === false && (cfg.activation === undefined || cfg.activation === 'linear');
}

/**
 * Layers that already are the two halves of a factorisation — a linear layer into a narrower width r
 * feeding straight into a layer that widens again — such as this pass writes. Factoring either half
 * again would only lower r further, which the rank knob of the original suggestion already offers.
 */
function factoredPairs(all: Site[], ix: GraphIndex): Set<string> {
  const byNode = new Map(all.map((s) => [s.node.id, s]));
  const out = new Set<string>();
  for (const first of all) {
    if (!purelyLinear(first)) continue;
    const next = ix.soleConsumer(first.node.outputs[0]);
    const second = next && byNode.get(next.id);
    if (!second || second.node.inputs[0] !== first.node.outputs[0]) continue;
    const r = widths(first).outW;
    if (r < widths(first).inW && r < widths(second).outW) {
      out.add(first.node.id);
      out.add(second.node.id);
    }
  }
  return out;
}

const knobsFor = (s: Site): Knob[] => [
  { name: 'ratio', label: 'fraction of the layer\'s weights to keep', min: 0.02, max: 0.95, step: 0.01, default: 0.25 },
  { name: 'rank', label: 'rank r of W ≈ L·R (overrides ratio)', min: 1, max: Math.min(s.m, s.n) - 1, step: 1, default: rankForRatio(s, 0.25) },
  { name: 'energy', label: 'kept fraction of Σσ² (overrides ratio; needs the weights)', min: 0.5, max: 0.9999, step: 0.0001, default: 0.9 },
];

function rankForRatio(s: Site, ratio: number): number {
  return Math.max(1, Math.min(Math.min(s.m, s.n) - 1, Math.floor((ratio * s.m * s.n) / (s.m + s.n))));
}

/**
 * The rank a Keras JSON edit writes for an m×n Dense kernel (rank, else ratio). The energy knob needs
 * the singular values, i.e. the weights, which a JSON text does not hold: undefined then.
 */
export function denseRankForKnobs(m: number, n: number, knobs: KnobValues): number | undefined {
  const c = chooseRank({ m, n } as Site, knobs);
  return c.rank;
}

/** Priority: an explicit rank, then energy, then ratio (the default). */
function chooseRank(s: Site, knobs: KnobValues): { rank?: number; energy?: number } {
  const ks = knobsFor(s);
  if (knobs.rank !== undefined) return { rank: knobValue(knobs, ks[1]) };
  if (knobs.energy !== undefined) return { energy: knobValue(knobs, ks[2]) };
  return { rank: rankForRatio(s, knobValue(knobs, ks[0])) };
}

export const lowRank: Pass = {
  name: 'low-rank',
  title: 'Low-rank factorisation W ≈ L·R',

  async find(model: Model, analysis: Analysis, opts?: FindOptions): Promise<Suggestion[]> {
    const out: Suggestion[] = [];
    for (const s of sites(model)) {
      out.push(await finish(this, model, analysis, {
        pass: 'low-rank',
        title: `Factorise ${s.node.name} (${s.m}×${s.n}) into two rank-r layers`,
        layers: [s.node.id],
        kind: 'approximate',
        knobs: knobsFor(s),
        detail: { m: s.m, n: s.n },
      }, opts));
      out[out.length - 1].at = { ratio: 0.25 };
    }
    return out;
  },

  async rewrite(model: Model, sug: Suggestion, knobs: KnobValues, opts: RewriteOptions): Promise<Model> {
    const out = cloneModel(model);
    const g = out.graph;
    const namer = new Namer(g);
    const wanted = new Set(sug.layers);
    const todo = sites(model).filter((s) => wanted.has(s.node.id));
    let done = 0;
    for (const s of todo) {
      const choice = chooseRank(s, knobs);
      let r = choice.rank ?? 0;
      let L: Float32Array | undefined;
      let R: Float32Array | undefined;
      if (opts.withWeights || choice.energy !== undefined) {
        const W = await readWeights(g.initializers.get(s.weight)!);
        opts.onProgress?.(done / todo.length, `SVD of ${s.node.name} (${s.m}×${s.n})`);
        const svdOpts = choice.rank !== undefined ? { rank: r } : { energy: choice.energy, maxRank: Math.min(s.m, s.n) - 1 };
        const mom = opts.inputMoments?.get(s.node.id);
        if (mom && mom.k === widths(s).inW) {
          ({ r, L, R } = await whitenedFactors(s, W, mom.moment, svdOpts));
          opts.onError?.({ layer: s.node.id, relError: productError(W, L, R, s.m, s.n, r) });
        } else {
          const f = await truncatedSvd(W, s.m, s.n, svdOpts);
          r = f.k;
          L = f.left;
          R = f.right;
          opts.onError?.({ layer: s.node.id, relError: f.relError });
        }
      }
      done++;
      build(out, namer, s, r, opts.withWeights ? L : undefined, opts.withWeights ? R : undefined);
    }
    opts.onProgress?.(1, 'done');
    pruneUnused(g);
    return out;
  },
};

/** Replaces the site's node by two nodes: first = the factor applied to the input, second = the rest. */
function build(model: Model, namer: Namer, s: Site, r: number, L?: Float32Array, R?: Float32Array): void {
  const g = model.graph;
  const n0 = s.node;
  const mk = (base: string, dims: number[], data?: Float32Array) => {
    const name = namer.fresh(base);
    // The factors keep the weight's float type (fp16 beside fp16 activations, …).
    const dtype = g.initializers.get(s.weight)!.dtype;
    g.initializers.set(name, data ? floatTensor(name, dtype, dims, data) : absentTensor(name, dtype, dims));
    return name;
  };
  // Keras: the new layer's name is also its output's name, so it takes the plain name first.
  const name1 = s.kind === 'dense' ? namer.fresh(`${n0.name}_lowrank`) : '';
  const mid = s.kind === 'dense' ? name1 : namer.fresh(`${n0.outputs[0]}_lowrank`);
  const id1 = namer.fresh(`${n0.id}_lr1`);
  const id2 = namer.fresh(`${n0.id}_lr2`);
  let first: Node;
  let second: Node;
  // M = L·R with L: m×r, R: r×n, M as stored.
  switch (s.kind) {
    case 'matmul': {
      // y = x·M = (x·L)·R
      first = newNode(id1, 'MatMul', [n0.inputs[0], mk(`${s.weight}_L`, [s.m, r], L)], [mid], {}, n0.scope);
      second = { ...n0, inputs: [mid, mk(`${s.weight}_R`, [r, s.n], R)] };
      break;
    }
    case 'gemm': {
      const transB = attrInt(n0, 'transB', 0) === 1;
      if (!transB) {
        first = newNode(id1, 'Gemm', [n0.inputs[0], mk(`${s.weight}_L`, [s.m, r], L)], [mid], {}, n0.scope);
        second = { ...n0, inputs: [mid, mk(`${s.weight}_R`, [r, s.n], R), ...n0.inputs.slice(2)] };
      } else {
        // y = x·Mᵀ = (x·Rᵀ)·Lᵀ: R (r×K) and L (N×r) are both used with transB=1.
        first = newNode(id1, 'Gemm', [n0.inputs[0], mk(`${s.weight}_R`, [r, s.n], R)], [mid], { transB: { kind: 'int', value: 1 } }, n0.scope);
        second = { ...n0, inputs: [mid, mk(`${s.weight}_L`, [s.m, r], L), ...n0.inputs.slice(2)] };
      }
      break;
    }
    case 'conv1x1': {
      // Conv weight Cout×Cin = L·R: first conv Cin→r with R, then r→Cout with L; pads/strides stay on the first.
      const attrs = { ...n0.attrs };
      first = newNode(id1, 'Conv', [n0.inputs[0], mk(`${s.weight}_R`, [r, s.n, 1, 1], R)], [mid], attrs, n0.scope);
      const a2: Node['attrs'] = { kernel_shape: { kind: 'ints', value: [1, 1] } };
      if (attrInts(n0, 'kernel_shape') === undefined) delete a2.kernel_shape;
      second = { ...n0, inputs: [mid, mk(`${s.weight}_L`, [s.m, r, 1, 1], L), ...n0.inputs.slice(2)], attrs: a2 };
      break;
    }
    case 'dense': {
      const cfg = kerasConfig(n0);
      const kernel1 = mk(`${name1}/kernel`, [s.m, r], L);
      first = {
        id: name1, name: name1, opType: 'Dense', domain: 'keras', inputs: [n0.inputs[0]], outputs: [mid],
        attrs: { config: { kind: 'json', value: { ...cfg, name: name1, units: r, activation: 'linear', use_bias: false } } },
        weights: [kernel1], scope: n0.scope,
      };
      const kernel2 = mk(`${s.weight}_R`, [r, s.n], R);
      second = { ...n0, inputs: [mid], weights: (n0.weights ?? []).map((w) => (w === s.weight ? kernel2 : w)) };
      break;
    }
  }
  g.nodes.splice(g.nodes.findIndex((n) => n.id === n0.id), 1, first, second);
}

/**
 * ASVD / SVD-LLM style: with C = E[x·xᵀ] + λI = S·Sᵀ (Cholesky), the best rank-r W′ for the layer's outputs
 * on that data, min ‖Sᵀ(W − W′)‖, is S⁻ᵀ·[SᵀW]_r. M stored as K×N (input side = rows): factor Sᵀ·M, then
 * L = S⁻ᵀ·L̃. Stored N×K (Conv 1×1, Gemm transB): factor M·S, then R = R̃·S⁻¹.
 */
async function whitenedFactors(s: Site, W: Float32Array, moment: Float64Array, svdOpts: Parameters<typeof truncatedSvd>[3]): Promise<{ r: number; L: Float32Array; R: Float32Array }> {
  const { inW: K } = widths(s);
  const S = cholesky(moment, K);
  const rowsIn = !(s.kind === 'conv1x1' || (s.kind === 'gemm' && attrInt(s.node, 'transB', 0) === 1));
  const { m, n } = s;
  const A = new Float32Array(m * n);
  if (rowsIn) {
    // A = Sᵀ·M: A[i][j] = Σ_k S[k][i]·M[k][j] (S lower: k ≥ i).
    for (let i = 0; i < m; i++) for (let k = i; k < m; k++) {
      const sk = S[k * m + i];
      if (sk === 0) continue;
      for (let j = 0; j < n; j++) A[i * n + j] += sk * W[k * n + j];
    }
  } else {
    // A = M·S: A[i][j] = Σ_k M[i][k]·S[k][j] (k ≥ j).
    for (let i = 0; i < m; i++) for (let k = 0; k < n; k++) {
      const w = W[i * n + k];
      if (w === 0) continue;
      for (let j = 0; j <= k; j++) A[i * n + j] += w * S[k * n + j];
    }
  }
  const f = await truncatedSvd(A, m, n, svdOpts);
  const r = f.k;
  if (rowsIn) {
    // Sᵀ·L = L̃, column by column (back substitution, Sᵀ upper).
    const L = new Float32Array(m * r);
    for (let c = 0; c < r; c++) for (let i = m - 1; i >= 0; i--) {
      let v = f.left[i * r + c];
      for (let k = i + 1; k < m; k++) v -= S[k * m + i] * L[k * r + c];
      L[i * r + c] = v / S[i * m + i];
    }
    return { r, L, R: f.right };
  }
  // R·S = R̃, row by row: Sᵀ·Rᵀ = R̃ᵀ (back substitution).
  const R = new Float32Array(r * n);
  for (let c = 0; c < r; c++) for (let j = n - 1; j >= 0; j--) {
    let v = f.right[c * n + j];
    for (let k = j + 1; k < n; k++) v -= R[c * n + k] * S[k * n + j];
    R[c * n + j] = v / S[j * n + j];
  }
  return { r, L: f.left, R };
}

/** Lower Cholesky factor of C + λI (λ = 1e-4·mean diagonal, so rank-deficient activations still factor). */
export function cholesky(C: Float64Array, K: number): Float64Array {
  let tr = 0;
  for (let i = 0; i < K; i++) tr += C[i * K + i];
  const lambda = Math.max(1e-4 * (tr / K), 1e-12);
  const S = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j <= i; j++) {
      let v = C[i * K + j] + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) v -= S[i * K + k] * S[j * K + k];
      S[i * K + j] = i === j ? Math.sqrt(Math.max(v, 1e-30)) : v / S[j * K + j];
    }
  }
  return S;
}

/** ‖W − L·R‖_F / ‖W‖_F. */
function productError(W: Float32Array, L: Float32Array, R: Float32Array, m: number, n: number, r: number): number {
  let d = 0;
  let t = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let v = 0;
    for (let k = 0; k < r; k++) v += L[i * r + k] * R[k * n + j];
    d += (W[i * n + j] - v) ** 2;
    t += W[i * n + j] ** 2;
  }
  return t > 0 ? Math.sqrt(d / t) : 0;
}
