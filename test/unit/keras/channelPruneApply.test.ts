// channel-prune on Keras files with weights (tfjs model.json + shards): find → rewrite → write, the result
// loads in TensorFlow.js (strict weight matching), re-analyses to the predicted Δ, and computes what the
// original computes once the pruned channels are cut off downstream. The independent check: the
// channels to remove are ranked here from the loaded kernel (L1 of each output channel), and in the
// original model the rows of the layer that finally reads those channels (next Conv2D's input slice,
// Dense rows — after Flatten at (h·W + w)·C + c, after Concatenate at the input's offset) are set to
// zero; its outputs must equal the pruned model's. BatchNorm and DepthwiseConv2D in between are per
// channel, so this holds exactly when they were sliced right.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readKerasArchive, readKerasH5 } from '../../../src/core/formats/keras/archive';
import { applyKerasBinary, openKerasWithWeights } from '../../../src/core/apply/keras/binaryApply';
import { readKerasJsonFile, readKerasJsonText } from '../../../src/core/formats/keras/reader';
import { applyKerasText } from '../../../src/core/apply/keras/tfjsApply';
import { applyKerasSuggestion, applyTextEdits } from '../../../src/core/apply/keras/jsonEdits';
import { diffAnalyses } from '../../../src/core/passes/delta';
import { passByName } from '../../../src/core/passes/registry';
import type { Suggestion } from '../../../src/core/passes/types';
import { sharedFile } from './helpers';
import { modelJson, tfjsWithWeights, writeKeras2File, writeKerasArchive } from './kerasBinaryFiles';
import { tfjsOracle, tfReady } from './oracle';
import { loadTfjsModel, plausibleWeight, predict, randomInputs, writeTfjsModel } from './tfjsFiles';
import { maxRelDiff } from '../passes/helpers';

const MNIST = 'tfjsl_tensorspace_mnist_0.8.3.json';
const pass = passByName('channel-prune')!;

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'modellens-prune-'));
  dirs.push(d);
  return d;
};

/** The `count` output channels of smallest L1 norm of a channels-last kernel (ties: lower index). */
function smallestL1(k: tf.Tensor, count: number): number[] {
  const C = k.shape[k.shape.length - 1]!;
  const v = k.dataSync();
  const l1 = new Float64Array(C);
  for (let i = 0; i < v.length; i++) l1[i % C] += Math.abs(v[i]);
  return [...l1.keys()].sort((a, b) => l1[a] - l1[b] || a - b).slice(0, count).sort((a, b) => a - b);
}

/** Zeroes the given indices along `axis` of a layer's weight `i`. */
function zeroAlong(m: tf.LayersModel, layer: string, i: number, axis: number, idx: number[]): void {
  const l = layerAt(m, layer);
  const ws = l.getWeights();
  const w = ws[i];
  const v = Float32Array.from(w.dataSync());
  const dims = w.shape as number[];
  let inner = 1;
  for (let d = axis + 1; d < dims.length; d++) inner *= dims[d];
  const drop = new Set(idx);
  for (let j = 0; j < v.length; j++) if (drop.has(Math.floor(j / inner) % dims[axis])) v[j] = 0;
  ws[i] = tf.tensor(v, dims);
  l.setWeights(ws);
}

/** A layer by path through nested models: 'outer/inner'. */
function layerAt(m: tf.LayersModel, key: string): tf.layers.Layer {
  const [first, ...rest] = key.split('/');
  let l = m.getLayer(first);
  for (const k of rest) l = (l as unknown as tf.LayersModel).getLayer(k);
  return l;
}

async function find(file: string, layer: string): Promise<Suggestion> {
  const model = await readKerasJsonFile(file);
  const s = (await pass.find(model, analyzeModel(model))).find((x) => x.layers[0] === layer);
  assert.ok(s, `channel-prune has a suggestion for ${layer}`);
  return s;
}

interface Case {
  layer: string;
  ratio: number;
  /** The layer that finally reads the pruned channels, its kernel's input axis, and the index map. */
  reader: string;
  axis: number;
  rows: (removed: number[]) => number[];
}

