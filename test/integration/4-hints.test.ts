import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, lensTitles, sample } from './helpers';

suite('optimization hints', () => {
  suiteTeardown(closeAll);

  // TODO(issue 6): once src/core/passes produce suggestions, a ⚡ lens appears on VGG16's 3x3 convs and
  // previewHint opens the preview with its delta table; replace this test with that flow.
  test('the hint commands exist and say when a model has no hints yet', async () => {
    const uri = sample('tfjs_k2_tensorspace_vgg16.json');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const titles = await lensTitles(uri);
    const hintLenses = titles.filter((t) => t.startsWith('⚡'));
    assert.equal(hintLenses.length, 0, 'no pass exists yet, so no hint lens may claim savings');
    assert.equal(await vscode.commands.executeCommand('modellens.previewHint', uri, 'none'), false);
  });
});
