// Keras Applications totals (the Keras documentation's table) on architectures in every JSON dialect:
// the shared tfjs files (ResNet50, VGG16, MobileNet, InceptionV3), nested no-top backbones in shared
// Keras 3 files, and DenseNet121 / MobileNetV2 / EfficientNetB0 rebuilt with tfjs layers and written
// as tfjs-layers JSON, Keras 2 JSON and Keras 3 JSON by our writers.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { toKeras2Json } from '../../../src/core/formats/keras/keras2Json';
import { toKeras3Json } from '../../../src/core/formats/keras/keras3Json';
import { denseNet121, efficientNetB0WithoutNormalization, insertNormalization, mobileNetV2 } from './applications';
import { analyzeText, kmodelOf, readShared } from './helpers';
import { tfReady } from './oracle';

/** Keras Applications table (keras.io/api/applications), total params with the 1000-class top. */
const KERAS_APPLICATIONS = {
  MobileNetV2: 3_538_984, ResNet50: 25_636_712, VGG16: 138_357_544, MobileNet: 4_253_864,
  DenseNet121: 8_062_504, InceptionV3: 23_851_784, EfficientNetB0: 5_330_571,
};
/** The 1000-class top (GAP then Dense(1000) on `c` features): c*1000 + 1000 params. */
const top = (c: number) => c * 1000 + 1000;

/** The converter's model.json: modelTopology.model_config holds the Keras JSON (Keras 2 or 3). */
function tfjsWrapper(modelConfig: unknown): string {
  return JSON.stringify({
    format: 'layers-model', generatedBy: 'keras v3.10.0', convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: { keras_version: '3.10.0', backend: 'tensorflow', model_config: modelConfig },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [] }],
  });
}

function threeDialects(text: string): Record<string, string> {
  const km = kmodelOf(text);
  const k2 = toKeras2Json(km);
  const k3 = toKeras3Json(km);
  return { given: text, keras2: JSON.stringify(k2), keras3: JSON.stringify(k3), 'tfjs(keras2)': tfjsWrapper(k2), 'tfjs(keras3)': tfjsWrapper(k3) };
}

function assertTotal(text: string, expected: number, what: string) {
  for (const [dialect, t] of Object.entries(threeDialects(text))) {
    const a = analyzeText(t);
    assert.equal(a.totals.params, expected, `${what} (${dialect} JSON)`);
    assert.deepEqual(a.notCosted, [], `${what} (${dialect}): every layer costed`);
  }
}

describe('keras: Keras Applications totals', function () {
  this.timeout(120_000);
  before(() => tfReady());

  const shared: [string, keyof typeof KERAS_APPLICATIONS][] = [
    ['tfjs_k2_tensorspace_resnet50.json', 'ResNet50'],
    ['tfjs_k2_tensorspace_vgg16.json', 'VGG16'],
    ['tfjs_k2_tensorspace_mobilenetv1.json', 'MobileNet'],
    ['tfjs_k2_tensorspace_inceptionv3.json', 'InceptionV3'],
  ];
  for (const [file, app] of shared) {
    it(`${app} (${file}) in tfjs, Keras 2 and Keras 3 JSON`, () => assertTotal(readShared(file).text, KERAS_APPLICATIONS[app], app));
  }

  it('EfficientNetB0 without top, nested in k3_advml_fakenet_multimodal (shared by two inputs): counted once', () => {
    const { text, file } = readShared('k3_advml_fakenet_multimodal.json');
    const a = analyzeText(text, file);
    const inner = a.layers.filter((l) => l.scope?.[0] === 'efficientnetb0');
    const p = inner.reduce((s, l) => s + l.params, 0);
    assert.equal(p, KERAS_APPLICATIONS.EfficientNetB0 - top(1280));
    // Two calls: two copies of every inner layer, parameters on the first only.
    assert.equal(inner.filter((l) => l.id.startsWith('efficientnetb0#1/')).length * 2, inner.length);
    assert.equal(inner.filter((l) => l.id.startsWith('efficientnetb0#1/')).reduce((s, l) => s + l.params, 0), 0);
  });

  it('MobileNetV2 without top, nested in tfjs_k3_fadhilah_mobilenetv2_nested', () => {
    const { text, file } = readShared('tfjs_k3_fadhilah_mobilenetv2_nested.json');
    const a = analyzeText(text, file);
    const p = a.layers.filter((l) => l.scope?.[0] === 'mobilenetv2_1.00_224').reduce((s, l) => s + l.params, 0);
    assert.equal(p, KERAS_APPLICATIONS.MobileNetV2 - top(1280));
  });

  const built: [string, () => tf.LayersModel, number][] = [
    ['DenseNet121', denseNet121, 0],
    ['MobileNetV2', mobileNetV2, 0],
  ];
  for (const [app, make, extra] of built) {
    it(`${app} rebuilt in tfjs: equals tfjs countParams() and the Keras table in three dialects`, () => {
      const m = make();
      const text = m.toJSON(null, true) as string;
      assert.equal(m.countParams() + extra, KERAS_APPLICATIONS[app as keyof typeof KERAS_APPLICATIONS], 'the rebuilt architecture is the Keras one');
      assertTotal(text, KERAS_APPLICATIONS[app as keyof typeof KERAS_APPLICATIONS], app);
      m.dispose();
    });
  }

  it('EfficientNetB0 rebuilt in tfjs + Keras Normalization (mean 3 + variance 3 + count 1 = 7 params)', () => {
    const m = efficientNetB0WithoutNormalization();
    const tfjsParams = m.countParams();
    const topology = JSON.parse(m.toJSON(null, true) as string) as Record<string, unknown>;
    m.dispose();
    const text = JSON.stringify(insertNormalization(topology, 'rescaling'));
    assert.equal(tfjsParams + 7, KERAS_APPLICATIONS.EfficientNetB0, 'the rebuilt architecture is the Keras one');
    assertTotal(text, KERAS_APPLICATIONS.EfficientNetB0, 'EfficientNetB0');
  });
});
