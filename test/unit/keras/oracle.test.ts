// TensorFlow.js as the oracle: every shared file tfjs can build (as found, or after our dialect
// normaliser has written Keras 1/3 as Keras 2) must give our per-layer output shapes and params.
import assert from 'node:assert/strict';
import { analyzeText, asTfjsShape, kmodelOf, readShared } from './helpers';
import { tfjsOracle } from './oracle';

/** Files tfjs 4.22 builds (README: 14 as found; Keras 1/3 ones via our Keras 2 form). */
const BUILDABLE = [
  'k1_jeremyshannon_nvidia_seq.json',
  'k1_kerasjs_imdb_bidirectional_lstm.json',
  'k1_kerasjs_xception.json',
  'k2_0xpr0xy_imdb_embedding_conv1d_lstm.json',
  'k2_advml_autoencoder_seq.json',
  'k2_alielgamel_nst_keras_archive_config.json',
  'k2_dl4j_reshape_embedding_concat_getconfig.json',
  'k2_dl4j_time_distributed.json',
  'k2_tensorspace_lenet_topology.json',
  'k3_advml_weather_bilstm.json',
  // With test stand-ins for Normalization, LayerScale and TextVectorization (standins.ts):
  'k3_advml_convnext.json',
  'k3_advml_fakenet_multimodal.json',
  'tfjs_k2_tensorspace_acgan_generator.json',
  'tfjs_k2_tensorspace_inceptionv3.json',
  'tfjs_k2_tensorspace_mobilenetv1.json',
  'tfjs_k2_tensorspace_resnet50.json',
  'tfjs_k2_tensorspace_vgg16.json',
  'tfjs_k3_beingkbk_mnist_manual_wrapper.json',
  'tfjs_k3_fadhilah_cnn_seq.json',
  'tfjs_k3_fadhilah_mobilenetv2_nested.json',
  'tfjsl_teachablemachine_mobilenetv2_nested.json',
  'tfjsl_tensorspace_mnist_0.8.3.json',
  'tfjsl_tfjsexamples_abalone.json',
];

describe('keras: tfjs oracle on the shared files', function () {
  this.timeout(120_000);
  for (const name of BUILDABLE) {
    it(`${name}: params and per-layer shapes equal tfjs`, async () => {
      const { text, file } = readShared(name);
      const oracle = await tfjsOracle(kmodelOf(text));
      const a = analyzeText(text, file);
      assert.equal(a.format, 'keras');
      assert.equal(a.totals.params, oracle.params, 'total params vs tfjs countParams()');
      assert.deepEqual(a.notCosted, [], 'every layer of a tfjs-buildable model is costed');
      let compared = 0;
      for (const ol of oracle.layers) {
        if (ol.nested || ol.className === 'InputLayer') continue;
        const ours = a.layers.filter((l) => l.name === ol.name);
        assert.ok(ours.length > 0, `layer ${ol.name} (${ol.className}) missing from our analysis`);
        assert.equal(ours.reduce((s, l) => s + l.params, 0), ol.params, `params of ${ol.name} (${ol.className})`);
        const tfShapes = ol.outputShapes.map((s) => JSON.stringify(s));
        for (const l of ours) {
          const mine = JSON.stringify(l.outputs.map((o) => asTfjsShape(o.shape)));
          assert.ok(tfShapes.includes(mine), `output shape of ${ol.name} (${ol.className}): ours ${mine}, tfjs ${tfShapes.join(' | ')}`);
        }
        compared++;
      }
      assert.ok(compared > 0);
    });
  }
});
