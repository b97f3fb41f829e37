// Weight-changing passes on .keras archives (Keras 3) and Keras 2 .h5 files. The fixtures are written by
// the tests in Keras' own layout (kerasBinaryFiles.ts); the product must read their weights back exactly,
// and the file it writes must reload with its readers (the predicted Δ), build in TensorFlow.js with the
// same params, and compute what the pass promises (bn-fold: the same outputs within 1e-4; low-rank and
// depthwise-separable: the original's outputs with the kernel replaced by the written factors' product).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readKerasArchive, readKerasH5 } from '../../../src/core/formats/keras/archive';
import { applyKerasBinary, openKerasWithWeights, type OpenKeras } from '../../../src/core/apply/keras/binaryApply';
import { loadH5wasm } from '../../../src/core/formats/keras/h5';
import { toKeras2Json } from '../../../src/core/formats/keras/keras2Json';
import { ZipFile } from '../../../src/core/formats/keras/zip';
import type { Model } from '../../../src/core/ir/graph';
import { diffAnalyses } from '../../../src/core/passes/delta';
import type { KnobValues, Suggestion } from '../../../src/core/passes/types';
import { toFloat32 } from '../../../src/core/tensor/bytes';
import { sharedFile, suggestionOn } from './helpers';
import { fixtureWeight, modelJson, tfjsWithWeights, writeKeras2File, writeKerasArchive } from './kerasBinaryFiles';
import { tfjsOracle } from './oracle';
import { predict, randomInputs } from './tfjsFiles';
import { maxRelDiff } from '../passes/helpers';

type Json = Record<string, unknown>;

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'modellens-kbin-'));
  dirs.push(d);
  return d;
}

async function opened<T>(file: string, f: (k: OpenKeras) => Promise<T>): Promise<T> {
  const d = tmp();
  const k = await openKerasWithWeights(file, d);
  try {
    return await f(k);
  } finally {
    k.close();
  }
}

const readBinary = (file: string): Promise<Model> => (file.endsWith('.keras') ? readKerasArchive(file) : readKerasH5(file));

const suggestion = async (file: string, pass: string, layer?: string): Promise<Suggestion> => suggestionOn(await readBinary(file), file, pass, layer);

/** The product reads back every weight the fixture wrote, value for value. */
async function assertReadsFixture(k: OpenKeras): Promise<void> {
  let n = 0;
  for (const node of k.model.graph.nodes) {
    const key = [...(node.scope ?? []), node.name].join('/');
    for (const w of node.weights ?? []) {
      const t = k.model.graph.initializers.get(w)!;
      assert.equal(t.source.kind, 'inline', `${w} is read`);
      assert.deepEqual(await toFloat32(t), fixtureWeight(key, w.slice(key.length + 1), [...t.dims]), `${w} as written`);
      n++;
    }
  }
  assert.ok(n > 0);
}

async function outputs(m: tf.LayersModel, seed = 5): Promise<Float32Array[]> {
  const x = randomInputs(m, 2, seed);
  const v = predict(m, x);
  tf.dispose(x);
  return v;
}

/** apply → save (the bytes to a new file; the original is never written) → reload → checks. */
async function applyAndReload(file: string, s: Suggestion, knobs: KnobValues) {
  const before = readFileSync(file);
  const r = await applyKerasBinary(file, s, knobs);
  assert.equal(Buffer.compare(readFileSync(file), before), 0, 'the original file is untouched');
  const out = path.join(path.dirname(file), `saved${path.extname(file)}`);
  writeFileSync(out, r.bytes);
  const reread = await readBinary(out);
  const d = diffAnalyses(analyzeModel(await readBinary(file)), analyzeModel(reread));
  return { r, out, d, reread };
}

