import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { cleanup } from '../../../src/core/passes/cleanup';
import { TempDir, f32, maxRelDiff, model, node, onnxChecker, randn, rng, roundTrip, runOrt, vi } from './helpers';

describe('passes: cleanup', () => {
  const tmp = new TempDir();
  after(() => tmp.dispose());

  it('removes Identity/Dropout and merges MatMul+Add into Gemm; outputs equal in ORT; deltas match', async () => {
    const r = rng(2);
    const m = model(
      [
        node('id0', 'Identity', ['x'], ['x1']),
        node('mm', 'MatMul', ['x1', 'w'], ['h']),
        node('add', 'Add', ['h', 'b'], ['h1']),
        node('drop', 'Dropout', ['h1'], ['h2']),
        node('relu', 'Relu', ['h2'], ['r']),
        node('id1', 'Identity', ['r'], ['y']),
      ],
      [vi('x', [4, 16])],
      [vi('y', [4, 8])],
      [f32('w', [16, 8], randn(128, r)), f32('b', [8], randn(8, r))],
    );
    const before = analyzeModel(m);
    const found = await cleanup.find(m, before);
    const kinds = found.map((s) => s.detail!.cleanup).sort();
    assert.deepEqual(kinds, ['identity', 'matmul-add']);
    let cur = m;
    for (const s of found) cur = await cleanup.rewrite(cur, s, {}, { withWeights: true });
    assert.deepEqual(cur.graph.nodes.map((n) => n.opType), ['Gemm', 'Relu']);
    assert.equal(cur.graph.outputs[0].name, 'y');
    const f0 = tmp.file('c0.onnx');
    const f1 = tmp.file('c1.onnx');
    await roundTrip(m, f0);
    const back = await roundTrip(cur, f1);
    const x = randn(64, rng(9));
    const [a, b] = await Promise.all([runOrt(f0, { x: { data: x, dims: [4, 16] } }), runOrt(f1, { x: { data: x, dims: [4, 16] } })]);
    assert.ok(maxRelDiff(a.y, b.y) < 1e-4);
    const A1 = analyzeModel(back);
    const sumParams = found.reduce((s, x) => s + x.delta.params, 0);
    assert.equal(sumParams, A1.totals.params - before.totals.params);
    const chk = onnxChecker(f1);
    if (chk !== undefined) assert.equal(chk, '');
  });

  it('a chain of no-ops ending at a graph output (Relu → Identity → Dropout → y) is removed whole; y keeps its name', async () => {
    const m = model(
      [node('relu', 'Relu', ['x'], ['r']), node('id', 'Identity', ['r'], ['i']), node('drop', 'Dropout', ['i'], ['y'])],
      [vi('x', [2, 5])],
      [vi('y', [2, 5])],
      [],
    );
    const [s] = await cleanup.find(m, analyzeModel(m));
    assert.deepEqual(s.layers, ['id', 'drop']);
    const out = await cleanup.rewrite(m, s, {}, { withWeights: true });
    assert.deepEqual(out.graph.nodes.map((n) => `${n.opType}:${n.inputs}->${n.outputs}`), ['Relu:x->y']);
    const f = tmp.file('chain.onnx');
    await roundTrip(out, f);
    const x = randn(10, rng(4));
    const y = (await runOrt(f, { x: { data: x, dims: [2, 5] } })).y;
    assert.deepEqual([...y], [...x].map((v) => Math.max(0, v)));
  });

  it('a no-op between a graph input and a graph output stays (the output name has no producer to take it)', async () => {
    const m = model([node('id', 'Identity', ['x'], ['y'])], [vi('x', [3])], [vi('y', [3])], []);
    assert.deepEqual(await cleanup.find(m, analyzeModel(m)), []);
  });

  for (const file of ['tiny_bert_op17.onnx', 'tiny_bert_dynamic.onnx']) {
    it(`${file}: folds constant shape subgraphs; outputs equal in ORT; Δ matches re-analysis`, async () => {
      const path = `/work/shared/models/onnx/${file}`;
      const m = readOnnxFile(path);
      const dims = { batch: 1, sequence: 128 };
      const before = analyzeModel(m, { dims });
      const found = await cleanup.find(m, before, { dims });
      const fold = found.find((s) => s.detail!.cleanup === 'const-fold');
      assert.ok(fold, 'a constant-fold suggestion');
      const out = await cleanup.rewrite(m, fold, {}, { withWeights: true });
      assert.ok(out.graph.nodes.length < m.graph.nodes.length);
      const f = tmp.file(`fold_${file}`);
      const back = await roundTrip(out, f);
      const ids = BigInt64Array.from({ length: 128 }, (_, i) => BigInt((i * 37) % 100));
      const [a, b] = await Promise.all([runOrt(path, { input_ids: { data: ids, dims: [1, 128] } }), runOrt(f, { input_ids: { data: ids, dims: [1, 128] } })]);
      assert.ok(maxRelDiff(a.logits, b.logits) < 1e-4);
      if (file.includes('dynamic')) {
        // Folding must not bake in the bound sizes: a different sequence length still runs and agrees.
        const ids2 = ids.slice(0, 40);
        const [c, d] = await Promise.all([runOrt(path, { input_ids: { data: ids2, dims: [1, 40] } }), runOrt(f, { input_ids: { data: ids2, dims: [1, 40] } })]);
        assert.ok(maxRelDiff(c.logits, d.logits) < 1e-4);
      }
      const A1 = analyzeModel(back, { dims });
      assert.equal(fold.delta.params, A1.totals.params - before.totals.params);
      assert.equal(fold.delta.macs, (A1.totals.macs as number) - (before.totals.macs as number));
      const chk = onnxChecker(f);
      if (chk !== undefined) assert.equal(chk, '');
    });
  }
});
