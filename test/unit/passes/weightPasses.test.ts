import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { cluster } from '../../../src/core/passes/cluster';
import { quantizeInt8 } from '../../../src/core/passes/quantize';
import type { LayerError } from '../../../src/core/passes/types';
import { readTensorBytes, toFloat32 } from '../../../src/core/tensor/bytes';
import { TempDir, frobRel, onnxChecker, randn, rng, roundTrip, runOrt } from './helpers';

const SQUEEZE = '/work/shared/models/onnx/squeezenet1_0.onnx';

describe('passes: quantize-int8 and cluster (squeezenet1_0)', () => {
  const tmp = new TempDir();
  after(() => tmp.dispose());
  const m = readOnnxFile(SQUEEZE);
  const before = analyzeModel(m);
  const x = randn(3 * 224 * 224, rng(5));
  let ref: Float32Array;
  before2();
  function before2() {
    it('reference run', async () => {
      ref = (await runOrt(SQUEEZE, { input: { data: x, dims: [1, 3, 224, 224] } })).output;
    });
  }

  it('quantize-int8: 26 convs get DequantizeLinear; reported errors = the test\'s own dequantisation; runs in ORT', async () => {
    const [s] = await quantizeInt8.find(m, before);
    assert.equal(s.layers.length, 26);
    const errors: LayerError[] = [];
    const out = await quantizeInt8.rewrite(m, s, s.at, { withWeights: true, onError: (e) => errors.push(e) });
    const f = tmp.file('q.onnx');
    const back = await roundTrip(out, f);
    assert.equal(back.graph.nodes.filter((n) => n.opType === 'DequantizeLinear').length, 26);
    for (const dq of back.graph.nodes.filter((n) => n.opType === 'DequantizeLinear')) {
      const q = back.graph.initializers.get(dq.inputs[0])!;
      const scale = await toFloat32(back.graph.initializers.get(dq.inputs[1])!);
      const qb = new Int8Array((await readTensorBytes(q)).slice().buffer);
      const conv = back.graph.nodes.find((n) => n.inputs[1] === dq.outputs[0])!;
      const W = await toFloat32(m.graph.initializers.get(q.name.replace(/_int8$/, ''))!);
      const per = qb.length / q.dims[0];
      const deq = Float32Array.from(qb, (v, i) => v * scale[Math.floor(i / per)]);
      const e = frobRel(W, deq);
      const rep = errors.find((r) => r.layer === conv.id)!.relError;
      assert.ok(Math.abs(e - rep) < 1e-6, `${conv.id}: ${e} vs ${rep}`);
      assert.ok(e < 0.02);
    }
    const y = (await runOrt(f, { input: { data: x, dims: [1, 3, 224, 224] } })).output;
    const outErr = frobRel(ref, y);
    assert.ok(outErr > 0 && outErr < 0.1, `output error ${outErr}`);
    const A1 = analyzeModel(back);
    assert.equal(s.delta.weightBytes, A1.totals.weightBytes - before.totals.weightBytes);
    assert.equal(s.delta.params, A1.totals.params - before.totals.params);
    assert.equal(s.delta.macs, (A1.totals.macs as number) - (before.totals.macs as number));
    const chk = onnxChecker(f);
    if (chk !== undefined) assert.equal(chk, '');
  });

  it('cluster at 3 bits: ≤ 8 distinct values per tensor; reported error = recomputed; runs in ORT', async () => {
    const [s] = await cluster.find(m, before);
    const errors: LayerError[] = [];
    const out = await cluster.rewrite(m, s, { bits: 3 }, { withWeights: true, onError: (e) => errors.push(e) });
    const f = tmp.file('c.onnx');
    const back = await roundTrip(out, f);
    for (const id of s.layers) {
      const n0 = m.graph.nodes.find((n) => n.id === id)!;
      const n1 = back.graph.nodes.find((n) => n.id === id)!;
      const W = await toFloat32(m.graph.initializers.get(n0.inputs[1])!);
      const C = await toFloat32(back.graph.initializers.get(n1.inputs[1])!);
      assert.ok(new Set(C).size <= 8);
      assert.ok(Math.abs(frobRel(W, C) - errors.find((e) => e.layer === id)!.relError) < 1e-6);
    }
    const y = (await runOrt(f, { input: { data: x, dims: [1, 3, 224, 224] } })).output;
    assert.ok(y.every(Number.isFinite));
    assert.equal(s.delta.params, 0);
    assert.equal(analyzeModel(back).totals.params, before.totals.params);
    const chk = onnxChecker(f);
    if (chk !== undefined) assert.equal(chk, '');
  });
});
