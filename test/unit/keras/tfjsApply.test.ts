// Weight-changing passes on tfjs model.json files with real shards: the layer edits plus a new manifest
// pointing at a new shard. Written like a save (shard, then model.json), the result must load in
// TensorFlow.js (strict weight matching), re-analyse to the predicted delta, and compute what the pass
// promises: bn-fold the same outputs; low-rank / depthwise-separable the outputs of the original with
// its kernel replaced by the factors' product, with the reported error equal to one computed here.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { analyzeModel } from '../../../src/core/analysis/analyze';
import { readKerasJsonFile, readKerasJsonText } from '../../../src/core/formats/keras/reader';
import { applyKerasText } from '../../../src/core/apply/keras/tfjsApply';
import { manifestShardPaths } from '../../../src/core/formats/keras/tfjsWeights';
import { applyTextEdits, invertTextEdits } from '../../../src/core/apply/keras/jsonEdits';
import { diffAnalyses } from '../../../src/core/passes/delta';
import { passByName } from '../../../src/core/passes/registry';
import type { KnobValues, Suggestion } from '../../../src/core/passes/types';
import { optimalRankError } from './eckartYoung';
import { sharedFile, suggestionOn } from './helpers';
import { loadTfjsModel, predict, randomInputs, writeTfjsModel } from './tfjsFiles';
import { isRewrittenShard } from '../../../src/core/formats/keras/tfjsShards';
import { maxRelDiff } from '../passes/helpers';

const MNIST = 'tfjsl_tensorspace_mnist_0.8.3.json';
const MOBILENET = 'tfjsl_teachablemachine_mobilenetv2_nested.json';

interface Setup { dir: string; file: string; text: string; shards: Map<string, Buffer> }

function setup(name: string): Setup {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-tfjs-'));
  const file = writeTfjsModel(sharedFile(name), dir);
  const shards = new Map(readdirSync(dir).filter((f) => f !== path.basename(file)).map((f) => [f, readFileSync(path.join(dir, f))]));
  return { dir, file, text: readFileSync(file, 'utf8'), shards };
}

const suggestion = async (file: string, pass: string, layer?: string): Promise<Suggestion> => suggestionOn(await readKerasJsonFile(file), file, pass, layer);

/** What a save does: the new shards first, then the model.json (pendingShards.ts in the extension). */
function save(st: Setup, text: string, shards: { path: string; bytes: Uint8Array }[]): void {
  for (const s of shards) writeFileSync(path.join(st.dir, s.path), s.bytes);
  writeFileSync(st.file, text);
}

/** Outputs of every top-level layer (not only the model's): a wrong weight anywhere shows. */
function probe(m: tf.LayersModel): tf.LayersModel {
  // A nested model layer has a node of its own construction too: its call in `m` is the last one.
  const outs = m.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.getOutputAt(l.inboundNodes.length - 1) as tf.SymbolicTensor);
  return tf.model({ inputs: m.inputs, outputs: outs });
}

async function outputsOf(m: tf.LayersModel, seed = 11): Promise<Float32Array[]> {
  const x = randomInputs(m, 2, seed);
  const v = predict(probe(m), x);
  tf.dispose(x);
  return v;
}

function frob(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - (b ? b[i] : 0)) ** 2;
  return Math.sqrt(s);
}

function weightOf(m: tf.LayersModel, layer: string, i: number): { values: Float32Array; shape: number[] } {
  const w = m.getLayer(layer).getWeights()[i];
  return { values: w.dataSync() as Float32Array, shape: w.shape };
}

