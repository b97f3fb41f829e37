import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { activeCustomTab, api, closeAll, sample, waitFor, workspaceDir } from './helpers';

suite('corrupt files', () => {
  suiteTeardown(closeAll);

  test('a truncated .onnx yields an error diagnostic, and the editor stays usable', async () => {
    const file = path.join(workspaceDir(), 'truncated.onnx');
    writeFileSync(file, readFileSync(sample('squeezenet1_0.onnx').fsPath).subarray(0, 4000));
    const uri = vscode.Uri.file(file);
    const ml = await api();
    await vscode.commands.executeCommand('vscode.open', uri);
    await waitFor('the custom editor tab', () => activeCustomTab());
    const diags = await waitFor('a diagnostic', () => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length ? d : undefined;
    });
    assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diags[0].source, 'ModelLens');
    const res = ml.store.latest(uri);
    assert.ok(res && !res.ok, 'the analysis reports an error result, not an exception');
    assert.doesNotMatch(res.error.message, /internal error/, 'a user-facing one-line error, not a crash');
    assert.ok(!res.error.message.includes('\n'));
    // In the user's words (what happened, what to do); the protobuf account goes to the log only.
    assert.match(diags[0].message, /^the file ends after 4\.0 KB of at least 5\.0 MB: it is truncated/);
    assert.doesNotMatch(diags[0].message, /field \d+|claims|ModelProto/);
  });

  test('a Keras JSON with a syntax error gets the diagnostic on the right line', async () => {
    // Remove the comma after `"dtype": "float32"` of the input layer: line 13 (1-based) of the original.
    const text = readFileSync(sample('k2_advml_autoencoder_seq.json').fsPath, 'utf8').split('\n');
    assert.equal(text[12].trim(), '"dtype": "float32",');
    text[12] = text[12].replace(/,$/, '');
    const file = path.join(workspaceDir(), 'broken_model.json');
    writeFileSync(file, text.join('\n'));
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri);
    const diags = await waitFor('a diagnostic', () => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'ModelLens');
      return d.length ? d : undefined;
    });
    // The parser notices the missing comma at the next property, "sparse" on line 14.
    assert.ok([12, 13].includes(diags[0].range.start.line), `diagnostic on line ${diags[0].range.start.line + 1}`);
    assert.match(diags[0].message, /comma expected/i);
  });
});
