import type { Analysis } from '../analysis/types';
import { attrInt, type Model, type Node } from '../ir/graph';
import { finish, kerasConfig } from './common';
import { WRITABLE_FLOATS } from '../tensor/bytes';
import { GraphIndex, Namer, absentTensor, cloneModel, floatTensor, initializer, newNode, pruneUnused } from './graphEdit';
import type { FindOptions, KnobValues, Pass, RewriteOptions, Suggestion } from './types';
import { readWeights, relError } from './weights';

/**
 * A k×k convolution (groups = 1) becomes a depthwise k×k conv followed by a pointwise 1×1 conv. That
 * pair can only express kernels W[o, c] = pw[o, c]·dw[c] (rank 1 per input channel), so the weights are
 * initialised from the best such kernel — the rank-1 SVD of each Cout×(k·k) slice W[:, c] — and the
 * model needs fine-tuning afterwards.
 */
function sites(model: Model): Node[] {
  const g = model.graph;
  const ix = new GraphIndex(g);
  return g.nodes.filter((n) => {
    if (n.opType !== 'Conv' || n.domain !== '' || attrInt(n, 'group', 1) !== 1) return false;
    const w = initializer(g, n.inputs[1]);
    if (!w || w.dims.length !== 4 || !WRITABLE_FLOATS.has(w.dtype) || ix.uses(w.name).length !== 1) return false;
    const [cout, cin, kh, kw] = w.dims;
    return kh * kw > 1 && cout > 1 && cin > 1 && kh * kw * cin + cin * cout < kh * kw * cin * cout;
  });
}

/** Rank-1 SVD of a rows×cols matrix by power iteration: returns σ·u (rows) and v (cols), with ||v|| = 1. */
export function rank1(M: Float64Array, rows: number, cols: number): { su: Float64Array; v: Float64Array } {
  let v = new Float64Array(cols).fill(1 / Math.sqrt(cols));
  // Start from the column of largest norm: a uniform start can be orthogonal to the top vector.
  let best = -1;
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += M[i * cols + j] ** 2;
    if (s > best) {
      best = s;
      v = new Float64Array(cols);
      v[j] = 1;
    }
  }
  const su = new Float64Array(rows);
  for (let it = 0; it < 200; it++) {
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += M[i * cols + j] * v[j];
      su[i] = s;
    }
    const nv = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) nv[j] += M[i * cols + j] * su[i];
    let norm = 0;
    for (let j = 0; j < cols; j++) norm += nv[j] * nv[j];
    norm = Math.sqrt(norm);
    if (norm === 0) break;
    let diff = 0;
    for (let j = 0; j < cols; j++) {
      nv[j] /= norm;
      diff = Math.max(diff, Math.abs(nv[j] - v[j]));
    }
    v = nv;
    if (diff < 1e-10) break;
  }
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += M[i * cols + j] * v[j];
    su[i] = s;
  }
  return { su, v };
}

/** Keras Conv2D (groups 1, k×k > 1, channels > 1, not shared) that a SeparableConv2D would make smaller. */
function kerasSites(model: Model): Node[] {
  const g = model.graph;
  const ix = new GraphIndex(g);
  return g.nodes.filter((n) => {
    if (n.domain !== 'keras' || n.opType !== 'Conv2D' || n.attrs.not_costed_reason) return false;
    const cfg = kerasConfig(n);
    if ((cfg.groups ?? 1) !== 1) return false;
    const kernel = n.weights?.find((w) => /(^|\/)kernel$/.test(w));
    const t = kernel ? g.initializers.get(kernel) : undefined;
    if (!t || t.dims.length !== 4 || (n.weights ?? []).some((w) => ix.uses(w).length !== 1)) return false;
    const [kh, kw, cin, cout] = t.dims;
    return kh * kw > 1 && cout > 1 && cin > 1 && kh * kw * cin + cin * cout < kh * kw * cin * cout;
  });
}

