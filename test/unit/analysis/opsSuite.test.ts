import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readOnnxSync } from '../../../src/core/formats/onnx/reader';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import type { Attribute, Graph, Node, ValueInfo } from '../../../src/core/ir/graph';
import type { LazyTensor } from '../../../src/core/ir/tensor';
import { toBfloat16, toHalf } from '../../../src/core/rules/onnx/numeric';
import { foldedOutputs } from '../../../scripts/conformance/harness';
import { graph, int, ints, model, node, tensor, vi } from './graphBuilder';

/**
 * Rules added or fixed for the ONNX conformance suite (issue 15): each expected number is derived by
 * hand from the op's definition, not read back from the implementation.
 */
function run(nodes: Node[], ins: ValueInfo[], outs: string[], inits: LazyTensor[] = [], opset = 17, outDecl?: ValueInfo[], domains: Record<string, number> = {}) {
  const g = graph(nodes, ins, outDecl ?? outs.map((o) => vi(o, 'unknown')), inits);
  const m = { ...model(g, opset), opsets: { '': opset, ...domains } };
  return { a: analyzeModel(m), folded: foldedOutputs(m) };
}
const one = (op: string, inputs: string[], ins: ValueInfo[], inits: LazyTensor[] = [], attrs: Record<string, Attribute> = {}, opset = 17, nOut = 1) =>
  run([node(op, inputs, Array.from({ length: nOut }, (_, i) => `y${i}`), attrs)], ins, Array.from({ length: nOut }, (_, i) => `y${i}`), inits, opset);
const str = (value: string): Attribute => ({ kind: 'string', value });
const body = (g: Graph): Attribute => ({ kind: 'graph', value: g });
const isUnknown = (d: number | string) => typeof d === 'string' && d.startsWith('unk__');

