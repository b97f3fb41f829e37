// Keras IR support of depthwise-separable and cleanup (the Keras JSON writer applies their suggestions).
import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readKerasJsonText } from '../../../src/core/formats/keras/reader';
import { cleanup } from '../../../src/core/passes/cleanup';
import { depthwiseSeparable } from '../../../src/core/passes/depthwiseSeparable';
import { readWeights } from '../../../src/core/passes/weights';
import { f32, randn, rng } from './helpers';

const seq = (layers: unknown[]) => JSON.stringify({ class_name: 'Sequential', config: { name: 's', layers } });
const conv = (name: string, extra: Record<string, unknown> = {}) => ({ class_name: 'Conv2D', config: { name, filters: 6, kernel_size: [3, 3], padding: 'same', activation: 'relu', use_bias: true, kernel_initializer: { class_name: 'GlorotUniform', config: {} }, ...extra } });

describe('passes: Keras depthwise-separable and cleanup', () => {
  it('Conv2D (groups 1) → SeparableConv2D; grouped and 1×1 convs are not candidates', async () => {
    const m = readKerasJsonText(seq([
      { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 8, 8, 4] } },
      conv('c1'), conv('c2', { kernel_size: [1, 1] }), conv('c3', { groups: 2, filters: 6 }),
    ]), '/virtual/m.json');
    const [s, ...rest] = await depthwiseSeparable.find(m, analyzeModel(m));
    assert.equal(rest.length, 0);
    assert.deepEqual(s.layers, ['c1']);
    // 3·3·4 + 4·6 (+6 bias) instead of 3·3·4·6 (+6).
    assert.equal(s.delta.params, 36 + 24 - 216);
    const out = await depthwiseSeparable.rewrite(m, s, {}, { withWeights: false });
    const n = out.graph.nodes.find((x) => x.id === 'c1')!;
    assert.equal(n.opType, 'SeparableConv2D');
    const cfg = (n.attrs.config as { value: Record<string, unknown> }).value;
    assert.equal(cfg.depth_multiplier, 1);
    assert.ok(!('kernel_initializer' in cfg) && 'depthwise_initializer' in cfg && 'pointwise_initializer' in cfg);
  });

  it('with weights: a kernel of the form pw[c,o]·dw[t,c] (Keras layout) is reproduced exactly', async () => {
    const m = readKerasJsonText(seq([{ class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 5, 5, 3] } }, conv('c1')]), '/virtual/m.json');
    const r = rng(7);
    const [kk, cin, cout] = [9, 3, 6];
    const dw = randn(kk * cin, r);
    const pw = randn(cin * cout, r);
    const W = new Float32Array(kk * cin * cout);
    for (let t = 0; t < kk; t++) for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) W[(t * cin + c) * cout + o] = dw[t * cin + c] * pw[c * cout + o];
    m.graph.initializers.set('c1/kernel', f32('c1/kernel', [3, 3, cin, cout], W));
    const [s] = await depthwiseSeparable.find(m, analyzeModel(m));
    const errs: number[] = [];
    const out = await depthwiseSeparable.rewrite(m, s, {}, { withWeights: true, onError: (e) => errs.push(e.relError) });
    assert.ok(errs[0] < 1e-5, `relative error ${errs[0]}`);
    const d = await readWeights(out.graph.initializers.get('c1/depthwise_kernel')!);
    const p = await readWeights(out.graph.initializers.get('c1/pointwise_kernel')!);
    for (let i = 0; i < W.length; i += 7) {
      const o = i % cout;
      const c = Math.floor(i / cout) % cin;
      const t = Math.floor(i / (cout * cin));
      assert.ok(Math.abs(d[t * cin + c] * p[c * cout + o] - W[i]) < 1e-4);
    }
  });

  it('cleanup removes Dropout/GaussianNoise/SpatialDropout2D, keeps a model-output one', async () => {
    const m = readKerasJsonText(seq([
      { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 8, 8, 4] } },
      { class_name: 'GaussianNoise', config: { name: 'g', stddev: 0.1 } }, conv('c1'),
      { class_name: 'SpatialDropout2D', config: { name: 'sd', rate: 0.1 } }, { class_name: 'Flatten', config: { name: 'f' } },
      { class_name: 'Dropout', config: { name: 'd', rate: 0.5 } }, { class_name: 'Dense', config: { name: 'fc', units: 3 } },
      { class_name: 'Dropout', config: { name: 'last', rate: 0.5 } },
    ]), '/virtual/m.json');
    const [s] = await cleanup.find(m, analyzeModel(m));
    assert.deepEqual(s.layers, ['g', 'sd', 'd']);
    assert.deepEqual(s.delta, { params: 0, macs: 0, weightBytes: 0 });
    const out = await cleanup.rewrite(m, s, {}, { withWeights: false });
    assert.deepEqual(out.graph.nodes.map((n) => n.id), ['c1', 'f', 'fc', 'last']);
    assert.equal(analyzeModel(out).totals.params, analyzeModel(m).totals.params);
  });
});
