import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { loadModel } from '../../../src/core/formats/index';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';
import { optimize, suggest } from '../../../src/core/apply/api';
import { lowRank } from '../../../src/core/passes/lowRank';
import { allPasses, suggestAll } from '../../../src/core/passes/registry';
import { TempDir, onnxChecker, randn, rng, runOrt } from './helpers';

const DIR = '/work/shared/models/onnx';

describe('passes: registry, suggest and optimize', () => {
  const tmp = new TempDir();
  after(() => tmp.dispose());

  it('has the seven passes, one name each', () => {
    assert.deepEqual(new Set(allPasses.map((p) => p.name)), new Set(['depthwise-separable', 'low-rank', 'bn-fold', 'channel-prune', 'cluster', 'quantize-int8', 'cleanup']));
  });

  it('suggest(mobilenet_v3_small): JSON-able, ranked by weight-byte savings, no pass failed', async () => {
    const m = readOnnxFile(`${DIR}/mobilenet_v3_small.onnx`);
    const { suggestions, failures } = await suggestAll(m, analyzeModel(m));
    assert.deepEqual(failures, []);
    const viaFile = await suggest(`${DIR}/mobilenet_v3_small.onnx`);
    assert.deepEqual(JSON.parse(JSON.stringify(viaFile)), viaFile);
    assert.equal(viaFile.length, suggestions.length);
    for (let i = 1; i < viaFile.length; i++) assert.ok(viaFile[i - 1].delta.weightBytes <= viaFile[i].delta.weightBytes + 1e-9 || viaFile[i - 1].kind === 'exact');
    const passes = new Set(viaFile.map((s) => s.pass));
    for (const p of ['low-rank', 'depthwise-separable', 'channel-prune', 'quantize-int8', 'cluster']) assert.ok(passes.has(p as never), p);
  });

  it('optimize(squeezenet1_0, quantize-int8) writes a model ORT runs; the returned delta is the files\' difference', async () => {
    const out = tmp.file('sq_int8.onnx');
    const r = await optimize(`${DIR}/squeezenet1_0.onnx`, 'quantize-int8', {}, undefined, out);
    const a0 = analyzeModel(await loadModel(`${DIR}/squeezenet1_0.onnx`));
    const a1 = analyzeModel(await loadModel(out));
    assert.equal(r.delta.weightBytes, a1.totals.weightBytes - a0.totals.weightBytes);
    assert.ok(r.delta.weightBytes < -0.7 * a0.totals.weightBytes);
    assert.equal(r.errors.length, 26);
    const y = (await runOrt(out, { input: { data: randn(3 * 224 * 224, rng(1)), dims: [1, 3, 224, 224] } })).output;
    assert.equal(y.length, 1000);
    const chk = onnxChecker(out);
    if (chk !== undefined) assert.equal(chk, '');
  });

  it('optimize rejects an unknown pass and layers the pass cannot change, in one line', async () => {
    await assert.rejects(optimize(`${DIR}/squeezenet1_0.onnx`, 'nope', {}, undefined, tmp.file('x.onnx')), /unknown pass "nope"/);
    await assert.rejects(optimize(`${DIR}/squeezenet1_0.onnx`, 'low-rank', {}, ['no-such-layer'], tmp.file('x.onnx')), /cannot change layer no-such-layer/);
  });

  it('Keras VGG16 (architecture JSON): low-rank of fc1 = Dense(r, no bias) + Dense(4096); params by hand', async () => {
    const m = await loadModel('/work/shared/models/keras/tfjs_k2_tensorspace_vgg16.json');
    const before = analyzeModel(m);
    const s = (await lowRank.find(m, before)).find((x) => x.layers[0] === 'fc1')!;
    const out = await lowRank.rewrite(m, s, { rank: 100 }, { withWeights: false });
    const after = analyzeModel(out);
    // fc1: 25088×4096 kernel + 4096 bias  ->  25088×100 (no bias) + 100×4096 + 4096.
    assert.equal(after.totals.params - before.totals.params, 25088 * 100 + 100 * 4096 - 25088 * 4096);
    assert.deepEqual(out.graph.nodes.filter((n) => n.opType === 'Dense').map((n) => n.id), ['fc1_lowrank', 'fc1', 'fc2', 'predictions']);
    assert.equal(m.graph.nodes.filter((n) => n.opType === 'Dense').length, 3, 'input not mutated');
  });
});
