// Layer rules against tfjs on small models that use the layer kinds real models use, and against hand
// formulas where tfjs has no such layer (GRU reset_after, MultiHeadAttention, Normalization).
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { analyzeText, asTfjsShape, kmodelOf } from './helpers';
import { tfjsOracle, tfReady } from './oracle';

const L = tf.layers;
type T = tf.SymbolicTensor;
const ap = (l: tf.layers.Layer, x: T | T[]) => l.apply(x) as T;

async function compareWithTfjs(m: tf.LayersModel) {
  const text = m.toJSON(null, true) as string;
  m.dispose();
  const oracle = await tfjsOracle(kmodelOf(text));
  const a = analyzeText(text);
  assert.deepEqual(a.notCosted, []);
  assert.equal(a.totals.params, oracle.params);
  for (const ol of oracle.layers) {
    if (ol.nested || ol.className === 'InputLayer') continue;
    const ours = a.layers.filter((l) => l.name === ol.name);
    assert.ok(ours.length, `missing ${ol.name}`);
    assert.equal(ours.reduce((s, l) => s + l.params, 0), ol.params, `params of ${ol.name} (${ol.className})`);
    for (const l of ours) assert.ok(ol.outputShapes.map((s) => JSON.stringify(s)).includes(JSON.stringify(l.outputs.map((o) => asTfjsShape(o.shape)))), `shape of ${ol.name} (${ol.className}): ours ${JSON.stringify(l.outputs.map((o) => o.shape))}, tfjs ${JSON.stringify(ol.outputShapes)}`);
  }
  return a;
}