describe('keras: weight-changing passes on .keras and .h5 files', function () {
  this.timeout(300_000);
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const kind of ['h5', 'keras'] as const) {
    const shared = kind === 'h5' ? 'tfjsl_teachablemachine_mobilenetv2_nested.json' : 'tfjs_k3_fadhilah_mobilenetv2_nested.json';
    it(`.${kind}: bn-fold of a nested MobileNetV2 (${shared}'s config): reloads with Δ as predicted, outputs within 1e-4 in tfjs`, async () => {
      const file = path.join(tmp(), `model.${kind}`);
      const cfg = modelJson(readFileSync(sharedFile(shared), 'utf8'));
      if (kind === 'h5') await writeKeras2File(cfg, file);
      else await writeKerasArchive(cfg, file);
      const want = await opened(file, async (k) => {
        await assertReadsFixture(k);
        return outputs(await tfjsWithWeights(k.kmodel, k.model));
      });
      const s = await suggestion(file, 'bn-fold');
      assert.ok(s.layers.length >= 100, `${s.layers.length / 2} BatchNorms fold`);
      const { out, d, reread } = await applyAndReload(file, s, s.at);
      assert.equal(d.params, s.delta.params);
      assert.equal(d.macs, s.delta.macs);
      await opened(out, async (k) => {
        assert.ok([...k.model.graph.initializers.values()].every((t) => t.source.kind === 'inline'), 'every weight of the rewritten file is found');
        assert.equal((await tfjsOracle(k.kmodel)).params, analyzeModel(reread).totals.params, 'tfjs countParams() of the written config');
        const got = await outputs(await tfjsWithWeights(k.kmodel, k.model));
        const spread = Math.max(...want[0]) - Math.min(...want[0]);
        assert.ok(spread > 1e-3, `outputs vary (${spread})`);
        want.forEach((w, i) => assert.ok(maxRelDiff(w, got[i]) <= 1e-4, `output ${i}: relative difference ${maxRelDiff(w, got[i])}`));
      });
    });
  }

  it('.h5: the layout Keras 2 loads by position — layer_names in model order, weight_names per group, no optimizer state', async () => {
    const file = path.join(tmp(), 'model.h5');
    await writeKeras2File(modelJson(readFileSync(sharedFile('tfjsl_teachablemachine_mobilenetv2_nested.json'), 'utf8')), file);
    // Only the first fold (Conv1 + bn_Conv1): the other BatchNorms' statistics stay, at the end.
    const all = await suggestion(file, 'bn-fold');
    const s = { ...all, layers: all.layers.slice(0, 2) };
    assert.deepEqual(s.layers.map((id) => id.split('/').pop()), ['Conv1', 'bn_Conv1']);
    const { out } = await applyAndReload(file, s, s.at);
    const lib = await loadH5wasm();
    const f = new lib.File(out, 'r');
    try {
      assert.deepEqual(f.keys().sort(), ['model_weights']);
      assert.deepEqual(Object.keys(f.attrs).sort(), ['backend', 'keras_version', 'model_config', 'training_config']);
      const mw = f.get('model_weights') as InstanceType<typeof lib.Group>;
      assert.deepEqual(mw.get_attribute('layer_names', true), ['sequential_1', 'sequential_3']);
      const names = (f.get('model_weights/sequential_1') as InstanceType<typeof lib.Group>).get_attribute('weight_names', true) as string[];
      assert.ok(!names.some((n) => /^bn_Conv1\//.test(n)), 'the folded BatchNorm has no weights left');
      assert.deepEqual(names.slice(0, 2), ['Conv1/kernel:0', 'Conv1/bias:0'], 'the new bias right after its kernel, among the trainable weights');
      for (const n of names) assert.ok(f.get(`model_weights/sequential_1/${n}`) instanceof lib.Dataset, `dataset for ${n}`);
      const moving = names.findIndex((n) => n.includes('moving_mean'));
      assert.ok(moving > 0 && names.slice(moving).every((n) => /moving_(mean|variance)/.test(n)), 'non-trainable statistics (of unfolded BNs) stay at the end');
    } finally {
      f.close();
    }
  });

  /** A small Keras 3 Sequential, in Keras 3's config form: Conv-BN-ReLU ×2, pooling, Dense, Dropout, Dense. */
  function tinyKeras3(): Json {
    const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    const init = (c: string) => ({ module: 'keras.initializers', class_name: c, config: c === 'Zeros' || c === 'Ones' ? {} : { seed: null }, registered_name: null });
    const layer = (cls: string, name: string, config: Json, input: (number | null)[]) => ({ module: 'keras.layers', class_name: cls, config: { name, trainable: true, dtype, ...config }, registered_name: null, build_config: { input_shape: input } });
    const conv = (name: string, filters: number, input: (number | null)[]) => layer('Conv2D', name, { filters, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros'), kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null }, input);
    const bn = (name: string, input: (number | null)[]) => layer('BatchNormalization', name, { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true, beta_initializer: init('Zeros'), gamma_initializer: init('Ones'), moving_mean_initializer: init('Zeros'), moving_variance_initializer: init('Ones'), beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null, synchronized: false }, input);
    const dense = (name: string, units: number, activation: string, input: (number | null)[]) => layer('Dense', name, { units, activation, use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros'), kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null }, input);
    const s8: (number | null)[] = [null, 12, 12, 8];
    return {
      module: 'keras', class_name: 'Sequential', registered_name: null, build_config: { input_shape: [null, 12, 12, 3] },
      config: {
        name: 'tiny', trainable: true, dtype,
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 12, 12, 3], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null },
          conv('conv_a', 8, [null, 12, 12, 3]), bn('bn_a', s8), layer('Activation', 'relu_a', { activation: 'relu' }, s8),
          conv('conv_b', 16, s8), bn('bn_b', [null, 12, 12, 16]), layer('Activation', 'relu_b', { activation: 'relu' }, [null, 12, 12, 16]),
          layer('GlobalAveragePooling2D', 'gap', { data_format: 'channels_last', keepdims: false }, [null, 12, 12, 16]),
          dense('fc1', 32, 'relu', [null, 16]), layer('Dropout', 'drop', { rate: 0.5, seed: null, noise_shape: null }, [null, 32]), dense('fc2', 12, 'linear', [null, 32]),
        ],
      },
    };
  }

  it('.keras: folding only the first BatchNorm renumbers the second (batch_normalization_1 → batch_normalization); values follow, outputs equal', async () => {
    const file = path.join(tmp(), 'tiny.keras');
    await writeKerasArchive(tinyKeras3(), file);
    const want = await opened(file, async (k) => {
      await assertReadsFixture(k);
      return outputs(await tfjsWithWeights(k.kmodel, k.model));
    });
    const all = await suggestion(file, 'bn-fold');
    assert.deepEqual(all.layers, ['conv_a', 'bn_a', 'conv_b', 'bn_b']);
    const s = { ...all, layers: ['conv_a', 'bn_a'] };
    const { out, d } = await applyAndReload(file, s, {});
    assert.equal(d.params, -4 * 8 + 0);
    const zip = new ZipFile(out);
    try {
      assert.deepEqual(zip.entries.map((e) => e.name), ['metadata.json', 'config.json', 'model.weights.h5'], 'the members, in order');
      assert.ok(zip.entries.every((e) => e.method === 0), 'stored, as Keras writes them');
      assert.deepEqual(JSON.parse(Buffer.from(zip.readMember(zip.find('metadata.json')!)).toString()).keras_version, '3.10.0');
    } finally {
      zip.close();
    }
    await opened(out, async (k) => {
      const lib = k.lib;
      assert.ok(!(k.weights.get('layers/batch_normalization_1') instanceof lib.Group), 'one BatchNormalization group left');
      assert.ok(!(k.weights.get('optimizer') instanceof lib.Group), 'the optimizer state of the old variables is dropped');
      const moving = k.weights.get('layers/batch_normalization/vars/2') as InstanceType<typeof lib.Dataset>;
      assert.deepEqual(moving.value, fixtureWeight('bn_b', 'moving_mean', [16]), 'bn_b\'s statistics now at batch_normalization');
      const got = await outputs(await tfjsWithWeights(k.kmodel, k.model));
      want.forEach((w, i) => assert.ok(maxRelDiff(w, got[i]) <= 1e-4, `output ${i}: ${maxRelDiff(w, got[i])}`));
    });
  });

  for (const kind of ['keras', 'h5'] as const) {
    it(`.${kind}: low-rank fc1 and depthwise-separable conv_b — the written factors' product in the original gives the new file's outputs; reported errors checked`, async () => {
      const file = path.join(tmp(), `tiny.${kind}`);
      if (kind === 'keras') await writeKerasArchive(tinyKeras3(), file);
      else await writeKeras2File(toKeras2Json((await readKerasArchiveModel()).kmodel), file);
      for (const [pass, layer] of [['low-rank', 'fc1'], ['depthwise-separable', 'conv_b']] as const) {
        const s = await suggestion(file, pass, layer);
        const knobs: KnobValues = pass === 'low-rank' ? { rank: 5 } : {};
        const { r, out, d } = await applyAndReload(file, s, knobs);
        if (pass === 'depthwise-separable') assert.equal(d.params, s.delta.params);
        await opened(out, async (k2) => {
          await opened(file, async (k1) => {
            const val = async (k: OpenKeras, key: string, i: number) => {
              const n = k.model.graph.nodes.find((x) => [...(x.scope ?? []), x.name].join('/') === key)!;
              const t = k.model.graph.initializers.get(n.weights![i])!;
              return { v: await toFloat32(t), dims: [...t.dims] };
            };
            const W = await val(k1, layer, 0);
            let approx: Float32Array;
            if (pass === 'low-rank') {
              const L = await val(k2, 'fc1_lowrank', 0);
              const R = await val(k2, 'fc1', 0);
              assert.deepEqual([L.dims, R.dims], [[16, 5], [5, 32]]);
              approx = tf.matMul(tf.tensor(L.v, L.dims), tf.tensor(R.v, R.dims)).dataSync() as Float32Array;
            } else {
              const dw = await val(k2, 'conv_b', 0);
              const pw = await val(k2, 'conv_b', 1);
              assert.deepEqual([dw.dims, pw.dims], [[3, 3, 8, 1], [1, 1, 8, 16]]);
              approx = new Float32Array(W.v.length);
              for (let t = 0; t < 9; t++) for (let c = 0; c < 8; c++) for (let o = 0; o < 16; o++) approx[(t * 8 + c) * 16 + o] = dw.v[t * 8 + c] * pw.v[c * 16 + o];
            }
            let num = 0;
            let den = 0;
            for (let i = 0; i < W.v.length; i++) {
              num += (W.v[i] - approx[i]) ** 2;
              den += W.v[i] ** 2;
            }
            assert.ok(Math.abs(r.errors[0].relError - Math.sqrt(num / den)) <= 1e-4, `${pass}: reported ${r.errors[0].relError}, computed ${Math.sqrt(num / den)}`);
            // The original with the kernel := the product computes what the written file computes.
            const n1 = k1.model.graph.nodes.find((x) => x.name === layer)!;
            k1.model.graph.initializers.set(n1.weights![0], { ...k1.model.graph.initializers.get(n1.weights![0])!, source: { kind: 'inline', bytes: new Uint8Array(approx.buffer) } });
            const want = await outputs(await tfjsWithWeights(k1.kmodel, k1.model));
            const got = await outputs(await tfjsWithWeights(k2.kmodel, k2.model));
            want.forEach((w, i) => assert.ok(maxRelDiff(w, got[i]) <= 1e-4, `${pass} output ${i}: ${maxRelDiff(w, got[i])}`));
          });
        });
      }
    });
  }

  for (const kind of ['keras', 'h5'] as const) {
    it(`.${kind}: cluster (2 bits) changes only kernel values: the config is byte-identical, kernels hold ≤ 4 values, the rest is as written`, async () => {
      const file = path.join(tmp(), `tiny.${kind}`);
      if (kind === 'keras') await writeKerasArchive(tinyKeras3(), file);
      else await writeKeras2File(toKeras2Json((await readKerasArchiveModel()).kmodel), file);
      const s = await suggestion(file, 'cluster');
      const { r, out, d } = await applyAndReload(file, s, { bits: 2 });
      assert.equal(d.params, 0);
      await opened(file, async (k1) => opened(out, async (k2) => {
        assert.equal(k2.config, k1.config, 'the config text is unchanged');
        for (const n of k2.model.graph.nodes) {
          for (const w of n.weights ?? []) {
            const v2 = await toFloat32(k2.model.graph.initializers.get(w)!);
            const v1 = await toFloat32(k1.model.graph.initializers.get(w)!);
            if (r.errors.some((e) => e.layer === n.id) && /kernel$/.test(w)) assert.ok(new Set(v2).size <= 4, `${w}: ${new Set(v2).size} values`);
            else assert.deepEqual(v2, v1, `${w} as it was`);
          }
        }
        assert.deepEqual(r.errors.map((e) => e.layer), ['conv_b'], 'the one kernel of at least 1024 weights');
      }));
    });
  }

  it('clear errors: a .keras without model.weights.h5, an .h5 without model_weights', async () => {
    const d = tmp();
    const bare = path.join(d, 'bare.keras');
    writeFileSync(bare, zipSync({ 'config.json': [new TextEncoder().encode(JSON.stringify(tinyKeras3())), { level: 0 }] }));
    const s = await suggestion(bare, 'bn-fold');
    await assert.rejects(applyKerasBinary(bare, s, {}), /no model\.weights\.h5/);
    // An .h5 with the architecture and no model_weights: nothing to rewrite, and it says which weight.
    const h5 = path.join(d, 'config-only.h5');
    const lib = await loadH5wasm();
    const f = new lib.File(h5, 'w');
    f.create_attribute('model_config', JSON.stringify(toKeras2Json((await readKerasArchiveModel()).kmodel)));
    f.close();
    const s2 = await suggestion(h5, 'bn-fold');
    await assert.rejects(applyKerasBinary(h5, s2, {}), /weights of "conv_a\/kernel" are not available/);
  });

  /** The tiny Keras 3 model read back (for a Keras 2 twin of its config). */
  async function readKerasArchiveModel(): Promise<OpenKeras> {
    const file = path.join(tmp(), 'twin.keras');
    await writeKerasArchive(tinyKeras3(), file);
    return opened(file, async (k) => k);
  }
});