/** Applies, saves, loads; checks Δ against re-analysis and the outputs against the zeroed original. */
async function check(file: string, c: Case): Promise<void> {
  const text = readFileSync(file, 'utf8');
  const original = await loadTfjsModel(file);
  const kernel = original.getLayer(c.layer).getWeights()[0];
  const C = kernel.shape[kernel.shape.length - 1]!;
  const count = Math.min(C - 1, Math.max(1, Math.round(C * c.ratio)));
  const removed = smallestL1(kernel, count);
  const s = await find(file, c.layer);
  const r = await applyKerasText(text, file, s, { ratio: c.ratio });
  assert.equal(r.shards.length, 1);
  assert.equal(r.errors.length, 1);
  // The reported error: the removed channels' share of the kernel's Frobenius norm.
  const kv = kernel.dataSync();
  let all = 0;
  let gone = 0;
  for (let i = 0; i < kv.length; i++) {
    all += kv[i] ** 2;
    if (removed.includes(i % C)) gone += kv[i] ** 2;
  }
  assert.ok(Math.abs(r.errors[0].relError - Math.sqrt(gone / all)) < 1e-6, `reported ${r.errors[0].relError}, computed ${Math.sqrt(gone / all)}`);
  const before = readKerasJsonText(text, file);
  const predicted = diffAnalyses(analyzeModel(before), analyzeModel(await pass.rewrite(before, s, { ratio: c.ratio }, { withWeights: false })));

  const edited = applyTextEdits(text, r.edits);
  for (const sh of r.shards) writeFileSync(path.join(path.dirname(file), sh.path), sh.bytes);
  writeFileSync(file, edited);
  const reread = await readKerasJsonFile(file);
  assert.ok([...reread.graph.initializers.values()].every((t) => t.source.kind === 'file'), 'every weight is found in the new shard');
  const d = diffAnalyses(analyzeModel(before), analyzeModel(reread));
  assert.equal(d.params, predicted.params);
  assert.equal(String(d.macs), String(predicted.macs));
  if (c.ratio === s.at.ratio) {
    assert.equal(d.params, s.delta.params);
    assert.equal(String(d.macs), String(s.delta.macs));
  }
  assert.ok(d.params < 0);

  const pruned = await loadTfjsModel(file);
  const pk = pruned.getLayer(c.layer).getWeights()[0];
  assert.equal(pk.shape[pk.shape.length - 1], C - count, 'filters/units reduced');
  // The kept output channels are the original's, in order.
  const kept = [...Array(C).keys()].filter((k) => !removed.includes(k));
  const pv = pk.dataSync();
  for (let i = 0; i < pv.length; i++) {
    const row = Math.floor(i / (C - count));
    assert.equal(pv[i], kv[row * C + kept[i % (C - count)]]);
  }
  zeroAlong(original, c.reader, 0, c.axis, c.rows(removed));
  const x = randomInputs(original, 2, 5);
  const want = predict(original, x);
  const got = predict(pruned, x);
  tf.dispose(x);
  const spread = Math.max(...want[0]) - Math.min(...want[0]);
  assert.ok(spread > 1e-3, `outputs vary (${spread})`);
  for (let i = 0; i < want.length; i++) assert.ok(maxRelDiff(want[i], got[i]) <= 1e-5, `output ${i}: relative difference ${maxRelDiff(want[i], got[i])}`);
}

