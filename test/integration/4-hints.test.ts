import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { readKerasJsonFile } from '../../src/core/formats/keras/reader';
import { api, closeAll, openInCustomEditor, sample, suggestionsFor, waitFor, workspaceDir } from './helpers';

const suggestions = suggestionsFor;

async function hintLenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return waitFor('⚡ hint lenses', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const h = (lenses ?? []).filter((l) => l.command?.title.startsWith('⚡'));
    return h.length ? h : undefined;
  });
}

suite('optimization hints', () => {
  teardown(closeAll);

  test('a Keras JSON gets ⚡ lenses with real savings; the lens opens a preview whose deltas are the suggestion\'s', async () => {
    const uri = sample('tfjs_k2_tensorspace_vgg16.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const text = doc.getText();
    const lenses = await hintLenses(uri);
    const titles = lenses.map((l) => l.command!.title);
    // The file is one line: the per-layer hints do not pile up there; one lens says the graph has them,
    // and the model-wide clustering hint is one lens about the model.
    assert.equal(doc.lineCount, 1);
    assert.equal(titles.filter((t) => /^⚡ \d+ hints for these layers: in the graph$/.test(t)).length, 1, `hint lenses: ${titles.join(' | ')}`);
    assert.ok(titles.every((t) => /in the graph$|\(whole model\)/.test(t)), `no per-layer hint lens on the one line: ${titles.join(' | ')}`);
    const hintId = 'low-rank:fc1';
    const s = (await suggestions(uri)).find((x) => x.id === hintId);
    assert.ok(s, `suggestion ${hintId}`);

    assert.equal(await vscode.commands.executeCommand('modellens.previewHint', uri, hintId), true);
    const ml = await api();
    const p = await waitFor('the preview panel', () => ml.previews().find((x) => x.hintId === hintId && x.view));
    assert.ok(p.panel.title.startsWith('Preview: low rank'), `preview title ${p.panel.title}`);
    await waitFor('a preview tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label === p.panel.title), 10000);
    const v = p.view!;
    assert.equal(v.after.params - v.before.params, s.delta.params);
    assert.equal((v.after.macs as number) - (v.before.macs as number), s.delta.macs);
    assert.equal(v.after.weightBytes - v.before.weightBytes, s.delta.weightBytes);
    assert.ok(v.nodes.some((n) => n.status !== 'context'), 'the diff shows the rewritten layers');

    // Knobs change the numbers: a smaller ratio saves more.
    await vscode.commands.executeCommand('modellens.previewHint', uri, hintId, { ratio: 0.1 });
    const v2 = ml.previews().find((x) => x.hintId === hintId)!.view!;
    assert.ok(v2.after.params < v.after.params, `ratio 0.1 (${v2.after.params}) saves more than 0.25 (${v.after.params})`);

    // VGG-16's model.json lists its weights in weightsManifest, but its 132 shards are not in the
    // workspace: a weight-changing apply needs them and fails with a message; the text stays as it was.
    const applied = await vscode.commands.executeCommand('modellens.applyHint', uri, hintId);
    assert.equal(applied, false, 'apply without the shards must refuse');
    assert.equal(doc.getText(), text);
    assert.ok(!doc.isDirty);
  });

  test('Keras JSON: apply low-rank is one edit of the affected layers, re-analysis shows the delta, undo restores the text', async () => {
    const uri = sample('k2_advml_autoencoder_seq.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const text = doc.getText();
    const ml = await api();
    const lensTitles = (await hintLenses(uri)).map((l) => l.command!.title);
    const before = (await ml.store.analyzeText(doc))!;
    assert.ok(before.ok);
    const s = (await suggestions(uri)).find((x) => x.id === 'low-rank:dense_40');
    assert.ok(s, 'the autoencoder has a low-rank hint on dense_40 (784×260)');
    // Each ⚡ lens names its layer and says what its percentage is of: the layer's MACs and the model's.
    // dense_40 has 784·260 = 203,840 MACs; the model 407,680 (two such Dense layers, batch 1).
    const saved = -(s.delta.macs as number);
    const expected = `⚡ low rank dense_40: −${Math.round((100 * saved) / 203_840)}% MACs of this layer, −${Math.round((100 * saved) / 407_680)}% of the model`;
    assert.ok(lensTitles.includes(expected), `${expected} not in ${lensTitles.join(' | ')}`);
    assert.equal(await vscode.commands.executeCommand('modellens.applyHint', uri, s.id), true);
    assert.notEqual(doc.getText(), text);
    assert.ok(doc.isDirty);
    const after = (await ml.store.analyzeText(doc))!;
    assert.ok(after.ok, `the edited JSON analyses: ${after.ok ? '' : after.error.message}`);
    assert.equal(after.analysis.totals.params - before.analysis.totals.params, s.delta.params, 'the predicted params delta');
    // Formatting is kept: the text before the first layer is unchanged.
    const first = before.analysis.layers.find((l) => l.id === 'dense_40')!.source!.offset;
    assert.equal(doc.getText().slice(0, first), text.slice(0, first));

    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo of the Keras edit', () => doc.getText() === text);
    assert.equal(doc.getText(), text, 'undo restores the text byte-for-byte');
  });

  test('tfjs model.json with shards: apply changes only the text; save writes the new shard before the JSON; undo + save gives the original back', async function () {
    this.timeout(120000);
    const dir = path.join(workspaceDir(), `tfjs-shards-${process.pid}-${Date.now()}`);
    const { json, weights } = tinyTfjsModel();
    mkdirSync(dir);
    const file = path.join(dir, 'model.json');
    writeFileSync(file, json);
    writeFileSync(path.join(dir, 'weights.bin'), weights);
    try {
      const uri = vscode.Uri.file(file);
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      const before = await readKerasJsonFile(file);
      const s = await waitFor('the bn-fold suggestion', async () => (await suggestions(uri)).find((x) => x.pass === 'bn-fold'));
      assert.equal(await vscode.commands.executeCommand('modellens.applyHint', uri, s.id), true);
      const edited = doc.getText();
      const shard = (JSON.parse(edited) as { weightsManifest: { paths: string[] }[] }).weightsManifest[0].paths[0];
      assert.match(shard, /^model\.modellens-[0-9a-f]{12}\.bin$/);
      assert.ok(!existsSync(path.join(dir, shard)), 'nothing is written before the save');
      assert.equal(readFileSync(file, 'utf8'), json, 'the model.json on disk is untouched before the save');
      assert.ok(edited.includes('"weightsManifest": [\n    {\n      "paths": [\n        "model.modellens-'), 'the new manifest is written in the file\'s 2-space style');

      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor('the saved model.json', () => readFileSync(file, 'utf8') === edited);
      assert.ok(existsSync(path.join(dir, shard)), 'the shard is on disk by the time the JSON naming it is');
      assert.equal(Buffer.compare(readFileSync(path.join(dir, 'weights.bin')), weights), 0, 'the original shard is untouched');
      const after = await readKerasJsonFile(file);
      assert.ok([...after.graph.initializers.values()].every((t) => t.source.kind === 'file'), 'every weight is found in the new shard');
      const count = (m: typeof before) => [...m.graph.initializers.values()].reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0);
      assert.equal(count(after) - count(before), s.delta.params, 'the predicted params delta');

      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('undo');
      await waitFor('undo of the Keras edit', () => doc.getText() === json);
      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor('the original saved back', () => readFileSync(file, 'utf8') === json);
      const back = await readKerasJsonFile(file);
      assert.ok([...back.graph.initializers.values()].every((t) => t.source.kind === 'file'), 'the original model.json still finds its weights');
    } finally {
      await closeAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('ONNX: apply low-rank changes the document, re-analysis shows the predicted delta, undo restores the bytes', async function () {
    this.timeout(120000);
    const uri = sample('conv1d_audio.onnx');
    const { ml, doc, before } = await openInCustomEditor(uri, 'modellens.onnx', (m) => m.onnxDocument(uri));
    const original = new Uint8Array(readFileSync(uri.fsPath));
    const s = (await suggestions(uri)).find((x) => x.pass === 'low-rank');
    assert.ok(s, 'conv1d_audio has a low-rank suggestion (its Gemm)');

    assert.equal(await vscode.commands.executeCommand('modellens.previewHint', uri, s.id), true);
    const p = await waitFor('the preview', () => ml.previews().find((x) => x.hintId === s.id && x.view));
    assert.equal(p.view!.after.params - p.view!.before.params, s.delta.params);
    assert.equal(p.view!.applyDisabled, undefined);

    assert.equal(await vscode.commands.executeCommand('modellens.applyHint', uri, s.id), true);
    assert.notDeepEqual(await doc.content(), original);
    const after = await waitFor('re-analysis of the applied hint', () => {
      const r = ml.store.latest(uri);
      return r?.ok && r.analysis.totals.params !== before.totals.params ? r.analysis : undefined;
    });
    assert.equal(after.totals.params - before.totals.params, s.delta.params, 'the predicted params delta');
    assert.equal((after.totals.macs as number) - (before.totals.macs as number), s.delta.macs, 'the predicted MACs delta');
    assert.equal(after.totals.weightBytes - before.totals.weightBytes, s.delta.weightBytes, 'the predicted weight bytes delta');

    // Save Compressed Copy As… writes the edited model beside it; the original file is untouched.
    const copy = vscode.Uri.file(uri.fsPath.replace(/\.onnx$/, '.compressed.onnx'));
    assert.equal(await vscode.commands.executeCommand('modellens.saveCompressedCopy', uri, copy), true);
    assert.equal(Buffer.compare(readFileSync(copy.fsPath), Buffer.from(await doc.content())), 0);
    assert.equal(Buffer.compare(readFileSync(uri.fsPath), Buffer.from(original)), 0);

    await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.onnx');
    await vscode.commands.executeCommand('undo');
    await waitFor('undo', async () => Buffer.compare(Buffer.from(await doc.content()), Buffer.from(original)) === 0);
  });
});

/** A tfjs layers-model (Dense → BatchNormalization → Dense) with its weights in one shard. */
function tinyTfjsModel(): { json: string; weights: Buffer } {
  const zeros = { class_name: 'Zeros', config: {} };
  const layers = [
    { class_name: 'Dense', config: { name: 'd1', units: 64, activation: 'linear', use_bias: true, kernel_initializer: zeros, bias_initializer: zeros, batch_input_shape: [null, 32], dtype: 'float32', trainable: true } },
    { class_name: 'BatchNormalization', config: { name: 'bn', axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true, trainable: true } },
    { class_name: 'Dense', config: { name: 'd2', units: 10, activation: 'softmax', use_bias: true, kernel_initializer: zeros, bias_initializer: zeros, trainable: true } },
  ];
  const specs: [string, number[]][] = [['d1/kernel', [32, 64]], ['d1/bias', [64]], ['bn/gamma', [64]], ['bn/beta', [64]], ['bn/moving_mean', [64]], ['bn/moving_variance', [64]], ['d2/kernel', [64, 10]], ['d2/bias', [10]]];
  const values = specs.flatMap(([name, shape]) => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_v, i) => (name.endsWith('variance') ? 0.5 + Math.abs(Math.sin(i)) : 0.1 * Math.sin(i * 1.7 + name.length))));
  const json = JSON.stringify({
    modelTopology: { class_name: 'Sequential', config: { name: 'tiny', layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs.map(([name, shape]) => ({ name, shape, dtype: 'float32' })) }],
  }, null, 2);
  return { json, weights: Buffer.from(new Float32Array(values).buffer) };
}
