import { dimAdd, dimMul, unknownDim, type Dim } from '../../ir/dim';
import type { DType } from '../../ir/dtype';
import { attrInt, attrInts, attrString, type Node, type TensorType } from '../../ir/graph';
import { RuleError, type CostResult, type OpRule, type RuleContext, type RuleTable } from '../types';
import { ML_FLOPS } from './costConventions';
import { input, numel, perElement, zeroCost } from './util';

/**
 * ai.onnx.ml (classical ML exported by sklearn-onnx / onnxmltools). X is [N, C] (or [C]). The model
 * lives in attributes — tree thresholds and leaf values, linear and SVM coefficients — so those are the
 * node's parameters (`attributeParams`). A tree ensemble costs its comparisons per sample: the depth of
 * each tree (the longest root-to-leaf path) summed over the trees, plus one add per tree and target.
 */

function attrLen(n: Node, ...names: string[]): number {
  let k = 0;
  for (const name of names) {
    const a = n.attrs[name];
    if (a?.kind === 'floats' || a?.kind === 'ints' || a?.kind === 'strings') k += a.value.length;
    else if (a?.kind === 'tensor') k += a.value.dims.reduce((x, y) => x * y, 1);
  }
  return k;
}

const rows = (x: { shape: Dim[] }): Dim => (x.shape.length >= 2 ? x.shape[0] : 1);
const features = (x: { shape: Dim[] }): Dim => x.shape[x.shape.length - 1] ?? 1;

/** Output label type: int64 labels, or strings when the model names its classes by string. */
function labelType(n: Node): DType {
  return attrLen(n, 'classlabels_strings') > 0 ? 'string' : 'int64';
}

function classCount(n: Node): number {
  return attrLen(n, 'classlabels_strings', 'classlabels_ints');
}

function classifierOutputs(ctx: RuleContext, classes: number): TensorType[] {
  const x = input(ctx, 0);
  const n = rows(x);
  return [{ dtype: labelType(ctx.node), shape: [n] }, { dtype: 'float32', shape: [n, classes] }];
}

const linearClassifier: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const c = features(x);
    const coef = attrLen(ctx.node, 'coefficients');
    const e = typeof c === 'number' && c > 0 ? coef / c : attrLen(ctx.node, 'intercepts');
    return { outputs: classifierOutputs(ctx, e) };
  },
  cost: (ctx, outs) => {
    const x = input(ctx, 0);
    const e = outs[1].shape![1];
    const macs = dimMul(dimMul(rows(x), features(x)), e);
    return { macs, flops: dimAdd(dimMul(2, macs), dimMul(ML_FLOPS.postTransform, numel(outs[1].shape!))), attributeParams: attrLen(ctx.node, 'coefficients', 'intercepts') };
  },
};

const linearRegressor: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    return { outputs: [{ dtype: 'float32', shape: [rows(x), attrInt(ctx.node, 'targets', 1)] }] };
  },
  cost: (ctx, outs) => {
    const x = input(ctx, 0);
    const macs = dimMul(dimMul(rows(x), features(x)), attrInt(ctx.node, 'targets', 1));
    return { macs, flops: dimAdd(dimMul(2, macs), numel(outs[0].shape!)), attributeParams: attrLen(ctx.node, 'coefficients', 'intercepts') };
  },
};

/** SVM: each sample meets every support vector (a kernel of C MACs), then the dual coefficients. */
function svmCost(ctx: RuleContext, outputs: Dim): CostResult {
  const x = input(ctx, 0);
  const c = features(x);
  const sv = attrLen(ctx.node, 'support_vectors');
  const nSv = typeof c === 'number' && c > 0 && sv > 0 ? sv / c : 0;
  const macs = nSv > 0 ? dimMul(rows(x), dimAdd(dimMul(nSv, c), dimMul(nSv, outputs))) : dimMul(dimMul(rows(x), c), outputs);
  return { macs, flops: dimMul(2, macs), attributeParams: attrLen(ctx.node, 'support_vectors', 'coefficients', 'rho', 'prob_a', 'prob_b') };
}

const svmClassifier: OpRule = {
  shape: (ctx) => ({ outputs: classifierOutputs(ctx, classCount(ctx.node)) }),
  cost: (ctx) => svmCost(ctx, classCount(ctx.node)),
};

const svmRegressor: OpRule = {
  shape: (ctx) => ({ outputs: [{ dtype: 'float32', shape: [rows(input(ctx, 0)), 1] }] }),
  cost: (ctx) => svmCost(ctx, 1),
};

