import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Suggestion } from '../../src/core/passes/types';
import { activeCustomTab, api, closeAll, sample, waitFor } from './helpers';

async function suggestions(uri: vscode.Uri): Promise<Suggestion[]> {
  const ml = await api();
  const r = await waitFor('the suggestions', () => ml.store.cachedSuggestions(uri));
  const res = await r;
  assert.ok(res?.ok, `suggestions failed: ${JSON.stringify(res)}`);
  return res.suggestions;
}

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
    // VGG-16's fc1 (25088×4096) at ratio 0.25: low-rank saves 75% of its parameters.
    assert.ok(titles.some((t) => /^⚡ low rank: −\d+% (params|MACs)$/.test(t)), `hint lenses: ${titles.join(' | ')}`);
    const lens = lenses.find((l) => l.command!.arguments?.[1] === 'low-rank:fc1') ?? lenses[0];
    assert.equal(lens.command!.command, 'modellens.previewHint');
    const [, hintId] = lens.command!.arguments as [vscode.Uri, string];
    const s = (await suggestions(uri)).find((x) => x.id === hintId);
    assert.ok(s, `suggestion ${hintId}`);

    assert.equal(await vscode.commands.executeCommand(lens.command!.command, ...lens.command!.arguments!), true);
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

    // VGG-16's model.json lists its weights in weightsManifest: the writer refuses a weight-changing
    // edit there (the shards would go stale), and the text stays as it was.
    const applied = await vscode.commands.executeCommand('modellens.applyHint', uri, hintId);
    if (applied) {
      assert.notEqual(doc.getText(), text);
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('undo');
      await waitFor('undo of the Keras edit', () => doc.getText() === text);
    } else {
      assert.equal(doc.getText(), text);
    }
  });

  test('Keras JSON: apply low-rank is one edit of the affected layers, re-analysis shows the delta, undo restores the text', async () => {
    const uri = sample('k2_advml_autoencoder_seq.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const text = doc.getText();
    const ml = await api();
    await hintLenses(uri);
    const before = (await ml.store.analyzeText(doc))!;
    assert.ok(before.ok);
    const s = (await suggestions(uri)).find((x) => x.id === 'low-rank:dense_40');
    assert.ok(s, 'the autoencoder has a low-rank hint on dense_40 (784×260)');
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

  test('ONNX: apply low-rank changes the document, re-analysis shows the predicted delta, undo restores the bytes', async function () {
    this.timeout(120000);
    const uri = sample('conv1d_audio.onnx');
    const ml = await api();
    await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.onnx');
    await waitFor('the custom editor tab', () => activeCustomTab());
    const doc = await waitFor('the ONNX document', () => ml.onnxDocument(uri));
    const before = await waitFor('the analysis', () => {
      const r = ml.store.latest(uri);
      return r?.ok ? r.analysis : undefined;
    });
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