/** A functional tfjs model with BN, a depthwise chain, a Concatenate, Flatten → Dense, saved as model.json + shard. */
async function buildModel(dir: string): Promise<string> {
  await tfReady();
  const input = tf.input({ shape: [8, 8, 3], name: 'img' });
  let a = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'c1' }).apply(input) as tf.SymbolicTensor;
  a = tf.layers.batchNormalization({ name: 'b1' }).apply(a) as tf.SymbolicTensor;
  a = tf.layers.activation({ activation: 'relu', name: 'a1' }).apply(a) as tf.SymbolicTensor;
  a = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'd1' }).apply(a) as tf.SymbolicTensor;
  a = tf.layers.batchNormalization({ name: 'b2' }).apply(a) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 6, kernelSize: 1, activation: 'relu', name: 'c2' }).apply(input) as tf.SymbolicTensor;
  let x = tf.layers.concatenate({ name: 'cat' }).apply([a, b]) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c3' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: 'flat' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 10, activation: 'relu', name: 'dn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 3, name: 'out' }).apply(x) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: x, name: 'prunable' });
  // Weights a trained model could have (BN statistics away from the identity).
  m.setWeights(m.weights.map((w) => tf.tensor(plausibleWeight(w.originalName, w.shape as number[], 3), w.shape as number[])));
  const file = path.join(dir, 'model.json');
  await m.save(tf.io.withSaveHandler(async (art) => {
    const bytes = new Uint8Array(art.weightData as ArrayBuffer);
    writeFileSync(path.join(dir, 'weights.bin'), bytes);
    writeFileSync(file, JSON.stringify({ format: 'layers-model', generatedBy: 'test', convertedBy: null, modelTopology: art.modelTopology, weightsManifest: [{ paths: ['./weights.bin'], weights: art.weightSpecs }] }, null, 2));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return file;
}

describe('keras: channel-prune on tfjs model.json with shards', function () {
  this.timeout(300_000);
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const mnist: Case[] = [
    { layer: 'myConv1', ratio: 0.3, reader: 'myConv2', axis: 2, rows: (r) => r },
    // Through MaxPooling2D and Flatten: myDense1 reads feature (h·5 + w)·16 + c.
    { layer: 'myConv2', ratio: 0.5, reader: 'myDense1', axis: 0, rows: (r) => [...Array(25).keys()].flatMap((p) => r.map((c) => p * 16 + c)) },
    { layer: 'myDense1', ratio: 0.3, reader: 'myDense2', axis: 0, rows: (r) => r },
    { layer: 'myDense2', ratio: 0.25, reader: 'myDense3', axis: 0, rows: (r) => r },
  ];
  for (const c of mnist) {
    it(`${MNIST} ${c.layer} (ratio ${c.ratio}): loads in tfjs, Δ as re-analysed, outputs equal the original with ${c.reader}'s rows for the pruned channels zeroed`, async () => {
      const file = writeTfjsModel(sharedFile(MNIST), tmp());
      await check(file, c);
    });
  }

  it('the suggestions of a functional model: BN + depthwise chain into a Concatenate, a Concatenate offset, Flatten → Dense; the model output is not pruned', async () => {
    const file = await buildModel(tmp());
    const model = await readKerasJsonFile(file);
    const found = await pass.find(model, analyzeModel(model));
    // The last is "all together" (its delta computed for the combination, issue 14).
    const all = found.pop()!;
    assert.equal(all.detail?.combined, true);
    assert.deepEqual(all.layers, ['c1', 'c2', 'c3', 'dn']);
    assert.deepEqual(found.map((s) => [s.layers[0], (s.detail as { dependents: string[] }).dependents]), [
      ['c1', ['b1', 'd1', 'b2', 'c3']],
      ['c2', ['c3']],
      ['c3', ['dn']],
      ['dn', ['out']],
    ]);
    assert.ok(found.every((s) => s.kind === 'needs-fine-tuning'));
  });

  const functional: Case[] = [
    { layer: 'c1', ratio: 0.5, reader: 'c3', axis: 2, rows: (r) => r },
    { layer: 'c2', ratio: 0.3, reader: 'c3', axis: 2, rows: (r) => r.map((c) => c + 8) },
    { layer: 'c3', ratio: 0.3, reader: 'dn', axis: 0, rows: (r) => [...Array(16).keys()].flatMap((p) => r.map((c) => p * 8 + c)) },
    { layer: 'dn', ratio: 0.3, reader: 'out', axis: 0, rows: (r) => r },
  ];
  for (const c of functional) {
    it(`functional model ${c.layer} (ratio ${c.ratio}): loads in tfjs, Δ as re-analysed, outputs equal the original with ${c.reader}'s rows zeroed`, async () => {
      const file = await buildModel(tmp());
      await check(file, c);
    });
  }

  it('several layers at once (c1, c2 into one Concatenate, then c3 ranked on what is left of its kernel): loads, Δ as predicted, outputs as the zeroed original', async () => {
    const file = await buildModel(tmp());
    const text = readFileSync(file, 'utf8');
    const original = await loadTfjsModel(file);
    const model = readKerasJsonText(text, file);
    const found = await pass.find(model, analyzeModel(model));
    const s: Suggestion = { ...found[0], layers: ['c1', 'c2', 'c3'] };
    const ratio = 0.5;
    const r1 = smallestL1(original.getLayer('c1').getWeights()[0], 4);
    const r2 = smallestL1(original.getLayer('c2').getWeights()[0], 3);
    const in3 = [...r1, ...r2.map((c) => c + 8)];
    // c3's channels are ranked after c1 and c2 are pruned: its kernel without those input slices.
    const k3 = original.getLayer('c3').getWeights()[0];
    const keep = [...Array(14).keys()].filter((c) => !in3.includes(c));
    const r3 = smallestL1(tf.gather(k3, keep, 2), 4);
    const predicted = diffAnalyses(analyzeModel(model), analyzeModel(await pass.rewrite(model, s, { ratio }, { withWeights: false })));
    const r = await applyKerasText(text, file, s, { ratio });
    assert.equal(r.errors.length, 3);
    for (const sh of r.shards) writeFileSync(path.join(path.dirname(file), sh.path), sh.bytes);
    writeFileSync(file, applyTextEdits(text, r.edits));
    const d = diffAnalyses(analyzeModel(model), analyzeModel(await readKerasJsonFile(file)));
    assert.equal(d.params, predicted.params);
    assert.equal(String(d.macs), String(predicted.macs));
    const pruned = await loadTfjsModel(file);
    assert.deepEqual(['c1', 'c2', 'c3'].map((l) => pruned.getLayer(l).getWeights()[0].shape[3]), [4, 3, 4]);
    zeroAlong(original, 'c3', 0, 2, in3);
    zeroAlong(original, 'dn', 0, 0, [...Array(16).keys()].flatMap((p) => r3.map((c) => p * 8 + c)));
    const x = randomInputs(original, 2, 9);
    const want = predict(original, x);
    const got = predict(pruned, x);
    tf.dispose(x);
    want.forEach((w, i) => assert.ok(maxRelDiff(w, got[i]) <= 1e-5, `output ${i}: relative difference ${maxRelDiff(w, got[i])}`));
  });

  it('residual Add: neither operand\'s producer is a candidate (coupled groups are refused, not half-pruned)', async () => {
    await tfReady();
    const input = tf.input({ shape: [6, 6, 4], name: 'img' });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'ca' }).apply(input) as tf.SymbolicTensor;
    const s = tf.layers.add({ name: 'sum' }).apply([a, input]) as tf.SymbolicTensor;
    const f = tf.layers.flatten({ name: 'flat' }).apply(s) as tf.SymbolicTensor;
    const o = tf.layers.dense({ units: 2, name: 'out' }).apply(f) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: o });
    const text = JSON.stringify({ modelTopology: m.toJSON(null, false) });
    const model = readKerasJsonText(text, '/virtual/res.json');
    assert.deepEqual((await pass.find(model, analyzeModel(model))).map((x) => x.layers[0]), []);
  });

  it('an architecture-only JSON: suggestions exist (structure), applying them is refused — L1 norms need weights', async () => {
    const file = sharedFile('k2_tensorspace_lenet_topology.json');
    const text = readFileSync(file, 'utf8');
    const model = readKerasJsonText(text, file);
    const found = await pass.find(model, analyzeModel(model));
    assert.ok(found.length > 0);
    await assert.rejects(applyKerasText(text, file, found[0], found[0].at), /L1 norm of their weights, and this Keras JSON holds no weights/);
  });
});

