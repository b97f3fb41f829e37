// Keras JSON writer: a pass suggestion applied as minimal text edits to the shared real files. The
// edited text must re-analyse to the predicted delta, build in TensorFlow.js with the same params, keep
// every untouched layer byte-identical, and invert back to the original.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { applyTextEdits, invertTextEdits, kerasTextEdits, type TextEdit } from '../../../src/core/apply/keras/jsonEdits';
import { lineIndent } from '../../../src/core/formats/keras/textEdit';
import type { KLayer, KModel } from '../../../src/core/formats/keras/topology';
import { combine } from '../../../src/core/passes/combine';
import { diffAnalyses } from '../../../src/core/passes/delta';
import { passByName } from '../../../src/core/passes/registry';
import type { Suggestion } from '../../../src/core/passes/types';
import { kmodelOf, modelOf, readShared } from './helpers';
import { tfjsOracle, tfReady } from './oracle';

interface Case {
  file: string;
  pass: string;
  /** Index of the suggestion to apply (default 0). */
  pick?: number;
  /** tfjs builds the original (oracle.test.ts BUILDABLE). */
  tfjs: boolean;
}

const CASES: Case[] = [
  { file: 'k2_advml_autoencoder_seq.json', pass: 'low-rank', tfjs: true },
  { file: 'tfjs_k2_tensorspace_vgg16.json', pass: 'low-rank', tfjs: true },
  { file: 'tfjs_k2_tensorspace_vgg16.json', pass: 'depthwise-separable', pick: 3, tfjs: true },
  { file: 'k2_tensorspace_lenet_topology.json', pass: 'depthwise-separable', tfjs: true },
  { file: 'k2_tensorspace_lenet_topology.json', pass: 'low-rank', tfjs: true },
  { file: 'tfjsl_tfjsexamples_abalone.json', pass: 'low-rank', tfjs: true },
  { file: 'k1_jeremyshannon_nvidia_seq.json', pass: 'low-rank', tfjs: true },
  { file: 'k1_jeremyshannon_nvidia_seq.json', pass: 'cleanup', tfjs: true },
  { file: 'k1_kerasjs_xception.json', pass: 'bn-fold', tfjs: true },
  { file: 'k3_advml_weather_bilstm.json', pass: 'low-rank', tfjs: true },
  { file: 'k3_advml_weather_bilstm.json', pass: 'cleanup', tfjs: true },
  { file: 'k3_advml_convnext.json', pass: 'low-rank', pick: 5, tfjs: true },
  { file: 'k3_advml_convnext.json', pass: 'depthwise-separable', tfjs: true },
  { file: 'k3_advml_fakenet_multimodal.json', pass: 'cleanup', tfjs: true },
  { file: 'k3_leon24k_textsim_shared_lambda.json', pass: 'cleanup', tfjs: false },
  { file: 'tfjs_k2_tensorspace_resnet50.json', pass: 'bn-fold', tfjs: true },
  // TensorSpace's MobileNetV1 exposes every conv as a model output, so its BNs do not fold: the nested one instead.
  { file: 'tfjsl_teachablemachine_mobilenetv2_nested.json', pass: 'bn-fold', tfjs: true },
  { file: 'k3_advml_convnext.json', pass: 'cleanup', tfjs: true },
  { file: 'tfjs_k2_tensorspace_mobilenetv1.json', pass: 'cleanup', tfjs: true },
  { file: 'tfjs_k3_fadhilah_cnn_seq.json', pass: 'depthwise-separable', tfjs: true },
  { file: 'tfjs_k3_fadhilah_cnn_seq.json', pass: 'cleanup', tfjs: true },
  { file: 'tfjs_k3_fadhilah_mobilenetv2_nested.json', pass: 'bn-fold', tfjs: true },
  { file: 'tfjs_k3_fadhilah_mobilenetv2_nested.json', pass: 'cleanup', tfjs: true },
];

function allLayers(m: KModel, acc: KLayer[] = []): KLayer[] {
  for (const l of m.layers) {
    if (l.model) allLayers(l.model, acc);
    else acc.push(l);
  }
  return acc;
}

