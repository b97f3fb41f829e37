import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import type { Attribute, ValueInfo } from '../../../src/core/ir/graph';
import type { LazyTensor } from '../../../src/core/ir/tensor';
import { graph, int, ints, model, node, tensor, vi } from './graphBuilder';

/**
 * Ops that no conformance model of ONNX 1.12 exercises (newer opsets, ai.onnx.ml, rarely used ops):
 * one case each, shape and cost derived by hand from the op's definition.
 */
interface Case {
  op: string;
  domain?: string;
  inputs: ValueInfo[];
  inits?: LazyTensor[];
  attrs?: Record<string, Attribute>;
  opset?: number;
  shapes: (number[] | string)[];
  dtypes?: string[];
  flops?: number;
  macs?: number;
  params?: number;
}

const floats = (value: number[]): Attribute => ({ kind: 'floats', value });
const strs = (value: string[]): Attribute => ({ kind: 'strings', value });
const str = (value: string): Attribute => ({ kind: 'string', value });
const X = vi('x', 'float32', [10, 4]);

const CASES: Case[] = [
  { op: 'BitwiseAnd', inputs: [vi('a', 'int32', [3, 4]), vi('b', 'int32', [4])], opset: 18, shapes: [[3, 4]], flops: 12 },
  { op: 'BitwiseOr', inputs: [vi('a', 'int32', [3, 4]), vi('b', 'int32', [4])], opset: 18, shapes: [[3, 4]], flops: 12 },
  { op: 'BitwiseXor', inputs: [vi('a', 'int32', [3, 4]), vi('b', 'int32', [4])], opset: 18, shapes: [[3, 4]], flops: 12 },
  { op: 'BitwiseNot', inputs: [vi('a', 'int32', [3, 4])], opset: 18, shapes: [[3, 4]], flops: 12 },
  { op: 'GlobalLpPool', inputs: [vi('x', 'float32', [1, 3, 4, 4])], shapes: [[1, 3, 1, 1]], flops: 48 },
  { op: 'LpPool', inputs: [vi('x', 'float32', [1, 3, 4, 4])], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }, shapes: [[1, 3, 2, 2]], flops: 12 * 4 },
  { op: 'GroupNormalization', inputs: [vi('x', 'float32', [2, 4, 3])], inits: [tensor('s', 'float32', [4]), tensor('b', 'float32', [4])], attrs: { num_groups: int(2) }, opset: 21, shapes: [[2, 4, 3]], flops: 7 * 24 },
  { op: 'LpNormalization', inputs: [vi('x', 'float32', [2, 5])], shapes: [[2, 5]], flops: 30 },
  { op: 'MaxRoiPool', inputs: [vi('x', 'float32', [1, 3, 8, 8]), vi('r', 'float32', [5, 5])], attrs: { pooled_shape: ints([2, 2]) }, shapes: [[5, 3, 2, 2]], flops: 60 },
  { op: 'Mish', inputs: [vi('x', 'float32', [2, 3])], opset: 18, shapes: [[2, 3]], flops: 30 },
  { op: 'RandomNormal', inputs: [], attrs: { shape: ints([3, 2]), dtype: int(11) }, shapes: [[3, 2]], dtypes: ['float64'], flops: 0 },
  { op: 'RandomUniform', inputs: [], attrs: { shape: ints([4]) }, shapes: [[4]], dtypes: ['float32'], flops: 0 },
  { op: 'RandomNormalLike', inputs: [vi('x', 'float16', [2, 2])], shapes: [[2, 2]], dtypes: ['float16'], flops: 0 },
  { op: 'RegexFullMatch', inputs: [vi('s', 'string', [3])], attrs: { pattern: str('a.*') }, opset: 20, shapes: [[3]], dtypes: ['bool'], flops: 3 },
  { op: 'ImageDecoder', inputs: [vi('b', 'uint8', [1000])], attrs: { pixel_format: str('Grayscale') }, opset: 20, shapes: ['rank 3'], dtypes: ['uint8'] },
  // ai.onnx.ml
  { op: 'ArrayFeatureExtractor', domain: 'ai.onnx.ml', inputs: [X], inits: [tensor('i', 'int64', [2], [0, 3])], shapes: [[10, 2]], flops: 0 },
  { op: 'Binarizer', domain: 'ai.onnx.ml', inputs: [X], shapes: [[10, 4]], flops: 40 },
  { op: 'CastMap', domain: 'ai.onnx.ml', inputs: [vi('m', 'unknown')], attrs: { cast_to: str('TO_INT64'), map_form: str('SPARSE'), max_map: int(5) }, shapes: [[1, 5]], dtypes: ['int64'] },
  { op: 'CategoryMapper', domain: 'ai.onnx.ml', inputs: [vi('s', 'string', [6])], shapes: [[6]], dtypes: ['int64'], flops: 6 },
  { op: 'DictVectorizer', domain: 'ai.onnx.ml', inputs: [vi('m', 'unknown')], attrs: { string_vocabulary: strs(['a', 'b', 'c']) }, shapes: [[1, 3]] },
  { op: 'FeatureVectorizer', domain: 'ai.onnx.ml', inputs: [X, vi('z', 'float32', [10, 2])], attrs: { inputdimensions: ints([4, 2]) }, shapes: [[10, 6]], dtypes: ['float32'] },
  { op: 'Imputer', domain: 'ai.onnx.ml', inputs: [X], attrs: { imputed_value_floats: floats([0, 0, 0, 0]) }, shapes: [[10, 4]], flops: 40, params: 4 },
  { op: 'LabelEncoder', domain: 'ai.onnx.ml', inputs: [vi('s', 'string', [6])], attrs: { keys_strings: strs(['a']), values_int64s: ints([1]) }, opset: 2, shapes: [[6]], dtypes: ['int64'] },
  { op: 'LinearRegressor', domain: 'ai.onnx.ml', inputs: [X], attrs: { coefficients: floats([1, 2, 3, 4, 5, 6, 7, 8]), intercepts: floats([0, 0]), targets: int(2) }, shapes: [[10, 2]], macs: 80, params: 10 },
  { op: 'Normalizer', domain: 'ai.onnx.ml', inputs: [X], attrs: { norm: str('L2') }, shapes: [[10, 4]], flops: 120 },
  { op: 'OneHotEncoder', domain: 'ai.onnx.ml', inputs: [vi('c', 'int64', [10, 1])], attrs: { cats_int64s: ints([1, 2, 3]) }, shapes: [[10, 1, 3]], flops: 10 },
  { op: 'Scaler', domain: 'ai.onnx.ml', inputs: [X], attrs: { scale: floats([1, 1, 1, 1]), offset: floats([0, 0, 0, 0]) }, shapes: [[10, 4]], flops: 80, params: 8 },
  // 3 support vectors of 4 features, 2 classes (one dual coefficient row): kernels 3*4, then 3 per score.
  { op: 'SVMClassifier', domain: 'ai.onnx.ml', inputs: [X], attrs: { support_vectors: floats(new Array(12).fill(1)), coefficients: floats([1, 1, 1]), rho: floats([0]), vectors_per_class: ints([2, 1]), classlabels_ints: ints([0, 1]) }, shapes: [[10], [10, 2]], macs: 10 * (12 + 6), params: 16 },
  { op: 'SVMRegressor', domain: 'ai.onnx.ml', inputs: [X], attrs: { support_vectors: floats(new Array(8).fill(1)), coefficients: floats([1, 1]), rho: floats([0]), n_supports: int(2) }, shapes: [[10, 1]], macs: 10 * (8 + 2), params: 11 },
  // One tree: node 0 -> leaf 1 | node 2 -> leaves 3, 4: depth 2, one target.
  { op: 'TreeEnsembleRegressor', domain: 'ai.onnx.ml', inputs: [X], attrs: {
    nodes_treeids: ints([0, 0, 0, 0, 0]), nodes_nodeids: ints([0, 1, 2, 3, 4]), nodes_modes: strs(['BRANCH_LEQ', 'LEAF', 'BRANCH_LEQ', 'LEAF', 'LEAF']),
    nodes_truenodeids: ints([1, 0, 3, 0, 0]), nodes_falsenodeids: ints([2, 0, 4, 0, 0]), nodes_featureids: ints([0, 0, 1, 0, 0]), nodes_values: floats([1, 0, 2, 0, 0]),
    target_ids: ints([0, 0, 0]), target_treeids: ints([0, 0, 0]), target_nodeids: ints([1, 3, 4]), target_weights: floats([1, 2, 3]), n_targets: int(1),
  }, shapes: [[10, 1]], flops: 10 * (2 + 1), params: 5 + 3 },
  // Opset 5 layout: tree_roots, leaves flagged per branch. Root 0: true -> leaf, false -> node 1 (both leaves): depth 2.
  { op: 'TreeEnsemble', domain: 'ai.onnx.ml', inputs: [X], attrs: {
    tree_roots: ints([0]), nodes_truenodeids: ints([0, 1]), nodes_trueleafs: ints([1, 1]), nodes_falsenodeids: ints([1, 2]), nodes_falseleafs: ints([0, 1]),
    nodes_featureids: ints([0, 1]), nodes_splits: { kind: 'tensor', value: tensor('sp', 'float32', [2], [1, 2]) }, leaf_targetids: ints([0, 0, 0]),
    leaf_weights: { kind: 'tensor', value: tensor('lw', 'float32', [3], [1, 2, 3]) }, n_targets: int(1),
  }, opset: 5, shapes: [[10, 1]], flops: 10 * (2 + 1), params: 5 },
  { op: 'ZipMap', domain: 'ai.onnx.ml', inputs: [vi('p', 'float32', [10, 2])], attrs: { classlabels_int64s: ints([0, 1]) }, shapes: ['sequence'] },
];

