import type { Analysis } from '../analysis/types';
import type { Model, Node } from '../ir/graph';
import { isFloatType } from '../ir/dtype';
import { finish, inferModel } from './common';
import { GraphIndex, Namer, cloneModel, initializer, pruneUnused, removeNode, renameUses, typedTensor } from './graphEdit';
import type { FindOptions, KnobValues, Pass, RewriteOptions, Suggestion } from './types';

type CleanupKind = 'identity' | 'const-fold' | 'matmul-add';

/** Keras layers that are the identity at inference (noise, dropout, activity regularisation). */
export const KERAS_INFERENCE_NOOPS = new Set([
  'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization', 'Identity',
]);

/** Keras no-op layers with one input and one output that is not a model output (that name is the user's API). */
function kerasIdentitySites(model: Model): Node[] {
  const ix = new GraphIndex(model.graph);
  return model.graph.nodes.filter((n) => n.domain === 'keras' && KERAS_INFERENCE_NOOPS.has(n.opType) && !n.attrs.not_costed_reason
    && n.inputs.length === 1 && n.outputs.length === 1 && !ix.outputs.has(n.outputs[0]));
}

/** Identity, and Dropout in inference (its mask output unused, training_mode not set). */
function identitySites(model: Model): Node[] {
  const g = model.graph;
  const ix = new GraphIndex(g);
  const inputs = new Set(g.inputs.map((i) => i.name));
  return g.nodes.filter((n) => {
    if (n.domain !== '' || !(n.opType === 'Identity' || n.opType === 'Dropout')) return false;
    if (n.opType === 'Dropout') {
      if (n.outputs[1] && ix.uses(n.outputs[1]).length + (ix.outputs.has(n.outputs[1]) ? 1 : 0) > 0) return false;
      if (n.inputs[2]) return false; // training_mode given: a runtime switch we cannot rule out
    }
    const x = n.inputs[0];
    const y = n.outputs[0];
    if (!ix.outputs.has(y)) return true;
    // y is a graph output: only when x's producer can be renamed to y.
    return !inputs.has(x) && !g.initializers.has(x) && !ix.outputs.has(x) && ix.producer.has(x) && ix.uses(x).length === 1;
  });
}

interface MatMulAdd {
  mm: Node;
  add: Node;
  bias: string;
}

function matmulAddSites(model: Model): MatMulAdd[] {
  const g = model.graph;
  const ix = new GraphIndex(g);
  const types = inferModel(model).types;
  const out: MatMulAdd[] = [];
  for (const mm of g.nodes) {
    if (mm.opType !== 'MatMul' || mm.domain !== '') continue;
    const w = initializer(g, mm.inputs[1]);
    const a = types.get(mm.inputs[0]);
    // Gemm is 2-D only: the activation must be a matrix.
    if (!w || w.dims.length !== 2 || !a?.shape || a.shape.length !== 2 || !isFloatType(w.dtype)) continue;
    const add = ix.soleConsumer(mm.outputs[0]);
    if (!add || add.opType !== 'Add' || add.domain !== '') continue;
    const bias = add.inputs[0] === mm.outputs[0] ? add.inputs[1] : add.inputs[0];
    const b = initializer(g, bias);
    const N = w.dims[1];
    if (!b || b.dtype !== w.dtype || !(b.dims.length === 1 ? b.dims[0] === N : b.dims.length === 2 && b.dims[0] === 1 && b.dims[1] === N)) continue;
    out.push({ mm, add, bias });
  }
  return out;
}


/** Nodes whose every output is a known, fully numeric value (shape arithmetic on static dims). */
function constFoldSites(model: Model): Node[] {
  const run = inferModel(model);
  const known = (v: string) => {
    const cv = run.values.get(v);
    return cv !== undefined && cv.values.every((d) => typeof d === 'number') && ['int64', 'int32', 'bool', 'uint8', 'int8'].includes(cv.dtype);
  };
  return model.graph.nodes.filter((n) => n.domain === '' && n.opType !== 'Constant' && n.outputs.length > 0 && n.outputs.every((o) => o && known(o)));
}

const KIND_TITLE: Record<CleanupKind, (n: number) => string> = {
  identity: (n) => `Remove ${n} Identity/Dropout node${n > 1 ? 's' : ''} (no-ops at inference)`,
  'const-fold': (n) => `Fold ${n} constant shape-computation node${n > 1 ? 's' : ''} into initializers`,
  'matmul-add': (n) => `Merge ${n} MatMul+Add pair${n > 1 ? 's' : ''} into Gemm`,
};

