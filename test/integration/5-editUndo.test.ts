import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { activeCustomTab, api, closeAll, sample, waitFor } from './helpers';

/**
 * The ONNX document's edit machinery through VS Code's own undo/redo/save/revert. The edit replaces the
 * model bytes (what an optimization pass's writer produces): here with another valid model's bytes.
 */
suite('ONNX document edits', () => {
  teardown(closeAll);

  async function openEditable() {
    const uri = sample('conv1d_audio.onnx');
    const ml = await api();
    await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.onnx');
    await waitFor('the custom editor tab', () => activeCustomTab());
    const doc = await waitFor('the ONNX document', () => ml.onnxDocument(uri));
    return { uri, ml, doc };
  }

  test('apply changes the document; undo restores it byte-for-byte; redo re-applies', async () => {
    const { uri, ml, doc } = await openEditable();
    const original = new Uint8Array(readFileSync(uri.fsPath));
    const edited = new Uint8Array(readFileSync(sample('squeezenet1_0.onnx').fsPath));
    await doc.applyEdit('replace model', edited);
    assert.deepEqual(await doc.content(), edited);
    await waitFor('the editor to be dirty after an edit', () => vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty);
    // The unsaved content is what gets analysed (squeezenet's node count now, from the manifest: 65).
    const after = await waitFor('re-analysis of the edit', () => {
      const r = ml.store.latest(uri);
      return r?.ok && r.analysis.layers.length === 65 ? r : undefined;
    });
    assert.ok(after.ok);

    await vscode.commands.executeCommand('undo');
    await waitFor('undo', async () => Buffer.compare(Buffer.from(await doc.content()), Buffer.from(original)) === 0);
    assert.equal(Buffer.compare(Buffer.from(await doc.content()), Buffer.from(original)), 0, 'undo restores the bytes exactly');
    assert.equal(Buffer.compare(readFileSync(uri.fsPath), Buffer.from(original)), 0, 'the file on disk was never touched');

    await vscode.commands.executeCommand('redo');
    await waitFor('redo', async () => Buffer.compare(Buffer.from(await doc.content()), Buffer.from(edited)) === 0);

    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor('revert', async () => Buffer.compare(Buffer.from(await doc.content()), Buffer.from(original)) === 0);
    await waitFor('clean after revert', () => !vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty);
  });

  test('save writes the edited bytes; undo + save writes the original back byte-for-byte', async () => {
    const { uri, doc } = await openEditable();
    const original = readFileSync(uri.fsPath);
    const edited = new Uint8Array(readFileSync(sample('squeezenet1_0.onnx').fsPath));
    await doc.applyEdit('replace model', edited);
    await waitFor('the editor to be dirty after an edit', () => vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty);
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitFor('saved file', () => Buffer.compare(readFileSync(uri.fsPath), Buffer.from(edited)) === 0);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo', async () => Buffer.compare(Buffer.from(await doc.content()), original) === 0);
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitFor('original saved back', () => Buffer.compare(readFileSync(uri.fsPath), original) === 0);
  });
});
