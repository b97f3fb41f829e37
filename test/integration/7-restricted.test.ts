import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { activeCustomTab, api, closeAll, sample, waitFor } from './helpers';

/**
 * Restricted Mode. The test server runs with workspace trust disabled (always trusted), so the test
 * forces the untrusted state through the extension's trust switch; the checks are the product's own.
 */
suite('Restricted Mode', () => {
  suiteTeardown(async () => {
    (await api()).setTrustOverride(undefined);
    await closeAll();
  });

  test('analysis still works but edits, saves and hint application are refused', async () => {
    const uri = sample('conv1d_audio.onnx');
    const ml = await api();
    ml.setTrustOverride(false);
    assert.equal(ml.isTrusted(), false);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.onnx');
    await waitFor('the custom editor tab', () => activeCustomTab());
    const doc = await waitFor('the ONNX document', () => ml.onnxDocument(uri));
    const res = await waitFor('the analysis', () => ml.store.latest(uri));
    assert.ok(res.ok, 'models are still analysed in Restricted Mode');

    const before = readFileSync(uri.fsPath);
    await assert.rejects(doc.applyEdit('x', new Uint8Array([8, 7])), /Restricted Mode/);
    await assert.rejects(doc.save(), /Restricted Mode/);
    await assert.rejects(doc.saveAs(vscode.Uri.file(uri.fsPath + '.copy.onnx')), /Restricted Mode/);
    assert.equal(await vscode.commands.executeCommand('modellens.applyHint', uri, 'any'), false);
    // Previews are allowed; their Apply is disabled, and applying a real hint is refused.
    const r = await waitFor('the suggestions', () => ml.store.cachedSuggestions(uri));
    const sugg = await r;
    assert.ok(sugg?.ok && sugg.suggestions.length > 0, 'conv1d_audio has suggestions');
    const id = sugg.suggestions[0].id;
    assert.equal(await vscode.commands.executeCommand('modellens.previewHint', uri, id), true);
    const p = await waitFor('the preview', () => ml.previews().find((x) => x.hintId === id && x.view));
    assert.match(p.view!.applyDisabled ?? '', /Restricted Mode/);
    assert.equal(await vscode.commands.executeCommand('modellens.applyHint', uri, id), false);
    assert.equal(Buffer.compare(Buffer.from(await doc.content()), before), 0, 'the document is unchanged');
    assert.equal(Buffer.compare(readFileSync(uri.fsPath), before), 0, 'nothing was written');
    assert.ok(!vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty);
  });
});
