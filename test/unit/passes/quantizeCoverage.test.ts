import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { quantizeInt8 } from '../../../src/core/passes/quantize';
import { TempDir, onnxChecker, roundTrip } from './helpers';
import { SWEEP_DIMS } from './sweepLib';
import { compareModels } from '../../../src/core/runtime/bench';

const ONNX = '/work/shared/models/onnx';

describe('quantize-int8 covers embedding tables and RNN weights (issue 14, defect 6)', function () {
  this.timeout(300_000);
  const tmp = new TempDir();
  after(() => tmp.dispose());

  const cases: [string, string[]][] = [['tiny_bert_dynamic', ['Gather']], ['lstm_classifier', ['LSTM']]];
  for (const [name, ops] of cases) {
    it(`${name}: ${ops.join('/')} weights become int8 behind DequantizeLinear; the file shrinks as reported (±2%); ORT output close`, async () => {
      const file = `${ONNX}/${name}.onnx`;
      const m = readOnnxFile(file);
      const before = analyzeModel(m, { dims: SWEEP_DIMS });
      const [s] = await quantizeInt8.find(m, before, { dims: SWEEP_DIMS });
      const out = await quantizeInt8.rewrite(m, s, s.at, { withWeights: true });
      const f = tmp.file(`${name}.q.onnx`);
      const back = await roundTrip(out, f);
      // Every weight slot of those ops now comes out of a DequantizeLinear.
      const dqOuts = new Set(back.graph.nodes.filter((n) => n.opType === 'DequantizeLinear').map((n) => n.outputs[0]));
      for (const n of m.graph.nodes.filter((x) => ops.includes(x.opType))) {
        const slots = n.opType === 'Gather' ? [0] : [1, 2];
        const n1 = back.graph.nodes.find((x) => x.id === n.id)!;
        for (const i of slots) {
          const t = m.graph.initializers.get(n.inputs[i]);
          if (t && t.dims.reduce((a, b) => a * b, 1) >= 256) assert.ok(dqOuts.has(n1.inputs[i]), `${n.id} input ${i} (${t.name}) is still float`);
        }
      }
      const after = analyzeModel(back, { dims: SWEEP_DIMS });
      assert.equal(s.delta.weightBytes, after.totals.weightBytes - before.totals.weightBytes);
      // The bytes the file loses are the weight bytes the suggestion says it saves (±2%).
      const saved = statSync(file).size - statSync(f).size;
      assert.ok(Math.abs(saved / -s.delta.weightBytes - 1) < 0.02, `file lost ${saved} bytes, reported ${-s.delta.weightBytes}`);
      const actual = statSync(f).size / statSync(file).size;
      assert.ok(actual < 0.3, `file ratio ${actual}`);
      console.log(`      ${name}: file ${statSync(file).size} -> ${statSync(f).size} bytes (${(1 / actual).toFixed(2)}x)`);
      const chk = onnxChecker(f);
      assert.notEqual(chk, undefined, 'python3-onnx is not installed');
      assert.equal(chk, '');
      const cmp = await compareModels(file, f, { runs: 1, warmup: 0, dims: SWEEP_DIMS, perNode: false, roofline: false } as never);
      for (const o of cmp.outputs) assert.ok(o.relL2 < 0.05, `${o.name}: rel. L2 ${o.relL2}`);
    });
  }
});