describe('ops outside the conformance suite: one hand-derived case each', () => {
  for (const c of CASES) {
    it(`${c.domain ?? 'ai.onnx'}.${c.op}`, () => {
      const ins = [...c.inputs.map((i) => i.name), ...(c.inits ?? []).map((t) => t.name)];
      const outs = c.shapes.map((_, i) => `y${i}`);
      const g = graph([node(c.op, ins, outs, c.attrs ?? {}, c.domain ?? '')], c.inputs, outs.map((o) => vi(o, 'unknown')), c.inits ?? []);
      const opset = c.opset ?? 17;
      const a = analyzeModel({ ...model(g, opset), opsets: { '': opset, 'ai.onnx.ml': c.domain ? opset : 3 } });
      c.shapes.forEach((s, i) => {
        const o = a.outputs[i];
        if (s === 'sequence') assert.equal(o.container, 'sequence');
        else if (typeof s === 'string') assert.equal(o.shape?.length, Number(s.split(' ')[1]));
        else assert.deepEqual(o.shape, s, `output ${i}`);
      });
      if (c.dtypes) assert.deepEqual(a.outputs.map((o) => o.dtype), c.dtypes);
      if (c.flops !== undefined) assert.equal(a.totals.flops, c.flops);
      if (c.macs !== undefined) assert.equal(a.totals.macs, c.macs);
      if (c.params !== undefined) assert.equal(a.totals.params, c.params);
      assert.ok(a.layers[0].outputs.every((o) => o.dtype !== 'unknown' || c.op === 'ZipMap' || c.op === 'DictVectorizer'), 'the dtype is given');
    });
  }
});