/**
 * A Conv2D config (Keras 2/3 spelling, key order kept) as the equivalent SeparableConv2D config:
 * depth_multiplier 1, the kernel's initializer/regularizer/constraint used for both new kernels.
 */
export function separableConfigFromConv(cfg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (k === 'groups') continue;
    const m = /^kernel_(initializer|regularizer|constraint)$/.exec(k);
    if (m) {
      out[`depthwise_${m[1]}`] = v;
      out[`pointwise_${m[1]}`] = v;
      continue;
    }
    out[k] = v;
    if (k === 'activation') out.depth_multiplier = 1;
  }
  out.depth_multiplier = 1;
  return out;
}

async function rewriteKeras(model: Model, s: Suggestion, opts: RewriteOptions): Promise<Model> {
  const out = cloneModel(model);
  const g = out.graph;
  const wanted = new Set(s.layers);
  for (const n of kerasSites(model).filter((x) => wanted.has(x.id))) {
    const kname = n.weights!.find((w) => /(^|\/)kernel$/.test(w))!;
    const kt = g.initializers.get(kname)!;
    const [kh, kw, cin, cout] = kt.dims;
    const kk = kh * kw;
    const base = kname.slice(0, -'kernel'.length);
    const dwName = `${base}depthwise_kernel`;
    const pwName = `${base}pointwise_kernel`;
    if (opts.withWeights) {
      // Keras layout [kh, kw, cin, cout]: W[t, c, o] at (t·cin + c)·cout + o.
      const W = await readWeights(kt);
      const dw = new Float32Array(kk * cin);
      const pw = new Float32Array(cin * cout);
      const approx = new Float32Array(W.length);
      const slice = new Float64Array(cout * kk);
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) for (let t = 0; t < kk; t++) slice[o * kk + t] = W[(t * cin + c) * cout + o];
        const { su, v } = rank1(slice, cout, kk);
        let sigma = 0;
        for (const x of su) sigma += x * x;
        const a = Math.sqrt(Math.sqrt(sigma));
        for (let t = 0; t < kk; t++) dw[t * cin + c] = a > 0 ? v[t] * a : 0;
        for (let o = 0; o < cout; o++) pw[c * cout + o] = a > 0 ? su[o] / a : 0;
        for (let o = 0; o < cout; o++) for (let t = 0; t < kk; t++) approx[(t * cin + c) * cout + o] = pw[c * cout + o] * dw[t * cin + c];
      }
      opts.onError?.({ layer: n.id, relError: relError(W, approx) });
      g.initializers.set(dwName, floatTensor(dwName, kt.dtype, [kh, kw, cin, 1], dw));
      g.initializers.set(pwName, floatTensor(pwName, kt.dtype, [1, 1, cin, cout], pw));
    } else {
      g.initializers.set(dwName, absentTensor(dwName, kt.dtype, [kh, kw, cin, 1]));
      g.initializers.set(pwName, absentTensor(pwName, kt.dtype, [1, 1, cin, cout]));
    }
    const i = g.nodes.findIndex((q) => q.id === n.id);
    const weights = n.weights!.flatMap((w) => (w === kname ? [dwName, pwName] : [w]));
    g.nodes[i] = { ...n, opType: 'SeparableConv2D', attrs: { ...n.attrs, config: { kind: 'json', value: separableConfigFromConv(kerasConfig(n)) } }, weights };
  }
  pruneUnused(g);
  return out;
}