/** Depth of each tree (edges on its longest root-to-leaf path) from the node lists. */
function treeDepths(trees: number[], nodes: number[], modes: string[], yes: number[], no: number[]): number[] {
  const byTree = new Map<number, Map<number, number>>();
  trees.forEach((t, i) => {
    let m = byTree.get(t);
    if (!m) byTree.set(t, (m = new Map()));
    m.set(nodes[i], i);
  });
  const depths: number[] = [];
  for (const m of byTree.values()) {
    const memo = new Map<number, number>();
    const depth = (i: number, guard: number): number => {
      if (modes[i] === 'LEAF' || guard > m.size) return 0;
      const hit = memo.get(i);
      if (hit !== undefined) return hit;
      const a = m.get(yes[i]);
      const b = m.get(no[i]);
      const d = 1 + Math.max(a === undefined ? 0 : depth(a, guard + 1), b === undefined ? 0 : depth(b, guard + 1));
      memo.set(i, d);
      return d;
    };
    // The root is the node no other node points to.
    const targets = new Set<number>();
    for (const i of m.values()) if (modes[i] !== 'LEAF') targets.add(yes[i]).add(no[i]);
    const root = [...m.entries()].find(([id]) => !targets.has(id))?.[1];
    depths.push(root === undefined ? 0 : depth(root, 0));
  }
  return depths;
}

function strings(n: Node, name: string): string[] {
  const a = n.attrs[name];
  return a?.kind === 'strings' ? a.value : [];
}

function ensembleCost(ctx: RuleContext, outputsPerSample: Dim, leafAttrs: string[]): CostResult {
  const n = ctx.node;
  const x = input(ctx, 0);
  const depths = treeDepths(attrInts(n, 'nodes_treeids') ?? [], attrInts(n, 'nodes_nodeids') ?? [], strings(n, 'nodes_modes'), attrInts(n, 'nodes_truenodeids') ?? [], attrInts(n, 'nodes_falsenodeids') ?? []);
  const comparisons = depths.reduce((a, b) => a + b, 0);
  const perSample = dimAdd(comparisons, dimMul(depths.length, outputsPerSample));
  return { macs: 0, flops: dimMul(rows(x), perSample), attributeParams: attrLen(n, 'nodes_values', ...leafAttrs) };
}

const treeClassifier: OpRule = {
  shape: (ctx) => {
    const classes = classCount(ctx.node);
    // A binary classifier with one weight per leaf still reports both class scores.
    return { outputs: classifierOutputs(ctx, classes) };
  },
  cost: (ctx) => ensembleCost(ctx, 1, ['class_weights']),
};

const treeRegressor: OpRule = {
  shape: (ctx) => ({ outputs: [{ dtype: 'float32', shape: [rows(input(ctx, 0)), attrInt(ctx.node, 'n_targets', 1)] }] }),
  cost: (ctx) => ensembleCost(ctx, 1, ['target_weights']),
};

/** TreeEnsemble (ai.onnx.ml 5): splits and leaves as tensors, leaves marked by nodes_trueleafs / falseleafs. */
const treeEnsemble: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    return { outputs: [{ dtype: x.dtype, shape: [rows(x), attrInt(ctx.node, 'n_targets', 1)] }] };
  },
  cost: (ctx) => {
    const n = ctx.node;
    const x = input(ctx, 0);
    const roots = attrInts(n, 'tree_roots') ?? [];
    const yes = attrInts(n, 'nodes_truenodeids') ?? [];
    const no = attrInts(n, 'nodes_falsenodeids') ?? [];
    const yesLeaf = attrInts(n, 'nodes_trueleafs') ?? [];
    const noLeaf = attrInts(n, 'nodes_falseleafs') ?? [];
    // Memoised (a hostile file may share subtrees) and bounded by the node count (or a cycle would never end).
    const memo = new Map<number, number>();
    const depth = (i: number, guard: number): number => {
      if (guard > yes.length || i < 0 || i >= yes.length) return 0;
      const hit = memo.get(i);
      if (hit !== undefined) return hit;
      const a = yesLeaf[i] ? 1 : 1 + depth(yes[i], guard + 1);
      const b = noLeaf[i] ? 1 : 1 + depth(no[i], guard + 1);
      const d = Math.max(a, b);
      memo.set(i, d);
      return d;
    };
    const comparisons = roots.reduce((acc, r) => acc + depth(r, 0), 0);
    const perSample = comparisons + roots.length * attrInt(n, 'n_targets', 1);
    return { macs: 0, flops: dimMul(rows(x), perSample), attributeParams: attrLen(n, 'nodes_splits', 'leaf_weights') };
  },
};