describe('keras: weight-changing passes on tfjs model.json with shards', function () {
  this.timeout(300_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it(`bn-fold (${MOBILENET}, BatchNorms inside a nested model): loads in tfjs, every layer output within 1e-4, Δ as predicted, undo gives the original back`, async () => {
    const st = setup(MOBILENET);
    dirs.push(st.dir);
    const original = await loadTfjsModel(st.file);
    const want = await outputsOf(original);
    const s = await suggestion(st.file, 'bn-fold');
    assert.ok(s.layers.length > 50, `many BatchNorms fold (${s.layers.length / 2})`);

    const r = await applyKerasText(st.text, st.file, s, s.at);
    assert.equal(r.shards.length, 1);
    assert.match(r.shards[0].path, /^tfjsl_teachablemachine_mobilenetv2_nested\.modellens-[0-9a-f]{12}\.bin$/);
    // What a save checks for on disk: shards a rewrite made, not the converter's.
    assert.ok(isRewrittenShard(r.shards[0].path));
    assert.ok(!isRewrittenShard('group1-shard1of4.bin'));
    assert.ok(!st.shards.has(r.shards[0].path), 'a new shard name, never an existing one');
    const edited = applyTextEdits(st.text, r.edits);
    save(st, edited, r.shards);
    for (const [f, b] of st.shards) assert.equal(Buffer.compare(readFileSync(path.join(st.dir, f)), b), 0, `original shard ${f} untouched`);

    const reread = await readKerasJsonFile(st.file);
    assert.ok([...reread.graph.initializers.values()].every((t) => t.source.kind === 'file'), 'every weight is found in the new shard');
    const d = diffAnalyses(analyzeModel(readKerasJsonText(st.text, st.file)), analyzeModel(reread));
    assert.equal(d.params, s.delta.params);
    assert.equal(d.macs, s.delta.macs);

    const folded = await loadTfjsModel(st.file);
    const got = await outputsOf(folded);
    assert.equal(got.length, want.length);
    // The final layer is a 2-way softmax; the 1280 pooled features before it are the sensitive check.
    const spread = Math.max(...want[0]) - Math.min(...want[0]);
    assert.ok(spread > 1e-2, `the features vary (spread ${spread}): the comparison means something`);
    for (let i = 0; i < want.length; i++) assert.ok(maxRelDiff(want[i], got[i]) <= 1e-4, `output ${i}: relative difference ${maxRelDiff(want[i], got[i])}`);
    const bns = (m: tf.LayersModel): number => m.layers.reduce((n, l) => n + (l.getClassName() === 'BatchNormalization' ? 1 : 0) + ('layers' in l ? bns(l as unknown as tf.LayersModel) : 0), 0);
    assert.equal(bns(folded), bns(original) - s.layers.length / 2, 'the folded BatchNorms are gone from the loaded model');

    // Undo (the inverse edits) then save: the original text, which still matches the original shards.
    const undone = applyTextEdits(edited, invertTextEdits(st.text, r.edits));
    assert.equal(undone, st.text, 'undo restores the text byte for byte');
    save(st, undone, []);
    const back = await outputsOf(await loadTfjsModel(st.file));
    back.forEach((v, i) => assert.deepEqual(v, want[i], 'the original model again, bit for bit'));
  });

  for (const knobs of [{ ratio: 0.25 }, { energy: 0.8 }] as KnobValues[]) {
    it(`low-rank (${MNIST} myDense1, ${JSON.stringify(knobs)}): the reported error is ‖W − L·R‖/‖W‖ of the loaded factors; outputs equal the original with W := L·R`, async () => {
      const st = setup(MNIST);
      dirs.push(st.dir);
      const original = await loadTfjsModel(st.file);
      const W = weightOf(original, 'myDense1', 0);
      const s = await suggestion(st.file, 'low-rank', 'myDense1');
      const r = await applyKerasText(st.text, st.file, s, knobs);
      const edited = applyTextEdits(st.text, r.edits);
      save(st, edited, r.shards);
      const m = await loadTfjsModel(st.file);
      const L = m.getLayer('myDense1_lowrank').getWeights()[0];
      const R = m.getLayer('myDense1').getWeights()[0];
      const rank = L.shape[1]!;
      if (knobs.ratio) assert.equal(rank, Math.floor((0.25 * 400 * 120) / 520), 'the ratio knob\'s rank');
      else assert.ok(rank > 1 && rank < 120, `energy 0.8 picks a rank from the singular values (${rank})`);
      const LR = tf.matMul(L, R).dataSync() as Float32Array;
      const independent = frob(W.values, LR) / frob(W.values);
      assert.equal(r.errors.length, 1);
      assert.ok(Math.abs(r.errors[0].relError - independent) <= 1e-4 * Math.max(1, independent), `reported ${r.errors[0].relError}, computed ${independent}`);
      assert.ok(independent > 1e-3, 'a truncation, not an exact copy');
      // Eckart–Young: no rank-r factors do better than the truncated SVD. The pass's randomized SVD gets
      // within ~1.5% of it on a flat spectrum like these random weights (exact on the Gram path).
      const best = optimalRankError(W.values, 400, 120, rank);
      assert.ok(independent >= best - 1e-6 && independent <= 1.02 * best, `rank-${rank} factors: error ${independent}, the optimum ${best}`);

      // Δ as the structure-only rewrite at the same knobs predicts (the preview's numbers).
      const model = readKerasJsonText(st.text, st.file);
      const predicted = diffAnalyses(analyzeModel(model), analyzeModel(await passByName('low-rank')!.rewrite(model, s, knobs, { withWeights: false })));
      const d = diffAnalyses(analyzeModel(model), analyzeModel(await readKerasJsonFile(st.file)));
      assert.equal(d.params, predicted.params);
      if (knobs.ratio) assert.equal(d.params, s.delta.params);

      // The original architecture with the product as its kernel computes what the new files compute.
      original.getLayer('myDense1').setWeights([tf.tensor(LR, W.shape), original.getLayer('myDense1').getWeights()[1]]);
      const want = await outputsOf(original);
      const got = await outputsOf(m);
      assert.equal(maxRelDiff(want[want.length - 1], got[got.length - 1]) <= 1e-4, true, `final outputs differ by ${maxRelDiff(want[want.length - 1], got[got.length - 1])}`);
    });
  }

  it(`depthwise-separable (${MNIST} myConv2): outputs equal the original with the kernel := the rank-1 products; reported error checked`, async () => {
    const st = setup(MNIST);
    dirs.push(st.dir);
    const original = await loadTfjsModel(st.file);
    const W = weightOf(original, 'myConv2', 0);
    const s = await suggestion(st.file, 'depthwise-separable', 'myConv2');
    const r = await applyKerasText(st.text, st.file, s, s.at);
    save(st, applyTextEdits(st.text, r.edits), r.shards);
    const m = await loadTfjsModel(st.file);
    assert.equal(m.getLayer('myConv2').getClassName(), 'SeparableConv2D');
    const [dw, pw, bias] = m.getLayer('myConv2').getWeights();
    assert.deepEqual([dw.shape, pw.shape, bias.shape], [[5, 5, 6, 1], [1, 1, 6, 16], [16]]);
    const [kh, kw, cin, cout] = W.shape;
    const d = dw.dataSync();
    const p = pw.dataSync();
    const approx = new Float32Array(W.values.length);
    for (let t = 0; t < kh * kw; t++) for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) approx[(t * cin + c) * cout + o] = d[t * cin + c] * p[c * cout + o];
    const independent = frob(W.values, approx) / frob(W.values);
    assert.ok(Math.abs(r.errors[0].relError - independent) <= 1e-4, `reported ${r.errors[0].relError}, computed ${independent}`);
    assert.deepEqual(bias.dataSync(), original.getLayer('myConv2').getWeights()[1].dataSync(), 'the bias is copied');
    original.getLayer('myConv2').setWeights([tf.tensor(approx, W.shape), original.getLayer('myConv2').getWeights()[1]]);
    const want = await outputsOf(original);
    const got = await outputsOf(m);
    for (let i = 0; i < want.length; i++) assert.ok(maxRelDiff(want[i], got[i]) <= 1e-4, `output ${i}: ${maxRelDiff(want[i], got[i])}`);
  });

  it(`cluster (${MNIST}, 3 bits): every kernel holds at most 8 values, biases copied, the reported errors are ‖W − C‖/‖W‖ of the loaded kernels`, async () => {
    const st = setup(MNIST);
    dirs.push(st.dir);
    const original = await loadTfjsModel(st.file);
    const s = await suggestion(st.file, 'cluster');
    const r = await applyKerasText(st.text, st.file, s, { bits: 3 });
    const edited = applyTextEdits(st.text, r.edits);
    assert.equal(r.edits.length, 1, 'only the manifest changes');
    save(st, edited, r.shards);
    const m = await loadTfjsModel(st.file);
    const layers = ['myConv1', 'myConv2', 'myDense1', 'myDense2', 'myDense3'];
    let clustered = 0;
    for (const name of layers) {
      const [k, b] = m.getLayer(name).getWeights();
      const [k0, b0] = original.getLayer(name).getWeights();
      assert.deepEqual(b.dataSync(), b0.dataSync(), `${name} bias untouched`);
      const err = r.errors.find((e) => e.layer === name);
      if (!err) {
        assert.deepEqual(k.dataSync(), k0.dataSync(), `${name}: too small to cluster, untouched`);
        continue;
      }
      clustered++;
      const v = k.dataSync() as Float32Array;
      assert.ok(new Set(v).size <= 8, `${name}: ${new Set(v).size} distinct values`);
      const w = k0.dataSync() as Float32Array;
      assert.ok(Math.abs(err.relError - frob(w, v) / frob(w)) <= 1e-5, `${name}: reported ${err.relError}, computed ${frob(w, v) / frob(w)}`);
    }
    assert.ok(clustered >= 3, `${clustered} kernels clustered`);
  });

  it('cluster on an architecture-only JSON is refused: there are no weights to change', async () => {
    const file = sharedFile('k2_advml_autoencoder_seq.json');
    const text = readFileSync(file, 'utf8');
    const model = readKerasJsonText(text, file);
    const [s] = await passByName('cluster')!.find(model, analyzeModel(model));
    assert.ok(s);
    await assert.rejects(applyKerasText(text, file, s, s.at), /no weights/);
  });

  it('untouched weights are copied byte for byte; a second apply before saving reads the first one\'s shard from memory', async () => {
    const st = setup(MNIST);
    dirs.push(st.dir);
    const s1 = await suggestion(st.file, 'low-rank', 'myDense1');
    const r1 = await applyKerasText(st.text, st.file, s1, { rank: 20 });
    const text1 = applyTextEdits(st.text, r1.edits);
    const m1 = JSON.parse(text1) as { weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[] };
    assert.deepEqual(m1.weightsManifest[0].paths, [r1.shards[0].path]);
    assert.deepEqual(m1.weightsManifest[0].weights.map((w) => w.name), ['myConv1/kernel', 'myConv1/bias', 'myConv2/kernel', 'myConv2/bias', 'myDense1_lowrank/kernel', 'myDense1/kernel', 'myDense1/bias', 'myDense2/kernel', 'myDense2/bias', 'myDense3/kernel', 'myDense3/bias']);
    // myConv1 and myConv2 lead both files: the first 4·(150 + 6 + 2400 + 16) bytes are the same.
    const lead = 4 * (150 + 6 + 2400 + 16);
    assert.equal(Buffer.compare(Buffer.from(r1.shards[0].bytes.subarray(0, lead)), st.shards.get('mnist.weights.bin')!.subarray(0, lead)), 0);

    // Unsaved: the text points at a shard that exists only in memory.
    const s2 = (await passByName('low-rank')!.find(readKerasJsonText(text1, st.file), analyzeModel(readKerasJsonText(text1, st.file)))).find((x) => x.layers.includes('myDense2'));
    assert.ok(s2);
    await assert.rejects(applyKerasText(text1, st.file, s2, { rank: 10 }), /not available|missing/, 'without the pending shard the weights are absent');
    const overlay = new Map([[path.join(st.dir, r1.shards[0].path), r1.shards[0].bytes]]);
    const r2 = await applyKerasText(text1, st.file, s2, { rank: 10 }, { shards: overlay });
    save(st, applyTextEdits(text1, r2.edits), r2.shards);
    const m = await loadTfjsModel(st.file);
    assert.equal(m.getLayer('myDense1_lowrank').getWeights()[0].shape[1], 20);
    assert.equal(m.getLayer('myDense2_lowrank').getWeights()[0].shape[1], 10);
  });

  it('tensors cut across shard files (the converter cuts every 4 MB): the rewritten one and the copied ones are read whole', async () => {
    const st = setup(MNIST);
    dirs.push(st.dir);
    // Re-cut the one shard into three, inside myDense1/kernel (rewritten) and myDense2/kernel (copied).
    const all = st.shards.get('mnist.weights.bin')!;
    const dense1 = 4 * (150 + 6 + 2400 + 16);
    const cuts = [dense1 + 4 * 1000, dense1 + 4 * (48000 + 120 + 5000)];
    const parts = [all.subarray(0, cuts[0]), all.subarray(cuts[0], cuts[1]), all.subarray(cuts[1])];
    parts.forEach((b, i) => writeFileSync(path.join(st.dir, `part${i + 1}.bin`), b));
    rmSync(path.join(st.dir, 'mnist.weights.bin'));
    st.text = st.text.replace('["./mnist.weights.bin"]', '["part1.bin", "part2.bin", "part3.bin"]');
    assert.ok(st.text.includes('part3.bin'));
    writeFileSync(st.file, st.text);
    const original = await loadTfjsModel(st.file);
    const s = await suggestion(st.file, 'low-rank', 'myDense1');
    const r = await applyKerasText(st.text, st.file, s, { rank: 30 });
    save(st, applyTextEdits(st.text, r.edits), r.shards);
    const m = await loadTfjsModel(st.file);
    const L = m.getLayer('myDense1_lowrank').getWeights()[0];
    const R = m.getLayer('myDense1').getWeights()[0];
    const W = weightOf(original, 'myDense1', 0).values;
    const LR = tf.matMul(L, R).dataSync() as Float32Array;
    assert.ok(Math.abs(r.errors[0].relError - frob(W, LR) / frob(W)) <= 1e-4, 'the rewritten kernel was read whole');
    assert.deepEqual(m.getLayer('myDense2').getWeights()[0].dataSync(), original.getLayer('myDense2').getWeights()[0].dataSync(), 'the copied kernel is whole');
  });

  it('manifestShardPaths: the shard files a model.json text names (what a save must find on disk); none outside its folder', () => {
    const text = JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['a.bin', 'sub/b.bin'], weights: [] }, { paths: ['../c.bin', '/etc/passwd', 7], weights: [] }] });
    assert.deepEqual(manifestShardPaths(text, '/m/x/model.json'), ['/m/x/a.bin', '/m/x/sub/b.bin']);
    assert.deepEqual(manifestShardPaths('\uFEFF' + text, '/m/x/model.json').length, 2, 'a BOM is no obstacle');
    assert.deepEqual(manifestShardPaths('{"modelTopology": {', '/m/model.json'), []);
    assert.deepEqual(manifestShardPaths('{"class_name": "Sequential"}', '/m/model.json'), []);
  });

  it('architecture-only JSON and weight-free passes: text edits only, no shard', async () => {
    const { text, file } = { text: readFileSync(sharedFile('k2_advml_autoencoder_seq.json'), 'utf8'), file: sharedFile('k2_advml_autoencoder_seq.json') };
    const model = readKerasJsonText(text, file);
    const [s] = await passByName('low-rank')!.find(model, analyzeModel(model));
    const r = await applyKerasText(text, file, s, s.at);
    assert.ok(r.edits.length > 0);
    assert.equal(r.shards.length, 0);
    const st = setup('tfjs_k2_tensorspace_mobilenetv1.json');
    dirs.push(st.dir);
    const c = await suggestion(st.file, 'cleanup');
    const rc = await applyKerasText(st.text, st.file, c, c.at);
    assert.equal(rc.shards.length, 0);
    assert.ok(!rc.edits.some((e) => e.content.includes('modellens-')), 'the manifest is left alone');
  });
});