export const depthwiseSeparable: Pass = {
  name: 'depthwise-separable',
  title: 'Depthwise-separable replacement',

  async find(model: Model, analysis: Analysis, opts?: FindOptions): Promise<Suggestion[]> {
    const out: Suggestion[] = [];
    if (model.format === 'keras') {
      for (const n of kerasSites(model)) {
        const [kh, kw, cin, cout] = model.graph.initializers.get(n.weights!.find((w) => /(^|\/)kernel$/.test(w))!)!.dims;
        out.push(await finish(this, model, analysis, {
          pass: 'depthwise-separable',
          title: `Replace ${n.name} (${kh}×${kw}, ${cin}→${cout}) by SeparableConv2D (depthwise ${kh}×${kw} + pointwise 1×1)`,
          layers: [n.id],
          kind: 'needs-fine-tuning',
          knobs: [],
        }, opts));
      }
      return out;
    }
    for (const n of sites(model)) {
      const [cout, cin, kh, kw] = initializer(model.graph, n.inputs[1])!.dims;
      out.push(await finish(this, model, analysis, {
        pass: 'depthwise-separable',
        title: `Replace ${n.name} (${kh}×${kw}, ${cin}→${cout}) by depthwise ${kh}×${kw} + pointwise 1×1`,
        layers: [n.id],
        kind: 'needs-fine-tuning',
        knobs: [],
      }, opts));
    }
    return out;
  },

  async rewrite(model: Model, s: Suggestion, _k: KnobValues, opts: RewriteOptions): Promise<Model> {
    if (model.format === 'keras') return rewriteKeras(model, s, opts);
    const out = cloneModel(model);
    const g = out.graph;
    const namer = new Namer(g);
    const wanted = new Set(s.layers);
    for (const n of sites(model).filter((x) => wanted.has(x.id))) {
      const w = initializer(g, n.inputs[1])!;
      const [cout, cin, kh, kw] = w.dims;
      const kk = kh * kw;
      const dwName = namer.fresh(`${w.name}_depthwise`);
      const pwName = namer.fresh(`${w.name}_pointwise`);
      if (opts.withWeights) {
        const W = await readWeights(w);
        const dw = new Float32Array(cin * kk);
        const pw = new Float32Array(cout * cin);
        const approx = new Float32Array(W.length);
        const slice = new Float64Array(cout * kk);
        for (let c = 0; c < cin; c++) {
          for (let o = 0; o < cout; o++) for (let t = 0; t < kk; t++) slice[o * kk + t] = W[(o * cin + c) * kk + t];
          const { su, v } = rank1(slice, cout, kk);
          // Split σ evenly between the two factors so neither layer's weights are badly scaled.
          let sigma = 0;
          for (const x of su) sigma += x * x;
          sigma = Math.sqrt(sigma);
          const a = Math.sqrt(sigma);
          for (let t = 0; t < kk; t++) dw[c * kk + t] = sigma > 0 ? v[t] * a : 0;
          for (let o = 0; o < cout; o++) pw[o * cin + c] = sigma > 0 ? su[o] / a : 0;
          for (let o = 0; o < cout; o++) for (let t = 0; t < kk; t++) approx[(o * cin + c) * kk + t] = pw[o * cin + c] * dw[c * kk + t];
        }
        opts.onError?.({ layer: n.id, relError: relError(W, approx) });
        g.initializers.set(dwName, floatTensor(dwName, w.dtype, [cin, 1, kh, kw], dw));
        g.initializers.set(pwName, floatTensor(pwName, w.dtype, [cout, cin, 1, 1], pw));
      } else {
        g.initializers.set(dwName, absentTensor(dwName, w.dtype, [cin, 1, kh, kw]));
        g.initializers.set(pwName, absentTensor(pwName, w.dtype, [cout, cin, 1, 1]));
      }
      const mid = namer.fresh(`${n.outputs[0]}_depthwise`);
      const dwNode = newNode(namer.fresh(`${n.id}_depthwise`), 'Conv', [n.inputs[0], dwName], [mid], { ...n.attrs, group: { kind: 'int', value: cin } }, n.scope);
      const pwNode: Node = { ...n, inputs: [mid, pwName, ...n.inputs.slice(2)], attrs: { kernel_shape: { kind: 'ints', value: [1, 1] } } };
      g.nodes.splice(g.nodes.findIndex((q) => q.id === n.id), 1, dwNode, pwNode);
    }
    pruneUnused(g);
    return out;
  },
};