const textOf = (text: string, l: KLayer) => text.slice(l.source!.offset, l.source!.offset + l.source!.length);
const hits = (l: KLayer, edits: TextEdit[]) => edits.some((e) => e.offset <= l.source!.offset + l.source!.length && e.offset + e.length >= l.source!.offset);

async function suggestionFor(c: Case, file: string, text: string): Promise<Suggestion> {
  const model = modelOf(text, file);
  const found = await passByName(c.pass)!.find(model, analyzeModel(model));
  assert.ok(found.length > (c.pick ?? 0), `${c.pass} finds a suggestion in ${c.file}`);
  return found[c.pick ?? 0];
}

describe('keras: writer (pass suggestion -> minimal JSON text edits)', function () {
  this.timeout(120_000);
  for (const c of CASES) {
    it(`${c.file}: ${c.pass} — predicted Δ = re-analysed Δ, untouched layers byte-identical${c.tfjs ? ', tfjs builds it' : ''}, invertible`, async () => {
      const { text, file } = readShared(c.file);
      const model = modelOf(text, file);
      const s = await suggestionFor(c, file, text);
      const edits = kerasTextEdits(text, model, s, s.at, { weightsManifest: 'architecture-only' });
      assert.ok(edits.length > 0);
      for (let i = 1; i < edits.length; i++) assert.ok(edits[i].offset >= edits[i - 1].offset + edits[i - 1].length, 'sorted, non-overlapping');
      const out = applyTextEdits(text, edits);
      assert.equal(applyTextEdits(out, invertTextEdits(text, edits)), text, 'the inverse edits restore the original byte for byte');

      const delta = diffAnalyses(analyzeModel(model), analyzeModel(modelOf(out, file)));
      assert.equal(delta.params, s.delta.params, 'params delta');
      assert.equal(delta.macs, s.delta.macs, 'MACs delta');

      // Only the suggestion's layers and the layers reading them are touched; the rest are byte-identical.
      const before = allLayers(kmodelOf(text));
      const after = new Map(allLayers(kmodelOf(out)).map((l) => [l.name, l]));
      const named = new Set(s.layers.map((id) => model.graph.nodes.find((n) => n.id === id)!.name));
      for (const l of before) {
        if (!hits(l, edits)) {
          const twin = after.get(l.name);
          assert.ok(twin, `untouched layer ${l.name} is kept`);
          assert.equal(textOf(out, twin), textOf(text, l), `untouched layer ${l.name} byte-identical`);
        } else if (!named.has(l.name)) {
          // A consumer rewired to the removed/new layer's place: only its inbound_nodes change.
          const twin = after.get(l.name)!;
          assert.deepEqual({ ...twin.config, name: 0 }, { ...l.config, name: 0 }, `consumer ${l.name} keeps its config`);
        }
      }

      if (c.tfjs && !/^k[13]_|^tfjs_k3_/.test(c.file)) {
        // Keras 2 / tfjs dialect: the edited text itself goes to tf.models.modelFromJSON (initializers zeroed for speed).
        await tfReady();
        const j = JSON.parse(out, (k, v) => (k.endsWith('_initializer') ? { class_name: 'Zeros', config: {} } : v));
        const topology = j.modelTopology ?? j;
        const built = await tf.models.modelFromJSON({ modelTopology: topology } as unknown as tf.io.ModelJSON);
        assert.equal(built.countParams(), analyzeModel(modelOf(out, file)).totals.params, 'tfjs countParams() of the edited text');
        built.dispose();
      }
      if (c.tfjs) {
        // Every dialect through our Keras 2 form of the edited text (how the oracle tests build Keras 1/3).
        const oracle = await tfjsOracle(kmodelOf(out));
        assert.equal(oracle.params, analyzeModel(modelOf(out, file)).totals.params, 'tfjs countParams() of the edited JSON');
      }
    });
  }

  it('several sites at once (VGG-16\'s three Dense layers, chained): the text equals the pass\'s IR rewrite', async () => {
    const { text, file } = readShared('tfjs_k2_tensorspace_vgg16.json');
    const model = modelOf(text, file);
    const pass = passByName('low-rank')!;
    const found = await pass.find(model, analyzeModel(model));
    const all = combine(found, undefined, 'low-rank');
    assert.equal(all.layers.length, 3);
    const out = applyTextEdits(text, kerasTextEdits(text, model, all, { ratio: 0.1 }, { weightsManifest: 'architecture-only' }));
    const ir = analyzeModel(await pass.rewrite(model, all, { ratio: 0.1 }, { withWeights: false }));
    const edited = analyzeModel(modelOf(out, file));
    assert.equal(edited.totals.params, ir.totals.params);
    assert.equal(edited.totals.macs, ir.totals.macs);
    assert.equal((await tfjsOracle(kmodelOf(out))).params, edited.totals.params);
  });

  it('keeps the indented style of a pretty-printed file and the separators of a minified one', async () => {
    for (const name of ['k2_advml_autoencoder_seq.json', 'tfjsl_tfjsexamples_abalone.json', 'tfjs_k2_tensorspace_vgg16.json']) {
      const { text, file } = readShared(name);
      const model = modelOf(text, file);
      const s = (await passByName('low-rank')!.find(model, analyzeModel(model)))[0];
      const edits = kerasTextEdits(text, model, s, s.at, { weightsManifest: 'architecture-only' });
      const content = edits.map((e) => e.content).join('');
      if (text.includes('\n')) {
        // The inserted layer sits at its sibling's indent, its keys one unit (here 1 space) deeper.
        const ins = edits.find((e) => e.length === 0 && e.content.startsWith('{'))!;
        const indent = lineIndent(text, ins.offset);
        assert.ok(ins.content.includes(`\n${indent} "class_name": "Dense"`), `${name}: keys indented like its siblings'`);
        assert.ok(ins.content.endsWith(`},\n${indent}`), `${name}: separator and indent before the next layer`);
      }
      else if (text.includes('": ')) assert.ok(!/":[^ ]/.test(content) && !/,[^ ]/.test(content), `${name}: Python separators`);
      else assert.ok(!/": /.test(content), `${name}: compact separators`);
    }
  });

  it('refuses a weight-changing pass on a tfjs model.json with a weightsManifest unless told architecture-only', async () => {
    const { text, file } = readShared('tfjs_k2_tensorspace_resnet50.json');
    const model = modelOf(text, file);
    const [s] = await passByName('bn-fold')!.find(model, analyzeModel(model));
    assert.throws(() => kerasTextEdits(text, model, s, s.at), /weightsManifest/);
    // Dropout removal changes no weights: allowed with the manifest.
    const mob = readShared('tfjs_k2_tensorspace_mobilenetv1.json');
    const mm = modelOf(mob.text, mob.file);
    const [c] = await passByName('cleanup')!.find(mm, analyzeModel(mm));
    assert.ok(kerasTextEdits(mob.text, mm, c, c.at).length > 0);
  });

  it('refuses double-encoded JSON, Keras 1 depthwise-separable and the energy knob with clear errors', async () => {
    // The abalone model written as a JSON string holding its JSON (Python json.dump(model.to_json())).
    const ab = readShared('tfjsl_tfjsexamples_abalone.json');
    const dtext = JSON.stringify(JSON.stringify(JSON.parse(ab.text).modelTopology));
    const dm = modelOf(dtext);
    const [dl] = await passByName('low-rank')!.find(dm, analyzeModel(dm));
    assert.throws(() => kerasTextEdits(dtext, dm, dl, dl.at), /double-encoded/);
    const k1 = readShared('k1_jeremyshannon_nvidia_seq.json');
    const m1 = modelOf(k1.text, k1.file);
    const [dw] = await passByName('depthwise-separable')!.find(m1, analyzeModel(m1));
    assert.throws(() => kerasTextEdits(k1.text, m1, dw, dw.at), /Keras 1/);
    const [lr] = await passByName('low-rank')!.find(m1, analyzeModel(m1));
    assert.throws(() => kerasTextEdits(k1.text, m1, lr, { energy: 0.9 }), /energy/);
    assert.ok(kerasTextEdits(k1.text, m1, lr, { rank: 7 }).some((e) => /"output_dim": 7/.test(e.content)));
  });
});
