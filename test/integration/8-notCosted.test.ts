import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, sample, waitFor } from './helpers';

suite('layers that cannot be costed', () => {
  suiteTeardown(closeAll);

  test('an unknown custom layer shows up in the Problems panel as a warning', async () => {
    // SOURCES.md: this Keras 2.0.6 model ends in a custom `ClusteringLayer` (code never run by ModelLens).
    const uri = sample('k2_takuya_dec_nested_seq_custom_layer.json');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri);
    const diags = await waitFor('a not-costed diagnostic', () => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'ModelLens' && x.code === 'not-costed');
      return d.length ? d : undefined;
    });
    assert.equal(diags.length, 1);
    assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Warning);
    assert.match(diags[0].message, /ClusteringLayer/);
  });
});
