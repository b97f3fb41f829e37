import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { depthwiseSeparable } from '../../../src/core/passes/depthwiseSeparable';
import type { LayerError } from '../../../src/core/passes/types';
import { toFloat32 } from '../../../src/core/tensor/bytes';
import { TempDir, frobRel, onnxChecker, randn, rng, roundTrip, runOrt } from './helpers';

const SQUEEZE = '/work/shared/models/onnx/squeezenet1_0.onnx';

describe('passes: depthwise-separable (squeezenet1_0)', () => {
  const tmp = new TempDir();
  after(() => tmp.dispose());

  it('replaces the 3x3 expand convs; reported kernel error = the test\'s reconstruction; runs in ORT; Δ = re-analysis', async () => {
    const m = readOnnxFile(SQUEEZE);
    const before = analyzeModel(m);
    const found = await depthwiseSeparable.find(m, before);
    // squeezenet1_0: 8 fire modules with a 3x3 expand conv, plus the 7x7 stem (3 input channels).
    assert.equal(found.length, 9);
    for (const s of found) assert.equal(s.kind, 'needs-fine-tuning');
    const layers = found.map((s) => s.layers[0]);
    const errors: LayerError[] = [];
    const out = await depthwiseSeparable.rewrite(m, { ...found[0], layers }, {}, { withWeights: true, onError: (e) => errors.push(e) });
    const f = tmp.file('dws.onnx');
    const back = await roundTrip(out, f);
    for (const id of layers) {
      const n0 = m.graph.nodes.find((n) => n.id === id)!;
      const w = m.graph.initializers.get(n0.inputs[1])!;
      const [cout, cin, kh, kw] = w.dims;
      const W = await toFloat32(w);
      const dw = await toFloat32(back.graph.initializers.get(`${w.name}_depthwise`)!);
      const pw = await toFloat32(back.graph.initializers.get(`${w.name}_pointwise`)!);
      const rec = new Float32Array(W.length);
      for (let o = 0; o < cout; o++) for (let c = 0; c < cin; c++) for (let t = 0; t < kh * kw; t++) rec[(o * cin + c) * kh * kw + t] = pw[o * cin + c] * dw[c * kh * kw + t];
      const e = frobRel(W, rec);
      assert.ok(Math.abs(e - errors.find((x) => x.layer === id)!.relError) < 1e-5);
      assert.ok(e < 1);
    }
    const x = randn(3 * 224 * 224, rng(4));
    const y = (await runOrt(f, { input: { data: x, dims: [1, 3, 224, 224] } })).output;
    assert.equal(y.length, 1000);
    assert.ok(y.every(Number.isFinite));
    const structural = await depthwiseSeparable.rewrite(m, { ...found[0], layers }, {}, { withWeights: false });
    const A1 = analyzeModel(back);
    assert.equal(analyzeModel(structural).totals.params, A1.totals.params);
    assert.ok(A1.totals.params < before.totals.params);
    const one = found[1];
    const single = await roundTrip(await depthwiseSeparable.rewrite(m, one, {}, { withWeights: true }), tmp.file('one.onnx'));
    const As = analyzeModel(single);
    assert.equal(one.delta.params, As.totals.params - before.totals.params);
    assert.equal(one.delta.macs, (As.totals.macs as number) - (before.totals.macs as number));
    const chk = onnxChecker(f);
    if (chk !== undefined) assert.equal(chk, '');
  });
});