describe('keras: layer rules', function () {
  this.timeout(60_000);
  before(() => tfReady());

  it('convolutions, pooling, padding, cropping, upsampling, normalisation and activations equal tfjs', async () => {
    const img = tf.input({ shape: [32, 30, 3], name: 'img' });
    let x = ap(L.conv2d({ filters: 8, kernelSize: [3, 5], strides: 2, padding: 'same', dilationRate: 1, name: 'c' }), img);
    x = ap(L.separableConv2d({ filters: 12, kernelSize: 3, depthMultiplier: 2, name: 'sep' }), x);
    x = ap(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 3, padding: 'same', name: 'dw' }), x);
    x = ap(L.conv2dTranspose({ filters: 6, kernelSize: 3, strides: 2, padding: 'valid', name: 'tc' }), x);
    x = ap(L.cropping2D({ cropping: [[1, 2], [0, 1]], name: 'crop' }), x);
    x = ap(L.zeroPadding2d({ padding: [[2, 0], [1, 1]], name: 'pad' }), x);
    x = ap(L.upSampling2d({ size: [2, 3], name: 'up' }), x);
    x = ap(L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'ap' }), x);
    x = ap(L.batchNormalization({ axis: -1, center: false, name: 'bn' }), x);
    x = ap(L.layerNormalization({ name: 'ln' }), x);
    x = ap(L.prelu({ sharedAxes: [1, 2], name: 'prelu' }), x);
    x = ap(L.leakyReLU({ name: 'lrelu' }), x);
    x = ap(L.elu({ name: 'elu' }), x);
    x = ap(L.maxPooling2d({ poolSize: 2, name: 'mp' }), x);
    x = ap(L.permute({ dims: [3, 1, 2], name: 'perm' }), x);
    // Explicit target: tfjs reports a -1 dim as null where Keras resolves it (our rule resolves it too).
    x = ap(L.reshape({ targetShape: [441, 4], name: 'resh' }), x);
    x = ap(L.globalMaxPooling1d({ name: 'gmp' }), x);
    x = ap(L.softmax({ name: 'sm' }), x);
    x = ap(L.thresholdedReLU({ name: 'trelu' }), x);
    x = ap(L.reLU({ maxValue: 6, name: 'relu6' }), x);
    const vol = tf.input({ shape: [8, 8, 8, 2], name: 'vol' });
    let v = ap(L.conv3d({ filters: 4, kernelSize: 3, name: 'c3' }), vol);
    v = ap(L.conv3dTranspose({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', name: 'tc3' }), v);
    v = ap(L.maxPooling3d({ poolSize: 2, name: 'mp3' }), v);
    v = ap(L.flatten({ name: 'fl3' }), v);
    v = ap(L.dense({ units: 4, activation: 'sigmoid', name: 'd3' }), v);
    const a = ap(L.average({ name: 'avg' }), [x, v]);
    const b = ap(L.maximum({ name: 'max' }), [x, v]);
    const s = ap(L.minimum({ name: 'min' }), [a, b]);
    const d = ap(L.dot({ axes: -1, name: 'dot' }), [a, s]);
    const c = ap(L.concatenate({ name: 'cat' }), [d, s, x]);
    await compareWithTfjs(tf.model({ inputs: [img, vol], outputs: c, name: 'convs' }));
  });

  it('recurrent layers, wrappers, embedding and 1-D layers equal tfjs', async () => {
    const tok = tf.input({ shape: [20], name: 'tok' });
    let x = ap(L.embedding({ inputDim: 100, outputDim: 16, name: 'emb' }), tok);
    // 'valid': tfjs sizes 'causal' outputs like 'valid' (Keras keeps the length; see the causal test).
    x = ap(L.conv1d({ filters: 12, kernelSize: 3, padding: 'valid', dilationRate: 2, name: 'c1' }), x);
    x = ap(L.maxPooling1d({ poolSize: 2, name: 'mp1' }), x);
    x = ap(L.averagePooling1d({ poolSize: 2, strides: 1, name: 'ap1' }), x);
    x = ap(L.masking({ name: 'mask' }), x);
    x = ap(L.spatialDropout1d({ rate: 0.1, name: 'sd' }), x);
    x = ap(L.bidirectional({ layer: L.lstm({ units: 8, returnSequences: true }) as tf.RNN, mergeMode: 'concat', name: 'bi' }), x);
    x = ap(L.bidirectional({ layer: L.gru({ units: 6, returnSequences: true }) as tf.RNN, mergeMode: 'sum', name: 'bigru' }), x);
    x = ap(L.timeDistributed({ layer: L.dense({ units: 5 }), name: 'td' }), x);
    x = ap(L.simpleRNN({ units: 7, returnSequences: true, name: 'rnn' }), x);
    x = ap(L.gru({ units: 4, name: 'gru' }), x);
    x = ap(L.repeatVector({ n: 3, name: 'rep' }), x);
    x = ap(L.lstm({ units: 2, name: 'lstm' }), x);
    x = ap(L.dense({ units: 3, useBias: false, name: 'out' }), x);
    await compareWithTfjs(tf.model({ inputs: tok, outputs: x, name: 'seq' }));
  });

  it('RNN(cell) and RNN(StackedRNNCells) equal tfjs', async () => {
    const seq = tf.input({ shape: [9, 5], name: 'seq' });
    let x = ap(L.rnn({ cell: L.lstmCell({ units: 6 }), returnSequences: true, name: 'rnn_lstm' }), seq);
    x = ap(L.rnn({ cell: [L.gruCell({ units: 4 }), L.simpleRNNCell({ units: 3 })], name: 'rnn_stacked' }), x);
    await compareWithTfjs(tf.model({ inputs: seq, outputs: x, name: 'rnns' }));
  });

  it('ConvLSTM2D equals tfjs', async () => {
    const clip = tf.input({ shape: [5, 16, 14, 3], name: 'clip' });
    let x = ap(L.convLstm2d({ filters: 4, kernelSize: 3, padding: 'same', returnSequences: true, name: 'cl1' }), clip);
    x = ap(L.convLstm2d({ filters: 2, kernelSize: [3, 5], strides: 2, padding: 'valid', name: 'cl2' }), x);
    await compareWithTfjs(tf.model({ inputs: clip, outputs: x, name: 'clstm' }));
  });

  it('shared layer called twice: params once, both calls shaped', async () => {
    const a = tf.input({ shape: [10], name: 'a' });
    const b = tf.input({ shape: [10], name: 'b' });
    const shared = L.dense({ units: 4, name: 'shared' });
    const out = ap(L.add({ name: 'add' }), [ap(shared, a), ap(shared, b)]);
    const res = await compareWithTfjs(tf.model({ inputs: [a, b], outputs: out }));
    const calls = res.layers.filter((l) => l.name === 'shared');
    assert.equal(calls.length, 2);
    assert.deepEqual(calls.map((l) => l.params), [10 * 4 + 4, 0]);
    assert.deepEqual(calls.map((l) => l.macs), ['40*batch', '40*batch']);
  });

  it('GRU reset_after: 3*units*(input + units + 2) params (tfjs rejects it)', () => {
    const text = JSON.stringify({
      class_name: 'Sequential', keras_version: '2.12.0',
      config: { name: 's', layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 12, 5], name: 'in' } },
        { class_name: 'GRU', config: { name: 'g1', units: 7, reset_after: true, return_sequences: true } },
        { class_name: 'GRU', config: { name: 'g2', units: 3, reset_after: false } },
      ] },
    });
    const a = analyzeText(text);
    const g1 = a.layers.find((l) => l.name === 'g1')!;
    const g2 = a.layers.find((l) => l.name === 'g2')!;
    assert.equal(g1.params, 3 * 7 * (5 + 7 + 2));
    assert.equal(g2.params, 3 * 3 * (7 + 3 + 1));
    // MACs per step and sample: 3*units*(input + units); 12 steps.
    assert.equal(g1.macs, `${12 * 3 * 7 * (5 + 7)}*batch`);
    assert.equal(g2.macs, `${12 * 3 * 3 * (7 + 3)}*batch`);
  });

  it('MultiHeadAttention: projections + QK^T + AV + output projection', () => {
    const text = JSON.stringify({
      class_name: 'Functional', keras_version: '2.15.0',
      config: { name: 'm', layers: [
        { class_name: 'InputLayer', name: 'q', config: { batch_input_shape: [null, 10, 16], name: 'q' }, inbound_nodes: [] },
        { class_name: 'InputLayer', name: 'kv', config: { batch_input_shape: [null, 6, 12], name: 'kv' }, inbound_nodes: [] },
        { class_name: 'MultiHeadAttention', name: 'mha', config: { name: 'mha', num_heads: 2, key_dim: 8, value_dim: null, use_bias: true, output_shape: null },
          inbound_nodes: [[['q', 0, 0, {}], ['kv', 0, 0, {}]]] },
      ], input_layers: [['q', 0, 0], ['kv', 0, 0]], output_layers: [['mha', 0, 0]] },
    });
    const a = analyzeText(text);
    const l = a.layers.find((x) => x.name === 'mha')!;
    const [h, k, dq, dkv, tq, tk] = [2, 8, 16, 12, 10, 6];
    // Keras: query [dq, h, k] + [h, k]; key and value [dkv, h, k] + [h, k]; output [h, k, dq] + [dq].
    assert.equal(l.params, dq * h * k + h * k + 2 * (dkv * h * k + h * k) + h * k * dq + dq);
    const macs = tq * dq * h * k + 2 * tk * dkv * h * k + h * tq * tk * k * 2 + tq * h * k * dq;
    assert.equal(l.macs, `${macs}*batch`);
    assert.deepEqual(l.outputs[0].shape, ['batch', tq, dq]);
    // Keras 2 writes mha(q, value=kv, attention_mask=m) with tensors in the kwargs: same analysis,
    // the mask is not an input of the rule.
    const kw = JSON.parse(text) as { config: { layers: Record<string, unknown>[]; input_layers: unknown[] } };
    kw.config.layers.splice(2, 0, { class_name: 'InputLayer', name: 'm', config: { batch_input_shape: [null, 10, 6], name: 'm' }, inbound_nodes: [] });
    kw.config.layers[3].inbound_nodes = [[['q', 0, 0, { value: ['kv', 0, 0], attention_mask: ['m', 0, 0] }]]];
    kw.config.input_layers.push(['m', 0, 0]);
    const b = analyzeText(JSON.stringify(kw)).layers.find((x) => x.name === 'mha')!;
    assert.deepEqual([b.params, b.macs, b.outputs], [l.params, l.macs, l.outputs]);
  });

  it('EinsumDense: kernel from the equation, bias over bias_axes (Keras docs examples)', () => {
    const mk = (equation: string, outputShape: unknown, biasAxes: string | null, inShape: unknown[]) => JSON.stringify({
      class_name: 'Sequential', keras_version: '2.15.0', config: { name: 's', layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: inShape, name: 'in' } },
        { class_name: 'EinsumDense', config: { name: 'e', equation, output_shape: outputShape, bias_axes: biasAxes } },
      ] } });
    // "ab,bc->ac", output 64, bias c, input [b, 32]: kernel 32x64 + bias 64 (a Dense).
    let l = analyzeText(mk('ab,bc->ac', 64, 'c', [null, 32])).layers[0];
    assert.deepEqual([l.params, l.outputs[0].shape, l.macs], [32 * 64 + 64, ['batch', 64], `${32 * 64}*batch`]);
    // "abc,cd->abd", output [None, 64], bias d, input [b, 32, 128]: kernel 128x64 + bias 64.
    l = analyzeText(mk('abc,cd->abd', [null, 64], 'd', [null, 32, 128])).layers[0];
    assert.deepEqual([l.params, l.outputs[0].shape, l.macs], [128 * 64 + 64, ['batch', 32, 64], `${32 * 128 * 64}*batch`]);
    // "abc,cde->abde" (attention projection), output [None, 8, 16], bias de: kernel 128x8x16 + bias 8x16.
    l = analyzeText(mk('abc,cde->abde', [null, 8, 16], 'de', [null, 10, 128])).layers[0];
    assert.deepEqual([l.params, l.outputs[0].shape], [128 * 8 * 16 + 8 * 16, ['batch', 10, 8, 16]]);
  });

  it('Normalization: mean/variance over the axis plus a count, none when mean/variance are given', () => {
    const mk = (mean: unknown) => JSON.stringify({
      class_name: 'Sequential', keras_version: '2.15.0',
      config: { name: 's', layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 4, 4, 3], name: 'in' } },
        { class_name: 'Normalization', config: { name: 'n', axis: -1, mean, variance: mean } },
      ] },
    });
    assert.equal(analyzeText(mk(null)).totals.params, 3 + 3 + 1);
    assert.equal(analyzeText(mk([0.5, 0.5, 0.5])).totals.params, 0);
  });

  it('Lambda and unknown layers: not costed with a reason, shapes go on through them', () => {
    const text = JSON.stringify({
      class_name: 'Sequential', keras_version: '2.15.0',
      config: { name: 's', layers: [
        { class_name: 'Lambda', config: { name: 'lam', batch_input_shape: [null, 8], function: ['...', null, null], function_type: 'lambda', output_shape: [4] } },
        { class_name: 'MyCustom', config: { name: 'cust' } },
        // build_config (Keras >= 2.13) tells the input the next layer was built for: [batch, 6].
        { class_name: 'Dense', config: { name: 'd', units: 2 }, build_config: { input_shape: [null, 6] } },
      ] },
    });
    const a = analyzeText(text);
    assert.deepEqual(a.notCosted.map((n) => n.name), ['lam', 'cust']);
    assert.match(a.notCosted[0].reason, /Lambda.*never run/);
    assert.match(a.notCosted[1].reason, /MyCustom/);
    assert.deepEqual(a.layers[0].outputs[0].shape, ['batch', 4]);
    assert.equal(a.layers[2].params, 6 * 2 + 2);
  });

  it('Keras 2 TFOpLambda: elementwise TF ops are costed, others flagged; flat inbound node form', () => {
    const text = JSON.stringify({ class_name: 'Functional', keras_version: '2.9.0', config: { name: 'm', layers: [
      { class_name: 'InputLayer', name: 'x', config: { batch_input_shape: [null, 8], name: 'x' }, inbound_nodes: [] },
      { class_name: 'TFOpLambda', name: 'tf.math.multiply', config: { name: 'tf.math.multiply', function: 'math.multiply' }, inbound_nodes: [['x', 0, 0, { y: 2.0, name: null }]] },
      { class_name: 'TFOpLambda', name: 'tf.nn.relu', config: { name: 'tf.nn.relu', function: 'nn.relu' }, inbound_nodes: [['tf.math.multiply', 0, 0, { name: null }]] },
      { class_name: 'TFOpLambda', name: 'tf.__operators__.add', config: { name: 'tf.__operators__.add', function: '__operators__.add' }, inbound_nodes: [['tf.nn.relu', 0, 0, { y: ['x', 0, 0], name: null }]] },
      { class_name: 'TFOpLambda', name: 'tf.reshape', config: { name: 'tf.reshape', function: 'reshape' }, inbound_nodes: [['tf.__operators__.add', 0, 0, { shape: [-1, 2, 4] }]] },
      { class_name: 'Dense', name: 'd', config: { name: 'd', units: 3 }, inbound_nodes: [[['tf.__operators__.add', 0, 0, {}]]] },
    ], input_layers: [['x', 0, 0]], output_layers: [['d', 0, 0], ['tf.reshape', 0, 0]] } });
    const a = analyzeText(text);
    assert.deepEqual(a.notCosted.map((n) => n.name), ['tf.reshape']);
    const add = a.layers.find((l) => l.name === 'tf.__operators__.add')!;
    assert.equal(add.flops, '8*batch');
    assert.equal(a.layers.find((l) => l.name === 'd')!.params, 8 * 3 + 3);
  });

  it('a custom layer without any declared shape stops inference downstream, with reasons', () => {
    const text = JSON.stringify({
      class_name: 'Sequential', keras_version: '2.4.0',
      config: { name: 's', layers: [
        { class_name: 'Dense', config: { name: 'a', units: 3, batch_input_shape: [null, 5] } },
        { class_name: 'MyCustom', config: { name: 'cust' } },
        { class_name: 'Dense', config: { name: 'd', units: 2 } },
      ] },
    });
    const a = analyzeText(text);
    assert.deepEqual(a.notCosted.map((n) => n.name), ['cust', 'd']);
    assert.match(a.notCosted[1].reason, /unknown shape/);
    assert.equal(a.totals.params, 5 * 3 + 3);
  });
});
