import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { cluster } from '../../../src/core/passes/cluster';
import { quantizeInt8 } from '../../../src/core/passes/quantize';
import type { LayerError } from '../../../src/core/passes/types';
import { readTensorBytes, toFloat32 } from '../../../src/core/tensor/bytes';
import { statSync } from 'node:fs';
import { TempDir, f32, frobRel, model, node, onnxChecker, randn, rng, roundTrip, runOrt, vi } from './helpers';

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

  for (const bits of [3, 4, 8]) {
    it(`cluster at ${bits} bits: codebook + uint8 indices + Gather; ≤ 2^b values; reported error = recomputed; the file shrinks by the reported factor (±2%)`, async () => {
      const [s] = await cluster.find(m, before);
      const errors: LayerError[] = [];
      const out = await cluster.rewrite(m, s, { bits }, { withWeights: true, onError: (e) => errors.push(e) });
      const f = tmp.file(`c${bits}.onnx`);
      const back = await roundTrip(out, f);
      const gathers = back.graph.nodes.filter((n) => n.opType === 'Gather');
      assert.equal(gathers.length, s.layers.length);
      for (const id of s.layers) {
        const n0 = m.graph.nodes.find((n) => n.id === id)!;
        const n1 = back.graph.nodes.find((n) => n.id === id)!;
        const gather = back.graph.nodes.find((n) => n.outputs[0] === n1.inputs[1])!;
        assert.equal(gather.opType, 'Gather');
        const book = await toFloat32(back.graph.initializers.get(gather.inputs[0])!);
        assert.equal(book.length, 2 ** bits);
        const cast = back.graph.nodes.find((n) => n.outputs[0] === gather.inputs[1])!;
        const idxT = back.graph.initializers.get(cast.inputs[0])!;
        assert.equal(idxT.dtype, 'uint8');
        const idx = await readTensorBytes(idxT);
        const W = await toFloat32(m.graph.initializers.get(n0.inputs[1])!);
        const C = Float32Array.from(idx, (j) => book[j]);
        assert.ok(new Set(C).size <= 2 ** bits);
        assert.ok(Math.abs(frobRel(W, C) - errors.find((e) => e.layer === id)!.relError) < 1e-6);
      }
      const y = (await runOrt(f, { input: { data: x, dims: [1, 3, 224, 224] } })).output;
      assert.ok(y.every(Number.isFinite));
      const A1 = analyzeModel(back);
      if (bits === 4) assert.deepEqual(s.delta, { params: A1.totals.params - before.totals.params, macs: (A1.totals.macs as number) - (before.totals.macs as number), weightBytes: A1.totals.weightBytes - before.totals.weightBytes });
      assert.equal(A1.totals.params - before.totals.params, s.layers.length * 2 ** bits, 'indices count as the weights they stand for; + the codebooks');
      // The file: as much smaller as the weight bytes say.
      const saved = statSync(SQUEEZE).size - statSync(f).size;
      const reported = before.totals.weightBytes - A1.totals.weightBytes;
      assert.ok(Math.abs(saved / reported - 1) < 0.02, `file lost ${saved} bytes, reported ${reported}`);
      const actual = statSync(f).size / statSync(SQUEEZE).size;
      assert.ok(actual < (bits === 8 ? 0.27 : 0.26), `file ratio ${actual}`);
      const chk = onnxChecker(f);
      assert.notEqual(chk, undefined, 'python3-onnx is not installed');
      assert.equal(chk, '');
    });
  }

  it('cluster at 4 bits on an opset-21 model: packed uint4 indices (8× smaller than float32), ORT runs it', async () => {
    const r = rng(9);
    const w = f32('w', [256, 128], randn(256 * 128, r));
    const g = model([node('mm', 'MatMul', ['a', 'w'], ['y'])], [vi('a', [2, 256])], [vi('y', [2, 128])], [w], 21);
    const [s] = await cluster.find(g, analyzeModel(g));
    const out = await cluster.rewrite(g, s, { bits: 4 }, { withWeights: true });
    const f = tmp.file('c21.onnx');
    const back = await roundTrip(out, f);
    const idx = [...back.graph.initializers.values()].find((t) => t.dtype === 'uint4')!;
    assert.ok(idx, 'no uint4 indices');
    assert.equal((await readTensorBytes(idx)).length, 256 * 128 / 2);
    assert.equal(s.delta.weightBytes, 256 * 128 / 2 + 16 * 4 - 256 * 128 * 4);
    const a = randn(512, r);
    const y = (await runOrt(f, { a: { data: a, dims: [2, 256] } })).y;
    // The test's own product with the clustered values.
    const book = await toFloat32(back.graph.initializers.get([...back.graph.initializers.keys()].find((k) => k.endsWith('_codebook'))!)!);
    const packed = await readTensorBytes(idx);
    const Wc = Float32Array.from({ length: 256 * 128 }, (_, i) => book[(packed[i >> 1] >> ((i & 1) * 4)) & 15]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 128; j += 17) {
        let v = 0;
        for (let k = 0; k < 256; k++) v += a[i * 256 + k] * Wc[k * 128 + j];
        assert.ok(Math.abs(v - y[i * 128 + j]) < 1e-3 * (1 + Math.abs(v)), `${v} vs ${y[i * 128 + j]}`);
      }
    }
    // Not onnx.checker here: Debian's python3-onnx 1.12 knows opsets up to 17 (uint4 came in 21); ORT
    // loading and running it is the check.
  });
});
