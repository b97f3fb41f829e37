import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, closeAll, sample, waitFor } from './helpers';

suite('activation', () => {
  suiteTeardown(closeAll);

  test('the extension is present and activates when a model file is opened', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded from the extension development path or the installed .vsix`);
    // Opening an .onnx goes through the default custom editor, whose activation event activates us.
    await vscode.commands.executeCommand('vscode.open', sample('conv1d_audio.onnx'));
    await waitFor('activation', () => ext.isActive);
    const api = ext.exports as { store?: unknown; setTrustOverride?: unknown };
    assert.ok(api.store && typeof api.setTrustOverride === 'function', 'activate() returns the ModelLens API');
  });

  test('contributes its commands', async () => {
    const cmds = await vscode.commands.getCommands(true);
    for (const c of ['modellens.openGraph', 'modellens.reanalyze', 'modellens.previewHint', 'modellens.applyHint']) {
      assert.ok(cmds.includes(c), `command ${c} is registered`);
    }
  });
});