describe('keras: channel-prune on .keras and .h5 files', function () {
  this.timeout(300_000);
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const read = (file: string) => (file.endsWith('.keras') ? readKerasArchive(file) : readKerasH5(file));
  const open = async <T>(file: string, f: (m: tf.LayersModel, params: number) => Promise<T>): Promise<T> => {
    const k = await openKerasWithWeights(file, tmp());
    try {
      return await f(await tfjsWithWeights(k.kmodel, k.model), (await tfjsOracle(k.kmodel)).params);
    } finally {
      k.close();
    }
  };
  // Keras 3 (.keras): the nested functional MobileNetV2 declares shapes (build_config, keras_history
  // shapes) that follow the pruned channels; Keras 2 (.h5): weight_names per group.
  const cases = [
    { kind: 'keras', shared: 'tfjs_k3_fadhilah_mobilenetv2_nested.json', scope: 'mobilenetv2_1.00_224' },
    { kind: 'h5', shared: 'tfjsl_teachablemachine_mobilenetv2_nested.json', scope: 'sequential_1/model1' },
  ];
  it('.keras Sequential with build_config on every layer: Conv2D → BN → ReLU → Flatten → Dense; the declared input shapes follow, reloads with Δ as predicted, outputs as the zeroed original', async () => {
    const layer = (cls: string, config: Record<string, unknown>, inShape: unknown[] | undefined) => ({ module: 'keras.layers', class_name: cls, config: { trainable: true, dtype: 'float32', ...config }, registered_name: null, ...(inShape ? { build_config: { input_shape: inShape } } : {}) });
    const cfg = { module: 'keras', class_name: 'Sequential', registered_name: null, config: { name: 'seq', trainable: true, layers: [
      layer('InputLayer', { name: 'inp', batch_shape: [null, 6, 6, 2], sparse: false }, undefined),
      layer('Conv2D', { name: 'conv', filters: 8, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: true }, [null, 6, 6, 2]),
      layer('BatchNormalization', { name: 'bn', axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true }, [null, 6, 6, 8]),
      layer('ReLU', { name: 'relu' }, [null, 6, 6, 8]),
      layer('Flatten', { name: 'flat', data_format: 'channels_last' }, [null, 6, 6, 8]),
      layer('Dense', { name: 'fc', units: 4, activation: 'linear', use_bias: true }, [null, 288]),
    ] } };
    const file = path.join(tmp(), 'seq.keras');
    await writeKerasArchive(cfg, file);
    const model = await read(file);
    const s = (await pass.find(model, analyzeModel(model))).find((x) => x.layers[0] === 'conv');
    assert.ok(s);
    assert.deepEqual((s.detail as { dependents: string[] }).dependents, ['bn', 'fc']);
    const text = JSON.stringify(cfg);
    const edited = JSON.parse(applyKerasSuggestion(text, readKerasJsonText(text, '/virtual/seq.json'), s, { ratio: 0.25 }, { weightsManifest: 'architecture-only' })) as typeof cfg;
    assert.deepEqual(edited.config.layers.map((l) => (l as { build_config?: { input_shape: unknown } }).build_config?.input_shape), [undefined, [null, 6, 6, 2], [null, 6, 6, 6], [null, 6, 6, 6], [null, 6, 6, 6], [null, 216]]);
    const predicted = diffAnalyses(analyzeModel(model), analyzeModel(await pass.rewrite(model, s, { ratio: 0.25 }, { withWeights: false })));
    const r = await applyKerasBinary(file, s, { ratio: 0.25 });
    const out = path.join(path.dirname(file), 'saved.keras');
    writeFileSync(out, r.bytes);
    const d = diffAnalyses(analyzeModel(model), analyzeModel(await read(out)));
    assert.equal(d.params, predicted.params);
    assert.equal(String(d.macs), String(predicted.macs));
    const x = await open(file, async (m) => {
      const removed = smallestL1(layerAt(m, 'conv').getWeights()[0], 2);
      zeroAlong(m, 'fc', 0, 0, [...Array(36).keys()].flatMap((p) => removed.map((c) => p * 8 + c)));
      const inp = randomInputs(m, 2, 5);
      return { inp, want: predict(m, inp) };
    });
    await open(out, async (m) => {
      const got = predict(m, x.inp);
      x.want.forEach((w, i) => assert.ok(maxRelDiff(w, got[i]) <= 1e-5, `output ${i}: relative difference ${maxRelDiff(w, got[i])}`));
    });
    tf.dispose(x.inp);
  });

  for (const c of cases) {
    it(`.${c.kind} (${c.shared}'s config): Conv1 → BN → ReLU6 → depthwise → BN → ReLU6 → expanded_conv_project pruned; reloads with Δ as predicted, tfjs params, outputs equal the original with the project rows zeroed`, async () => {
      const file = path.join(tmp(), `model.${c.kind}`);
      const cfg = modelJson(readFileSync(sharedFile(c.shared), 'utf8'));
      if (c.kind === 'h5') await writeKeras2File(cfg, file);
      else await writeKerasArchive(cfg, file);
      const model = await read(file);
      const s = (await pass.find(model, analyzeModel(model))).find((x) => x.layers[0].endsWith('/Conv1'));
      assert.ok(s, 'Conv1 is a candidate');
      const ratio = 0.25;
      const predicted = diffAnalyses(analyzeModel(model), analyzeModel(await pass.rewrite(model, s, { ratio }, { withWeights: false })));
      const r = await applyKerasBinary(file, s, { ratio });
      const out = path.join(path.dirname(file), `saved.${c.kind}`);
      writeFileSync(out, r.bytes);
      const reread = await read(out);
      const d = diffAnalyses(analyzeModel(model), analyzeModel(reread));
      assert.equal(d.params, predicted.params);
      assert.equal(String(d.macs), String(predicted.macs));
      assert.ok(d.params < 0);
      const x = await open(file, async (m) => {
        const kernel = layerAt(m, `${c.scope}/Conv1`).getWeights()[0];
        const C = kernel.shape[3]!;
        const removed = smallestL1(kernel, Math.round(C * ratio));
        zeroAlong(m, `${c.scope}/expanded_conv_project`, 0, 2, removed);
        const inp = randomInputs(m, 2, 5);
        return { inp, want: predict(m, inp), C };
      });
      await open(out, async (m, params) => {
        assert.equal(params, analyzeModel(reread).totals.params, 'tfjs countParams() of the written config');
        assert.equal(layerAt(m, `${c.scope}/Conv1`).getWeights()[0].shape[3], x.C - Math.round(x.C * ratio));
        const got = predict(m, x.inp);
        const spread = Math.max(...x.want[0]) - Math.min(...x.want[0]);
        assert.ok(spread > 1e-3, `outputs vary (${spread})`);
        x.want.forEach((w, i) => assert.ok(maxRelDiff(w, got[i]) <= 1e-4, `output ${i}: relative difference ${maxRelDiff(w, got[i])}`));
      });
      tf.dispose(x.inp);
    });
  }
});