export const cleanup: Pass = {
  name: 'cleanup',
  title: 'Inference clean-up',

  async find(model: Model, analysis: Analysis, opts?: FindOptions): Promise<Suggestion[]> {
    if (model.format === 'keras') {
      const ids = kerasIdentitySites(model).map((n) => n.id);
      if (ids.length === 0) return [];
      return [await finish(this, model, analysis, { pass: 'cleanup', title: `Remove ${ids.length} Dropout/noise layer${ids.length > 1 ? 's' : ''} (no-ops at inference)`, layers: ids, kind: 'exact', knobs: [], detail: { cleanup: 'identity' } }, opts)];
    }
    if (model.format !== 'onnx') return [];
    const found: [CleanupKind, string[]][] = [
      ['identity', identitySites(model).map((n) => n.id)],
      ['const-fold', constFoldSites(model).map((n) => n.id)],
      ['matmul-add', matmulAddSites(model).flatMap((s) => [s.mm.id, s.add.id])],
    ];
    const out: Suggestion[] = [];
    for (const [kind, layers] of found) {
      if (layers.length === 0) continue;
      const count = kind === 'matmul-add' ? layers.length / 2 : layers.length;
      out.push(await finish(this, model, analysis, { pass: 'cleanup', title: KIND_TITLE[kind](count), layers, kind: 'exact', knobs: [], detail: { cleanup: kind } }, opts));
    }
    return out;
  },

  async rewrite(model: Model, s: Suggestion, _k: KnobValues, _opts: RewriteOptions): Promise<Model> {
    const kind = (s.detail?.cleanup ?? 'identity') as CleanupKind;
    const wanted = new Set(s.layers);
    const out = cloneModel(model);
    const g = out.graph;
    if (model.format === 'keras') {
      for (const n of kerasIdentitySites(model).filter((x) => wanted.has(x.id))) {
        removeNode(g, n.id);
        renameUses(g, n.outputs[0], n.inputs[0]);
      }
    } else if (kind === 'identity') {
      for (const site of identitySites(model).filter((x) => wanted.has(x.id))) {
        // The node as it is now: removing an earlier no-op of a chain (Identity → Dropout → output)
        // renamed this one's input.
        const n = g.nodes.find((q) => q.id === site.id)!;
        const cur = new GraphIndex(g);
        const x = n.inputs[0];
        const y = n.outputs[0];
        if (!cur.outputs.has(y)) {
          removeNode(g, n.id);
          renameUses(g, y, x);
        } else {
          const p = cur.producer.get(x);
          // The output keeps its name only through x's producer; else this no-op stays.
          if (!p || cur.outputs.has(x) || cur.uses(x).length !== 1) continue;
          removeNode(g, n.id);
          g.nodes[g.nodes.findIndex((q) => q.id === p.id)] = { ...p, outputs: p.outputs.map((o) => (o === x ? y : o)) };
          renameUses(g, x, y);
        }
      }
    } else if (kind === 'matmul-add') {
      for (const { mm, add, bias } of matmulAddSites(model).filter((x) => wanted.has(x.mm.id))) {
        const gemm: Node = { ...mm, opType: 'Gemm', inputs: [mm.inputs[0], mm.inputs[1], bias], outputs: [add.outputs[0]], attrs: {} };
        g.nodes[g.nodes.findIndex((q) => q.id === mm.id)] = gemm;
        removeNode(g, add.id);
        g.valueInfo.delete(mm.outputs[0]);
      }
    } else {
      const run = inferModel(model);
      const folded = new Set(constFoldSites(model).filter((n) => wanted.has(n.id)).map((n) => n.id));
      const namer = new Namer(g);
      const ix = new GraphIndex(g);
      for (const n of model.graph.nodes.filter((q) => folded.has(q.id))) {
        for (const o of n.outputs) {
          // Only values someone outside the folded set still reads become initializers.
          const needed = ix.outputs.has(o) || ix.uses(o).some((u) => !folded.has(u.id));
          if (!needed) continue;
          const cv = run.values.get(o)!;
          const name = ix.outputs.has(o) ? o : namer.fresh(`${o}_folded`);
          g.initializers.set(name, encode(name, cv.dtype, cv.dims, cv.values as number[]));
          if (name !== o) renameUses(g, o, name);
        }
      }
      g.nodes = g.nodes.filter((q) => !folded.has(q.id));
      // Constant nodes that only fed the folded nodes are dead now.
      for (let changed = true; changed; ) {
        const live = new GraphIndex(g);
        const before = g.nodes.length;
        g.nodes = g.nodes.filter((q) => q.opType !== 'Constant' || q.outputs.some((o) => live.outputs.has(o) || live.uses(o).length > 0));
        changed = g.nodes.length < before;
      }
    }
    pruneUnused(g);
    return out;
  },
};

function encode(name: string, dtype: string, dims: number[], values: number[]) {
  switch (dtype) {
    case 'int64': return typedTensor(name, 'int64', dims, BigInt64Array.from(values.map((v) => BigInt(v))));
    case 'int32': return typedTensor(name, 'int32', dims, Int32Array.from(values));
    case 'bool': return typedTensor(name, 'bool', dims, Uint8Array.from(values));
    case 'uint8': return typedTensor(name, 'uint8', dims, Uint8Array.from(values));
    case 'int8': return typedTensor(name, 'int8', dims, Int8Array.from(values));
    default: throw new Error(`cannot encode folded ${dtype} constant ${name}`);
  }
}

