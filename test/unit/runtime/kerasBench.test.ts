import assert from 'node:assert/strict';
import path from 'node:path';
import { benchModel, compareModels } from '../../../src/core/runtime';
import { SHARED_KERAS, TEST_DEVICE } from './helpers';

describe('runtime: Keras bench path (TensorFlow.js)', function () {
  this.timeout(120_000);

  it('runs a Keras 2 Sequential model, says which backend ran, times every layer', async () => {
    const r = await benchModel(path.join(SHARED_KERAS, 'k2_advml_autoencoder_seq.json'), { runs: 3, warmup: 1, roofline: TEST_DEVICE });
    assert.equal(r.runtime, 'tfjs');
    // tfjs-node is an optional dependency absent here: the wasm backend (from node_modules) runs.
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(r.backend));
    if (r.backend !== 'tensorflow') assert.ok(r.backendNotes.some((n) => /tfjs-node/.test(n)), 'says why tfjs-node was not used');
    assert.equal(r.latency.runsMs.length, 3);
    assert.ok(r.latency.runsMs.every((t) => t > 0) && r.latency.p90Ms >= r.latency.medianMs);
    assert.deepEqual(r.inputs[0].shape, [1, 784], 'open batch axis ran as 1');
    assert.ok(r.warnings.some((w) => /batch=1/.test(w)));
    const dense = r.perNode!.nodes.filter((n) => n.opType === 'Dense');
    assert.ok(dense.length >= 2 && dense.every((n) => n.ms > 0), 'every Dense layer timed');
  });

  it('a tfjs layers-model (functional MobileNet) runs layer by layer to its outputs', async () => {
    const r = await benchModel(path.join(SHARED_KERAS, 'tfjs_k2_tensorspace_mobilenetv1.json'), { runs: 2, warmup: 1, roofline: false });
    assert.deepEqual(r.inputs[0].shape, [1, 224, 224, 3]);
    assert.ok(r.perNode!.nodes.some((n) => n.id === 'conv1' && n.opType === 'Conv2D'));
    assert.equal(r.perNode!.noKernel.length, 0);
  });

  it('seeded random weights give finite outputs through BatchNormalization (variances positive); a model compared with itself differs by 0', async () => {
    const f = path.join(SHARED_KERAS, 'k2_advml_autoencoder_seq.json');
    const c = await compareModels(f, f, { runs: 1, warmup: 1, perNode: false, roofline: false });
    assert.ok(c.outputs.length >= 1);
    for (const o of c.outputs) {
      assert.ok(Number.isFinite(o.maxAbs) && Number.isFinite(o.relL2), JSON.stringify(o));
      assert.equal(o.maxAbs, 0, 'the same model on the same seeded inputs');
    }
  });

  it('a subclassed model saved without architecture gives one clear line', async () => {
    await assert.rejects(benchModel(path.join(SHARED_KERAS, 'k2_algodm_vae_subclassed_keras_archive_config.json'), { runs: 1 }), (e: Error) => e.name === 'ModelError' && !e.message.includes('\n') && /subclassed/.test(e.message));
  });
});