describe('keras: channel-prune text edits', () => {
  it('Keras 3 declared shapes follow the pruned channels: every __keras_tensor__ reference to a shrunk value, nothing else', async () => {
    const file = sharedFile('tfjs_k3_fadhilah_mobilenetv2_nested.json');
    const text = readFileSync(file, 'utf8');
    const model = readKerasJsonText(text, file);
    const s = (await pass.find(model, analyzeModel(model))).find((x) => x.layers[0].endsWith('/Conv1'))!;
    const edited = applyKerasSuggestion(text, model, s, { ratio: 0.25 }, { weightsManifest: 'architecture-only' });
    const shapes = new Map<string, number[]>();
    const walk = (o: unknown): void => {
      if (Array.isArray(o)) o.forEach(walk);
      else if (o && typeof o === 'object') {
        const l = o as { class_name?: string; config?: { name?: string; filters?: number }; inbound_nodes?: { args: { config: { shape: number[] } }[] }[] };
        if (l.config?.name && l.inbound_nodes?.[0]?.args?.[0]?.config?.shape) shapes.set(l.config.name, l.inbound_nodes[0].args[0].config.shape);
        if (l.config?.name === 'Conv1') assert.equal(l.config.filters, 24);
        Object.values(o).forEach(walk);
      }
    };
    walk(JSON.parse(edited));
    for (const n of ['bn_Conv1', 'Conv1_relu', 'expanded_conv_depthwise', 'expanded_conv_depthwise_BN', 'expanded_conv_depthwise_relu', 'expanded_conv_project']) assert.deepEqual(shapes.get(n), [null, 112, 112, 24], n);
    assert.deepEqual(shapes.get('expanded_conv_project_BN'), [null, 112, 112, 16]);
    assert.deepEqual(shapes.get('Conv1'), [null, 224, 224, 3]);
    const d = diffAnalyses(analyzeModel(model), analyzeModel(readKerasJsonText(edited, file)));
    assert.equal(d.params, diffAnalyses(analyzeModel(model), analyzeModel(await pass.rewrite(model, s, { ratio: 0.25 }, { withWeights: false }))).params);
  });
});
