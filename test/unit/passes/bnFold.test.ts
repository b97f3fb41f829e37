import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { loadModel } from '../../../src/core/formats/index';
import { bnFold } from '../../../src/core/passes/bnFold';
import { TempDir, convBn, f32, int, ints, maxRelDiff, model, node, onnxChecker, randn, rng, roundTrip, runOrt, vi } from './helpers';

function convBnModel() {
  const r = rng(1);
  const C = 8;
  const pos = (n: number) => Float32Array.from(randn(n, r), (x) => 0.5 + Math.abs(x));
  const head = convBn(r, C);
  return model(
    [
      ...head.nodes,
      node('relu', 'Relu', ['y'], ['r']),
      node('flat', 'Flatten', ['r'], ['f']),
      node('fc', 'Gemm', ['f', 'fw', 'fb'], ['h'], { transB: int(1) }),
      node('bn2', 'BatchNormalization', ['h', 'g2', 'be2', 'mu2', 'var2'], ['out']),
    ],
    [vi('x', [2, 3, 6, 6])],
    [vi('out', [2, 10])],
    [
      ...head.inits,
      f32('fw', [10, C * 36], randn(10 * C * 36, r, 0.1)), f32('fb', [10], randn(10, r)),
      f32('g2', [10], pos(10)), f32('be2', [10], randn(10, r)), f32('mu2', [10], randn(10, r)), f32('var2', [10], pos(10)),
    ],
  );
}

describe('passes: bn-fold', () => {
  const tmp = new TempDir();
  after(() => tmp.dispose());

  it('Keras MobileNetV2 (nested, architecture only): folds the BNs after linear convs; Δparams by hand; costs intact', async () => {
    const m = await loadModel('/work/shared/models/keras/tfjs_k3_fadhilah_mobilenetv2_nested.json');
    const before = analyzeModel(m);
    const [s] = await bnFold.find(m, before);
    const out = await bnFold.rewrite(m, s, {}, { withWeights: false });
    const after = analyzeModel(out);
    // Each folded BN drops gamma, beta, mean, var (4·C); a conv without bias gains one (C).
    let expected = 0;
    for (const id of s.layers) {
      const n = m.graph.nodes.find((x) => x.id === id)!;
      if (n.opType !== 'BatchNormalization') continue;
      const C = m.graph.initializers.get(n.weights![0])!.dims[0];
      const prod = m.graph.nodes.find((x) => x.outputs.includes(n.inputs[0]))!;
      expected += -4 * C + (prod.weights!.some((w) => /bias/.test(w)) ? 0 : C);
    }
    assert.equal(after.totals.params - before.totals.params, expected);
    assert.equal(s.delta.params, expected);
    assert.equal(after.notCosted.length, before.notCosted.length);
    assert.equal(after.totals.macs, before.totals.macs);
    assert.equal(out.graph.nodes.length, m.graph.nodes.length - s.layers.length / 2);
  });

  it('ONNX chain Conv→BN→Conv→BN (no activation between) folds both', async () => {
    const r = rng(3);
    const pos = (n: number) => Float32Array.from(randn(n, r), (x) => 0.5 + Math.abs(x));
    const bn = (p: string, C: number) => [f32(`${p}g`, [C], pos(C)), f32(`${p}b`, [C], randn(C, r)), f32(`${p}m`, [C], randn(C, r)), f32(`${p}v`, [C], pos(C))];
    const m = model(
      [
        node('c1', 'Conv', ['x', 'w1'], ['a'], { kernel_shape: ints([1, 1]) }),
        node('bn1', 'BatchNormalization', ['a', 'ag', 'ab', 'am', 'av'], ['a1']),
        node('c2', 'Conv', ['a1', 'w2'], ['b'], { kernel_shape: ints([1, 1]) }),
        node('bn2', 'BatchNormalization', ['b', 'bg', 'bb', 'bm', 'bv'], ['y']),
      ],
      [vi('x', [1, 3, 4, 4])],
      [vi('y', [1, 5, 4, 4])],
      [f32('w1', [4, 3, 1, 1], randn(12, r)), f32('w2', [5, 4, 1, 1], randn(20, r)), ...bn('a', 4), ...bn('b', 5)],
    );
    const [s] = await bnFold.find(m, analyzeModel(m));
    const out = await bnFold.rewrite(m, s, {}, { withWeights: true });
    assert.deepEqual(out.graph.nodes.map((n) => n.opType), ['Conv', 'Conv']);
    const f0 = tmp.file('chain0.onnx');
    const f1 = tmp.file('chain1.onnx');
    await roundTrip(m, f0);
    await roundTrip(out, f1);
    const x = randn(48, rng(8));
    const [a, b] = await Promise.all([runOrt(f0, { x: { data: x, dims: [1, 3, 4, 4] } }), runOrt(f1, { x: { data: x, dims: [1, 3, 4, 4] } })]);
    assert.ok(maxRelDiff(a.y, b.y) < 1e-4);
  });

  it('folds Conv+BN and Gemm+BN exactly; ORT outputs match; deltas match re-analysis', async () => {
    const m = convBnModel();
    const before = analyzeModel(m);
    const [s] = await bnFold.find(m, before);
    assert.equal(s.kind, 'exact');
    assert.deepEqual(new Set(s.layers), new Set(['conv', 'bn', 'fc', 'bn2']));
    const nodesBefore = m.graph.nodes.length;
    const out = await bnFold.rewrite(m, s, s.at, { withWeights: true });
    assert.equal(m.graph.nodes.length, nodesBefore, 'input model not mutated');
    assert.deepEqual(out.graph.nodes.map((n) => n.opType), ['Conv', 'Relu', 'Flatten', 'Gemm']);

    const f0 = tmp.file('orig.onnx');
    const f1 = tmp.file('folded.onnx');
    const back = await roundTrip(m, f0);
    const backOut = await roundTrip(out, f1);
    const x = randn(2 * 3 * 36, rng(7));
    const [a, b] = await Promise.all([runOrt(f0, { x: { data: x, dims: [2, 3, 6, 6] } }), runOrt(f1, { x: { data: x, dims: [2, 3, 6, 6] } })]);
    assert.ok(maxRelDiff(a.out, b.out) < 1e-4, `rel diff ${maxRelDiff(a.out, b.out)}`);

    // BN params 4·8 + 4·10 disappear; the layers keep their biases: Δ = -(32 + 40).
    const A0 = analyzeModel(back);
    const A1 = analyzeModel(backOut);
    assert.equal(s.delta.params, A1.totals.params - A0.totals.params);
    assert.equal(s.delta.params, -(4 * 8 + 4 * 10));
    assert.equal(s.delta.macs, (A1.totals.macs as number) - (A0.totals.macs as number));
    const chk = onnxChecker(f1);
    if (chk !== undefined) assert.equal(chk, '');
  });
});
