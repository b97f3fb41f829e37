import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { TempDir } from './helpers';
import { sweepModel, toFp16 } from './sweepLib';

/**
 * Issue 14: every pass, applied to all its candidates with weights, on every shared ONNX model and on
 * fp16 copies of them, writes a file that onnx.checker (full_check) accepts and ONNX Runtime loads and runs.
 */
const SHARED = '/work/shared/models/onnx';
const MODELS = ['conv1d_audio', 'lstm_classifier', 'mobilenet_v3_small', 'mobilenet_v3_small_op17', 'mobilenet_v3_small_fp16', 'shufflenet_v2_x1_0', 'squeezenet1_0', 'squeezenet1_1_extdata', 'tiny_bert_dynamic', 'tiny_bert_op17'];
// tiny_bert's fp16 copy is left out: onnxruntime-node 1.30 aborts the process running the converted original itself.
const FP16_COPIES = ['squeezenet1_0', 'shufflenet_v2_x1_0', 'conv1d_audio', 'lstm_classifier'];

describe('passes: every written model passes onnx.checker (full) and runs in ONNX Runtime', function () {
  this.timeout(900_000);
  const tmp = new TempDir();
  after(() => tmp.dispose());

  const check = async (file: string, label?: string) => {
    assert.ok(existsSync(file), `missing test model ${file}`);
    const rows = await sweepModel(file, tmp.dir, label);
    const bad = rows.filter((r) => r.status !== 'ok' && r.status !== 'none');
    assert.deepEqual(bad, [], JSON.stringify(bad, null, 1));
    // At least the weight passes apply to each of these models.
    assert.ok(rows.filter((r) => r.status === 'ok').length >= 2, JSON.stringify(rows));
  };
  for (const name of MODELS) it(name, () => check(`${SHARED}/${name}.onnx`));
  for (const name of FP16_COPIES) {
    it(`${name} converted to float16`, async () => {
      const f = tmp.file(`${name}_fp16.onnx`);
      const err = toFp16(`${SHARED}/${name}.onnx`, f);
      assert.equal(err, undefined, `fp16 conversion (python3-onnx) failed: ${err}`);
      await check(f, `${name}_fp16`);
    });
  }
});
