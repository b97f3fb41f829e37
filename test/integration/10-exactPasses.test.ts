import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { writeOnnx } from '../../src/core/formats/onnx/writer';
import { convBn, maxRelDiff, model, node, randn, rng, runOrt, vi } from '../unit/passes/helpers';
import { closeAll, openInCustomEditor, suggestionsFor, waitFor, workspaceDir } from './helpers';

/**
 * The exact passes (BatchNorm folding, inference clean-up) through the editor on a model that has
 * their sites: Conv → BatchNormalization → Relu → Identity → Dropout (the shared samples have none).
 * Apply, save a compressed copy, and run both files in ONNX Runtime on the same random input.
 */
function convBnModel() {
  const C = 8;
  const head = convBn(rng(11), C);
  return model(
    [...head.nodes, node('relu', 'Relu', ['y'], ['r']), node('id', 'Identity', ['r'], ['i']), node('drop', 'Dropout', ['i'], ['out'])],
    [vi('x', [1, 3, 12, 12])],
    [vi('out', [1, C, 12, 12])],
    head.inits,
  );
}

suite('exact passes on ONNX (bn-fold, cleanup)', () => {
  const file = () => path.join(workspaceDir(), 'conv_bn_identity.onnx');
  const copies: string[] = [];
  suiteSetup(async () => writeOnnx(convBnModel(), file()));
  suiteTeardown(() => {
    for (const f of [file(), ...copies]) rmSync(f, { force: true });
  });
  teardown(closeAll);

  for (const pass of ['bn-fold', 'cleanup'] as const) {
    test(`${pass}: apply → the predicted delta; the saved copy runs in ONNX Runtime with outputs within 1e-4; undo restores the bytes`, async function () {
      this.timeout(120000);
      const uri = vscode.Uri.file(file());
      const { ml, doc, before } = await openInCustomEditor(uri, 'modellens.onnx', (m) => m.onnxDocument(uri));
      const all = await suggestionsFor(uri);
      const s = all.find((x) => x.pass === pass);
      assert.ok(s, `a ${pass} suggestion among: ${all.map((x) => x.id).join(', ')}`);
      assert.equal(s.kind, 'exact');
      const original = new Uint8Array(readFileSync(uri.fsPath));

      assert.equal(await vscode.commands.executeCommand('modellens.applyHint', uri, s.id), true);
      const after = await waitFor('re-analysis of the applied hint', () => {
        const r = ml.store.latest(uri);
        return r?.ok && r.analysis.layers.length !== before.layers.length ? r.analysis : undefined;
      });
      assert.equal(after.totals.params - before.totals.params, s.delta.params, 'the predicted params delta');
      assert.equal((after.totals.macs as number) - (before.totals.macs as number), s.delta.macs, 'the predicted MACs delta');
      const gone = pass === 'bn-fold' ? ['bn'] : ['id', 'drop'];
      for (const id of gone) assert.ok(!after.layers.some((l) => l.id === id), `${id} removed`);

      const copy = uri.fsPath.replace(/\.onnx$/, `.${pass}.onnx`);
      copies.push(copy);
      assert.equal(await vscode.commands.executeCommand('modellens.saveCompressedCopy', uri, vscode.Uri.file(copy)), true);
      const x = randn(3 * 12 * 12, rng(5));
      const feeds = { x: { data: x, dims: [1, 3, 12, 12] } };
      const [a, b] = [await runOrt(uri.fsPath, feeds), await runOrt(copy, feeds)];
      const outName = Object.keys(b)[0];
      assert.equal(b[outName].length, 8 * 144);
      const d = maxRelDiff(a.out, b[outName]);
      assert.ok(d <= 1e-4, `${pass}: max relative difference ${d}`);
      assert.equal(Buffer.compare(readFileSync(uri.fsPath), Buffer.from(original)), 0, 'the original file is untouched');

      await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.onnx');
      await vscode.commands.executeCommand('undo');
      await waitFor('undo', async () => Buffer.compare(Buffer.from(await doc.content()), Buffer.from(original)) === 0);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    });
  }
});
