import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { zipSync } from 'fflate';
import { readKerasArchive } from '../../src/core/formats/keras/archive';
import { loadH5wasm } from '../../src/core/formats/keras/h5';
import { closeAll, openInCustomEditor, suggestionsFor, waitFor, workspaceDir } from './helpers';

/**
 * A .keras archive in the graph editor: applying a weight-changing hint is one undoable edit of the
 * custom document (new archive bytes); the file changes only on save; undo + save writes it back.
 */
suite('.keras apply', () => {
  teardown(closeAll);

  test('bn-fold on a .keras: dirty document with the predicted Δ, file untouched until save; undo restores the bytes; undo + save writes the original back', async function () {
    this.timeout(120000);
    const dir = path.join(workspaceDir(), `keras-apply-${process.pid}-${Date.now()}`);
    mkdirSync(dir);
    const file = path.join(dir, 'tiny.keras');
    writeFileSync(file, await tinyKerasArchive());
    const original = readFileSync(file);
    try {
      const uri = vscode.Uri.file(file);
      const { ml, doc, before } = await openInCustomEditor(uri, 'modellens.kerasBinary', (m) => m.binaryDocument(uri));
      const s = (await suggestionsFor(uri)).find((x) => x.pass === 'bn-fold');
      assert.ok(s, 'the Dense → BatchNormalization pair folds');

      assert.equal(await vscode.commands.executeCommand('modellens.applyHint', uri, s.id), true);
      await waitFor('the editor to be dirty after the apply', () => vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty);
      assert.equal(Buffer.compare(readFileSync(file), original), 0, 'the file is untouched until saved');
      const after = await waitFor('re-analysis of the applied hint', () => {
        const r = ml.store.latest(uri);
        return r?.ok && r.analysis.totals.params !== before.totals.params ? r.analysis : undefined;
      });
      assert.equal(after.totals.params - before.totals.params, s.delta.params, 'the predicted params delta');
      const edited = Buffer.from(await doc.content());

      await vscode.commands.executeCommand('undo');
      await waitFor('undo', async () => Buffer.compare(Buffer.from(await doc.content()), original) === 0);
      await vscode.commands.executeCommand('redo');
      await waitFor('redo', async () => Buffer.compare(Buffer.from(await doc.content()), edited) === 0);
      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor('the saved archive', () => Buffer.compare(readFileSync(file), edited) === 0);
      const saved = await readKerasArchive(file);
      assert.ok(!saved.graph.nodes.some((n) => n.opType === 'BatchNormalization'), 'the saved archive reads back without the folded BatchNorm');

      await vscode.commands.executeCommand('undo');
      await waitFor('undo after save', async () => Buffer.compare(Buffer.from(await doc.content()), original) === 0);
      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor('the original saved back', () => Buffer.compare(readFileSync(file), original) === 0);
    } finally {
      await closeAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Keras 3's layout: config.json, metadata.json, model.weights.h5 with layers/<snake class>[_n]/vars/<i>. */
async function tinyKerasArchive(): Promise<Uint8Array> {
  const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const zeros = { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null };
  const dense = (name: string, units: number, input: number) => ({ module: 'keras.layers', class_name: 'Dense', config: { name, trainable: true, dtype, units, activation: 'linear', use_bias: true, kernel_initializer: zeros, bias_initializer: zeros, kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null }, registered_name: null, build_config: { input_shape: [null, input] } });
  const config = {
    module: 'keras', class_name: 'Sequential', registered_name: null, build_config: { input_shape: [null, 8] },
    config: {
      name: 'tiny', trainable: true, dtype,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 8], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null },
        dense('d1', 16, 8),
        { module: 'keras.layers', class_name: 'BatchNormalization', config: { name: 'bn', trainable: true, dtype, axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true }, registered_name: null, build_config: { input_shape: [null, 16] } },
        dense('d2', 4, 16),
      ],
    },
  };
  const lib = await loadH5wasm();
  const h5 = path.join(os.tmpdir(), `modellens-it-${process.pid}-${Date.now()}.weights.h5`);
  const f = new lib.File(h5, 'w');
  f.create_group('vars');
  const layers = f.create_group('layers');
  const put = (group: string, arrays: [number[], (i: number) => number][]) => {
    const vars = layers.create_group(group).create_group('vars');
    arrays.forEach(([shape, v], i) => vars.create_dataset({ name: String(i), data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_x, k) => v(k)), shape, dtype: '<f' }));
  };
  put('dense', [[[8, 16], (k) => Math.sin(k) * 0.3], [[16], (k) => 0.01 * k]]);
  put('batch_normalization', [[[16], (k) => 1 + 0.1 * Math.cos(k)], [[16], (k) => 0.02 * k], [[16], (k) => 0.05 * Math.sin(k)], [[16], (k) => 0.5 + 0.03 * k]]);
  put('dense_1', [[[16, 4], (k) => Math.cos(k) * 0.2], [[4], () => 0.1]]);
  f.close();
  const weights = new Uint8Array(readFileSync(h5));
  rmSync(h5, { force: true });
  const enc = (s: string) => new TextEncoder().encode(s);
  return zipSync({
    'metadata.json': [enc(JSON.stringify({ keras_version: '3.10.0', date_saved: '2025-01-01@00:00:00' })), { level: 0 }],
    'config.json': [enc(JSON.stringify(config)), { level: 0 }],
    'model.weights.h5': [weights, { level: 0 }],
  });
}