describe('ONNX rules for the conformance suite', () => {
  it('Scan opset 8: axis 0 is the batch, the sequence is axis 1; outputs get the batch back; cost = body x seq x batch', () => {
    const b = graph([node('Add', ['s', 'x'], ['s2']), node('Identity', ['s2'], ['o'])], [vi('s', 'float32', [2]), vi('x', 'float32', [2])], [vi('s2', 'float32'), vi('o', 'float32')]);
    const scan = node('Scan', ['', 'init', 'xs'], ['final', 'ys'], { body: body(b), num_scan_inputs: int(1) });
    const { a } = run([scan], [vi('init', 'float32', [4, 2]), vi('xs', 'float32', [4, 3, 2])], ['final', 'ys'], [], 8);
    assert.deepEqual(a.outputs.map((o) => o.shape), [[4, 2], [4, 3, 2]]);
    assert.equal(a.totals.flops, 2 * 3 * 4, 'Add of 2 elements, 3 steps, 4 batch entries');
  });

  it('a literal declared dim wins over a disagreeing inference, a bound symbol does not; both are reported', () => {
    const decl = (shape: (number | string)[]) => [vi('y0', 'float32', shape)];
    const n = () => node('Reshape', ['x', 's'], ['y0']);
    const lit = run([n()], [vi('x', 'float32', [2, 6])], ['y0'], [tensor('s', 'int64', [2], [3, 4])], 17, decl([4, 3]));
    assert.deepEqual(lit.a.outputs[0].shape, [4, 3]);
    assert.deepEqual(lit.a.details.shapeConflicts, [{ value: 'y0', declared: '[4, 3]', inferred: '[3, 4]', used: 'declared' }]);
    const g = graph([n()], [vi('x', 'float32', [2, 6])], decl(['a', 'b']), [tensor('s', 'int64', [2], [3, 4])]);
    const symbolic = analyzeModel(model(g), { dims: { a: 4, b: 3 } });
    assert.deepEqual(symbolic.outputs[0].shape, [3, 4]);
    assert.equal(symbolic.details.shapeConflicts?.[0]?.used, 'inferred');
  });

  it('PRelu with an opset-6 channel slope; Max and Min with a single input', () => {
    const p = one('PRelu', ['x', 'w'], [vi('x', 'float32', [2, 3, 4, 5])], [tensor('w', 'float32', [3], [1, 2, 3])], {}, 6);
    assert.deepEqual(p.a.outputs[0].shape, [2, 3, 4, 5]);
    assert.equal(p.a.totals.flops, 2 * 120);
    for (const op of ['Max', 'Min']) {
      const m = one(op, ['c'], [], [tensor('c', 'int64', [2], [7, -1])]);
      assert.deepEqual(m.a.notCosted, []);
      assert.deepEqual(m.folded[0]?.values, [7, -1]);
    }
  });

  it('folded values: Max/Min of three, Mod with fmod, Round half to even, Dropout in training mode', () => {
    const c = [tensor('a', 'int64', [2], [1, 9]), tensor('b', 'int64', [2], [5, 2]), tensor('c', 'int64', [2], [3, 4])];
    assert.deepEqual(one('Max', ['a', 'b', 'c'], [], c).folded[0]?.values, [5, 9]);
    assert.deepEqual(one('Min', ['a', 'b', 'c'], [], c).folded[0]?.values, [1, 2]);
    const mod = [tensor('x', 'float32', [2], [-7, 7]), tensor('d', 'float32', [2], [3, -3])];
    assert.deepEqual(one('Mod', ['x', 'd'], [], mod, { fmod: int(1) }).folded[0]?.values, [-1, 1], 'C fmod: sign of the dividend');
    assert.deepEqual(one('Mod', ['x', 'd'], [], mod).folded[0]?.values, [2, -2], 'integer mod: sign of the divisor');
    assert.deepEqual(one('Round', ['r'], [], [tensor('r', 'float32', [4], [0.5, 1.5, 2.5, -2.5])]).folded[0]?.values, [0, 2, 2, -2]);
    const train = [tensor('x', 'float32', [2], [1, 2]), tensor('ratio', 'float32', [], [0.5]), { ...tensor('t', 'int64', [], [1]), dtype: 'bool' as const, source: { kind: 'inline' as const, bytes: new Uint8Array([1]) } }];
    const d = one('Dropout', ['x', 'ratio', 't'], [], train, {}, 13, 2);
    assert.equal(d.folded[0], undefined, 'training-mode Dropout is random: no value');
    assert.deepEqual(one('Dropout', ['x'], [], train, {}, 13).folded[0]?.values, [1, 2], 'inference: identity');
  });

  it('casts round to the target type: bfloat16 and float16 to nearest even, integers wrap', () => {
    assert.equal(toBfloat16(1 + 2 ** -8), 1, 'a tie goes to the even mantissa');
    assert.equal(toBfloat16(1 + 3 * 2 ** -8), 1 + 2 ** -6);
    assert.equal(toHalf(1 + 2 ** -11), 1);
    assert.equal(toHalf(1 + 3 * 2 ** -11), 1 + 2 ** -9);
    assert.deepEqual(one('Cast', ['x'], [], [tensor('x', 'int64', [2], [300, -129])], { to: int(3) }).folded[0]?.values, [44, 127], 'int8 wraps');
    assert.deepEqual(one('Cast', ['x'], [], [tensor('x', 'float32', [2], [1.9, -1.9])], { to: int(7) }).folded[0]?.values, [1, -1], 'float to int truncates');
  });

  it('unknown input values still give the dtype, the rank and the dims that do not depend on them', () => {
    const pad = one('Pad', ['x', 'p'], [vi('x', 'float32', [2, 3]), vi('p', 'int64', [4])]);
    assert.equal(pad.a.outputs[0].dtype, 'float32');
    assert.ok(pad.a.outputs[0].shape!.every(isUnknown));
    const cos = one('ConstantOfShape', ['s'], [vi('s', 'int64', [3])], [], { value: { kind: 'tensor', value: tensor('v', 'int64', [1], [1]) } });
    assert.equal(cos.a.outputs[0].dtype, 'int64');
    assert.equal(cos.a.outputs[0].shape!.length, 3);
    const ex = one('Expand', ['x', 's'], [vi('x', 'float32', [3, 1]), vi('s', 'int64', [3])]);
    const es = ex.a.outputs[0].shape!;
    assert.ok(isUnknown(es[0]) && es[1] === 3 && isUnknown(es[2]), JSON.stringify(es));
    const tk = one('TopK', ['x', 'k'], [vi('x', 'float32', [5, 8]), vi('k', 'int64', [1])], [], { axis: int(1) }, 17, 2);
    assert.deepEqual(tk.a.outputs.map((o) => [o.dtype, o.shape![0]]), [['float32', 5], ['int64', 5]]);
    assert.ok(isUnknown(tk.a.outputs[1].shape![1]));
    const sl = one('Slice', ['x', 's', 'e', 'ax'], [vi('x', 'float32', [5, 8, 2]), vi('s', 'int64', [1]), vi('e', 'int64', [1])], [tensor('ax', 'int64', [1], [1])]);
    const ss = sl.a.outputs[0].shape!;
    assert.ok(ss[0] === 5 && isUnknown(ss[1]) && ss[2] === 2, JSON.stringify(ss));
    const sq = one('Squeeze', ['x', 'ax'], [vi('x', 'float32', [1, 4, 1]), vi('ax', 'int64', [2])]);
    assert.deepEqual(sq.a.outputs[0].shape, [4], 'two axes and exactly two dims of 1: those are they');
    const rs = one('ReduceSum', ['x', 'ax'], [vi('x', 'float32', [2, 3, 4]), vi('ax', 'int64', [1])], [], { keepdims: int(0) });
    assert.equal(rs.a.outputs[0].shape!.length, 2);
  });

  it('Resize with sizes from a graph input keeps the dtype and rank and blames no input', () => {
    const r = one('Resize', ['x', '', '', 'sz'], [vi('x', 'float32', [1, 3, 8, 8]), vi('sz', 'int64', [4])]);
    assert.equal(r.a.outputs[0].dtype, 'float32');
    assert.equal(r.a.outputs[0].shape!.length, 4);
    assert.ok(!r.a.notCosted.some((n) => /scales/.test(n.reason)), JSON.stringify(r.a.notCosted));
  });

  it('sequences carry element types; known elements give exact SequenceAt, SequenceLength, ConcatFromSequence', () => {
    const nodes = [
      node('SequenceConstruct', ['a', 'b'], ['s']),
      node('SequenceAt', ['s', 'one'], ['at']),
      node('SequenceLength', ['s'], ['len']),
      node('ConcatFromSequence', ['s'], ['cat'], { axis: int(0) }),
      node('SplitToSequence', ['b', 'four'], ['parts']),
      node('ConcatFromSequence', ['parts'], ['stack'], { axis: int(0), new_axis: int(1) }),
      node('Optional', ['s'], ['opt']),
      node('OptionalGetElement', ['opt'], ['back']),
    ];
    const { a, folded } = run(nodes, [vi('a', 'float32', [2, 3]), vi('b', 'float32', [6, 3])], ['at', 'len', 'cat', 'stack', 'opt', 'back'], [tensor('one', 'int64', [], [1]), tensor('four', 'int64', [], [4])]);
    const o = Object.fromEntries(a.outputs.map((t) => [t.name, t]));
    assert.deepEqual(o.at.shape, [6, 3]);
    assert.equal(o.at.container, undefined);
    assert.deepEqual(folded[1]?.values, [2]);
    assert.deepEqual(o.cat.shape, [8, 3]);
    assert.ok(isUnknown(o.stack.shape![1]) && o.stack.shape![0] === 2 && o.stack.shape!.length === 3, 'parts of 4 and 2 rows stacked: the row dim differs');
    assert.equal(o.opt.container, 'optional-sequence');
    assert.equal(o.back.container, 'sequence');
    assert.equal(o.back.dtype, 'float32');
    assert.deepEqual(a.notCosted, []);
  });

  it('losses: shapes by reduction; FLOPs = softmax + per-target pick/weight/reduction', () => {
    const sce = one('SoftmaxCrossEntropyLoss', ['x', 't'], [vi('x', 'float32', [3, 5, 2]), vi('t', 'int64', [3, 2])], [], { reduction: str('none') }, 13, 2);
    assert.deepEqual(sce.a.outputs.map((o) => o.shape), [[3, 2], [3, 5, 2]]);
    assert.equal(sce.a.totals.flops, 5 * 30 + 1 * 6);
    const nll = one('NegativeLogLikelihoodLoss', ['x', 't', 'w'], [vi('x', 'float32', [3, 5]), vi('t', 'int64', [3]), vi('w', 'float32', [5])], [], {}, 13);
    assert.deepEqual(nll.a.outputs[0].shape, []);
    assert.equal(nll.a.totals.flops, 3 * 3, 'pick, weight, mean per target');
  });

  it('training optimizers: outputs shaped like the inputs; FLOPs per optimized element', () => {
    const ins = ['r', 't', 'x1', 'x2', 'g1', 'g2', 'v1', 'v2', 'h1', 'h2'];
    const types = [vi('r', 'float32', []), vi('t', 'int64', []), ...['x', 'g', 'v', 'h'].flatMap((p) => [vi(`${p}1`, 'float32', [4]), vi(`${p}2`, 'float32', [2, 3])])];
    const adam = run([{ ...node('Adam', ins, ['X1', 'X2', 'V1', 'V2', 'H1', 'H2']), domain: 'ai.onnx.preview.training' }], types, ['X1', 'X2', 'V1', 'V2', 'H1', 'H2'], [], 17, undefined, { 'ai.onnx.preview.training': 1 });
    assert.deepEqual(adam.a.outputs.map((o) => o.shape), [[4], [2, 3], [4], [2, 3], [4], [2, 3]]);
    assert.equal(adam.a.totals.flops, 14 * 10);
  });

  it('signal ops: DFT onesided, STFT frames, windows of a known size, MelWeightMatrix', () => {
    const dft = one('DFT', ['x', 'n'], [vi('x', 'float32', [2, 16, 1])], [tensor('n', 'int64', [], [16])], { onesided: int(1) });
    assert.deepEqual(dft.a.outputs[0].shape, [2, 9, 2]);
    assert.equal(dft.a.totals.flops, 2 * 5 * 16 * 4, '5 N log2 N per transform, 2 transforms');
    const stft = one('STFT', ['x', 'step', 'w'], [vi('x', 'float32', [1, 128, 1]), vi('w', 'float32', [16])], [tensor('step', 'int64', [], [8])]);
    assert.deepEqual(stft.a.outputs[0].shape, [1, 15, 9, 2], '(128 - 16)/8 + 1 frames, 16/2 + 1 bins');
    const hann = one('HannWindow', ['n'], [], [tensor('n', 'int64', [], [10])], { output_datatype: int(11) });
    assert.deepEqual([hann.a.outputs[0].dtype, hann.a.outputs[0].shape], ['float64', [10]]);
    const mel = one('MelWeightMatrix', ['b', 'n', 'sr', 'lo', 'hi'], [], [tensor('b', 'int64', [], [8]), tensor('n', 'int64', [], [16]), tensor('sr', 'int64', [], [8000]), tensor('lo', 'float32', [], [0]), tensor('hi', 'float32', [], [4000])]);
    assert.deepEqual(mel.a.outputs[0].shape, [9, 8]);
  });

  it('text ops, Unique (values folded when known) and MaxUnpool', () => {
    const tf = one('TfIdfVectorizer', ['x'], [vi('x', 'int32', [2, 6])], [], { ngram_indexes: ints([0, 1, 2, 6]), min_gram_length: int(1), max_gram_length: int(2) });
    assert.deepEqual([tf.a.outputs[0].dtype, tf.a.outputs[0].shape], ['float32', [2, 7]]);
    assert.equal(tf.a.totals.flops, 2 * 12);
    const sn = one('StringNormalizer', ['x'], [vi('x', 'string', [1, 4])], [], { stopwords: { kind: 'strings', value: ['a'] } });
    assert.ok(sn.a.outputs[0].shape![0] === 1 && isUnknown(sn.a.outputs[0].shape![1]));
    const u = one('Unique', ['x'], [], [tensor('x', 'int64', [5], [3, 1, 3, 2, 1])], {}, 11, 4);
    assert.deepEqual(u.folded.map((v) => v?.values), [[1, 2, 3], [1, 3, 0], [2, 0, 2, 1, 0], [2, 1, 2]]);
    const mu = one('MaxUnpool', ['x', 'i'], [vi('x', 'float32', [1, 1, 2, 2]), vi('i', 'int64', [1, 1, 2, 2])], [], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
    assert.deepEqual(mu.a.outputs[0].shape, [1, 1, 4, 4]);
  });

  it('ai.onnx.ml: linear and tree models; their attributes are the parameters; trees cost comparisons per sample', () => {
    const ml = (op: string, attrs: Record<string, Attribute>, nOut: number) =>
      run([{ ...node(op, ['x'], Array.from({ length: nOut }, (_, i) => `y${i}`), attrs), domain: 'ai.onnx.ml' }], [vi('x', 'float32', [10, 4])], Array.from({ length: nOut }, (_, i) => `y${i}`), [], 17, undefined, { 'ai.onnx.ml': 3 }).a;
    const floats = (value: number[]): Attribute => ({ kind: 'floats', value });
    const lin = ml('LinearClassifier', { coefficients: floats(new Array(12).fill(0.5)), intercepts: floats([0, 0, 0]), classlabels_ints: ints([0, 1, 2]) }, 2);
    assert.deepEqual(lin.outputs.map((o) => [o.dtype, o.shape]), [['int64', [10]], ['float32', [10, 3]]]);
    assert.equal(lin.totals.macs, 10 * 4 * 3);
    assert.equal(lin.totals.params, 12 + 3);
    // Tree 0: node 0 -> leaf 1 | node 2 -> leaves 3, 4 (depth 2). Tree 1: node 0 -> leaves 1, 2 (depth 1).
    const tree = ml('TreeEnsembleClassifier', {
      nodes_treeids: ints([0, 0, 0, 0, 0, 1, 1, 1]), nodes_nodeids: ints([0, 1, 2, 3, 4, 0, 1, 2]),
      nodes_modes: { kind: 'strings', value: ['BRANCH_LEQ', 'LEAF', 'BRANCH_LEQ', 'LEAF', 'LEAF', 'BRANCH_LEQ', 'LEAF', 'LEAF'] },
      nodes_truenodeids: ints([1, 0, 3, 0, 0, 1, 0, 0]), nodes_falsenodeids: ints([2, 0, 4, 0, 0, 2, 0, 0]),
      nodes_featureids: ints([0, 0, 1, 0, 0, 2, 0, 0]), nodes_values: floats([0.5, 0, 1.5, 0, 0, 2.5, 0, 0]),
      class_ids: ints([0, 1, 0, 1, 0]), class_treeids: ints([0, 0, 0, 1, 1]), class_nodeids: ints([1, 3, 4, 1, 2]), class_weights: floats([1, 1, 1, 1, 1]),
      classlabels_strings: { kind: 'strings', value: ['a', 'b'] },
    }, 2);
    assert.deepEqual(tree.outputs.map((o) => [o.dtype, o.shape]), [['string', [10]], ['float32', [10, 2]]]);
    assert.equal(tree.totals.flops, 10 * ((2 + 1) + 2 * 1), 'per sample: 3 comparisons, one add per tree');
    assert.equal(tree.totals.params, 8 + 5, 'thresholds (nodes_values) and leaf weights');
    assert.deepEqual(tree.notCosted, []);
  });

  it('ops of opsets 18-24: Col2Im, CenterCropPad, DeformConv, AffineGrid, string ops, TensorScatter, Swish, Multinomial', () => {
    const c2i = one('Col2Im', ['x', 'img', 'blk'], [vi('x', 'float32', [1, 12, 9])], [tensor('img', 'int64', [2], [5, 5]), tensor('blk', 'int64', [2], [2, 2])], {}, 18);
    assert.deepEqual(c2i.a.outputs[0].shape, [1, 3, 5, 5]);
    const ccp = one('CenterCropPad', ['x', 's'], [vi('x', 'float32', [20, 10, 3])], [tensor('s', 'int64', [2], [10, 20])], { axes: ints([0, 1]) }, 18);
    assert.deepEqual(ccp.a.outputs[0].shape, [10, 20, 3]);
    const dc = one('DeformConv', ['x', 'w', 'off'], [vi('x', 'float32', [1, 2, 5, 5]), vi('off', 'float32', [1, 18, 3, 3])], [tensor('w', 'float32', [4, 2, 3, 3])], {}, 19);
    assert.deepEqual(dc.a.outputs[0].shape, [1, 4, 3, 3]);
    assert.equal(dc.a.totals.macs, 36 * 18, 'Conv MACs: out elements x C_in x kernel');
    const ag = one('AffineGrid', ['t', 's'], [vi('t', 'float32', [2, 2, 3])], [tensor('s', 'int64', [4], [2, 3, 4, 5])], {}, 20);
    assert.deepEqual(ag.a.outputs[0].shape, [2, 4, 5, 2]);
    const sc = one('StringConcat', ['a', 'b'], [vi('a', 'string', [3, 1]), vi('b', 'string', [4])], [], {}, 20);
    assert.deepEqual([sc.a.outputs[0].dtype, sc.a.outputs[0].shape], ['string', [3, 4]]);
    const ss = one('StringSplit', ['a'], [vi('a', 'string', [3])], [], {}, 20, 2);
    assert.deepEqual([ss.a.outputs[0].shape!.length, ss.a.outputs[1].dtype, ss.a.outputs[1].shape], [2, 'int64', [3]]);
    const ts = one('TensorScatter', ['cache', 'upd', 'idx'], [vi('cache', 'float16', [2, 8, 16, 4]), vi('upd', 'float16', [2, 8, 1, 4]), vi('idx', 'int64', [2])], [], {}, 24);
    assert.deepEqual([ts.a.outputs[0].dtype, ts.a.outputs[0].shape], ['float16', [2, 8, 16, 4]]);
    const sw = one('Swish', ['x'], [vi('x', 'float32', [2, 3])], [], {}, 24);
    assert.equal(sw.a.totals.flops, 5 * 6);
    const mn = one('Multinomial', ['x'], [vi('x', 'float32', [4, 10])], [], { sample_size: int(3) }, 7);
    assert.deepEqual([mn.a.outputs[0].dtype, mn.a.outputs[0].shape], ['int32', [4, 3]]);
  });

  it('Resize 18+: keep_aspect_ratio_policy scales every listed axis by one ratio; DequantizeLinear 23+ output_dtype', () => {
    const rz = (policy: string) => one('Resize', ['x', '', '', 'sz'], [vi('x', 'float32', [1, 3, 20, 40])], [tensor('sz', 'int64', [2], [10, 10])], { axes: ints([2, 3]), keep_aspect_ratio_policy: str(policy) }, 18).a.outputs[0].shape;
    assert.deepEqual(rz('not_larger'), [1, 3, 5, 10], 'min(10/20, 10/40) = 0.25');
    assert.deepEqual(rz('not_smaller'), [1, 3, 10, 20], 'max = 0.5');
    assert.deepEqual(rz('stretch'), [1, 3, 10, 10]);
    const dq = one('DequantizeLinear', ['q', 's'], [vi('q', 'int8', [4]), vi('s', 'float32', [])], [], { output_dtype: int(10) }, 23);
    assert.equal(dq.a.outputs[0].dtype, 'float16');
  });

  it('the writer writes an inferred sequence / optional type the file did not have', async () => {
    const g = graph([node('SequenceConstruct', ['a'], ['s']), node('Optional', ['s'], ['o'])], [vi('a', 'float32', [2])], [{ ...vi('s', 'float32', [2]), container: 'sequence' }, { ...vi('o', 'float32', [2]), container: 'optional-sequence' }]);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'modellens-seq-')), 'seq.onnx');
    await writeOnnx(model(g, 17), file);
    const back = readOnnxSync(file).graph.outputs;
    assert.deepEqual(back.map((o) => [o.container, o.dtype, o.shape]), [['sequence', 'float32', [2]], ['optional-sequence', 'float32', [2]]]);
  });

  it('hostile sizes allocate nothing: SplitToSequence of a 2^40 axis, a tree ensemble whose nodes share children', () => {
    const big = one('SplitToSequence', ['x'], [vi('x', 'float32', [2 ** 40, 2])], [], { keepdims: int(0) });
    assert.deepEqual([big.a.outputs[0].container, big.a.outputs[0].shape], ['sequence', [2]]);
    // 40 levels, each node's two branches pointing at the same next node: 2^40 paths, 40 nodes.
    const n = 40;
    const attrs: Record<string, Attribute> = {
      tree_roots: ints([0]), nodes_truenodeids: ints(Array.from({ length: n }, (_, i) => Math.min(i + 1, n - 1))), nodes_falsenodeids: ints(Array.from({ length: n }, (_, i) => Math.min(i + 1, n - 1))),
      nodes_trueleafs: ints(Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0))), nodes_falseleafs: ints(Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0))),
      n_targets: int(1),
    };
    const tree = run([{ ...node('TreeEnsemble', ['x'], ['y'], attrs), domain: 'ai.onnx.ml' }], [vi('x', 'float32', [1, 3])], ['y'], [], 17, undefined, { 'ai.onnx.ml': 5 });
    assert.equal(tree.a.totals.flops, n + 1, 'depth 40 plus one add');
  });
});
