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
    assert.equal(Buffer.compare(readFileSync(uri.fsPath), before), 0, 'nothing was written');
    assert.ok(!vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty);
  });
});