const sameShape = (dtype?: DType, perElem = 1, params: string[] = []): OpRule => ({
  shape: (ctx) => {
    const x = input(ctx, 0);
    return { outputs: [{ dtype: dtype ?? x.dtype, shape: x.shape }] };
  },
  cost: (ctx, outs) => ({ ...perElement(outs, perElem), attributeParams: attrLen(ctx.node, ...params) }),
});

const labelEncoder: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const a = ctx.node.attrs;
    const dtype: DType = a.values_tensor?.kind === 'tensor' ? a.values_tensor.value.dtype
      : a.values_strings ? 'string' : a.values_int64s ? 'int64' : a.values_floats ? 'float32'
        // Opset 1: classes_strings map strings to int64 and back.
        : x.dtype === 'string' ? 'int64' : 'string';
    return { outputs: [{ dtype, shape: x.shape }] };
  },
  cost: (_ctx, outs) => perElement(outs, 1),
};

const categoryMapper: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    return { outputs: [{ dtype: x.dtype === 'string' ? 'int64' : 'string', shape: x.shape }] };
  },
  cost: (_ctx, outs) => perElement(outs, 1),
};

const oneHotEncoder: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const cats = attrLen(ctx.node, 'cats_int64s', 'cats_strings');
    if (cats === 0) throw new RuleError('OneHotEncoder without categories');
    return { outputs: [{ dtype: 'float32', shape: [...x.shape, cats] }] };
  },
  cost: (ctx) => ({ macs: 0, flops: numel(input(ctx, 0).shape) }),
};

const arrayFeatureExtractor: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const idx = input(ctx, 1);
    const k = numel(idx.shape);
    return { outputs: [{ dtype: x.dtype, shape: x.shape.length <= 1 ? [1, k] : [...x.shape.slice(0, -1), k] }] };
  },
  cost: zeroCost,
};

const featureVectorizer: OpRule = {
  shape: (ctx) => {
    const dims = attrInts(ctx.node, 'inputdimensions');
    const x = input(ctx, 0);
    const width: Dim = dims ? dims.reduce((a, b) => a + b, 0) : unknownDim();
    return { outputs: [{ dtype: 'float32', shape: [rows(x), width] }] };
  },
  cost: zeroCost,
};

/** DictVectorizer / CastMap take a map, which the analysis does not type: the output is [1, V] / [1, ?]. */
const dictVectorizer: OpRule = {
  shape: (ctx) => {
    const v = attrLen(ctx.node, 'int64_vocabulary', 'string_vocabulary');
    return { outputs: [{ dtype: ctx.inputs[0]?.dtype ?? 'unknown', shape: [1, v] }] };
  },
  cost: zeroCost,
};

const castMap: OpRule = {
  shape: (ctx) => {
    const to = attrString(ctx.node, 'cast_to', 'TO_FLOAT');
    const dtype: DType = to === 'TO_STRING' ? 'string' : to === 'TO_INT64' ? 'int64' : 'float32';
    const n = attrString(ctx.node, 'map_form', 'DENSE') === 'SPARSE' ? attrInt(ctx.node, 'max_map', 1) : unknownDim();
    return { outputs: [{ dtype, shape: [1, n] }] };
  },
  cost: zeroCost,
};

/** ZipMap: a sequence of maps (label -> score), a type the analysis does not model. */
const zipMap: OpRule = {
  shape: () => ({ outputs: [{ dtype: 'unknown', container: 'sequence' }] }),
  cost: zeroCost,
};

export const ML_RULES: RuleTable = {
  LinearClassifier: linearClassifier,
  LinearRegressor: linearRegressor,
  SVMClassifier: svmClassifier,
  SVMRegressor: svmRegressor,
  TreeEnsembleClassifier: treeClassifier,
  TreeEnsembleRegressor: treeRegressor,
  TreeEnsemble: treeEnsemble,
  Normalizer: sameShape('float32', ML_FLOPS.normalizer),
  Scaler: sameShape('float32', 2, ['scale', 'offset']),
  Binarizer: sameShape(undefined, 1),
  Imputer: sameShape(undefined, 1, ['imputed_value_floats', 'imputed_value_int64s']),
  LabelEncoder: labelEncoder,
  CategoryMapper: categoryMapper,
  OneHotEncoder: oneHotEncoder,
  ArrayFeatureExtractor: arrayFeatureExtractor,
  FeatureVectorizer: featureVectorizer,
  DictVectorizer: dictVectorizer,
  CastMap: castMap,
  ZipMap: zipMap,
};
