import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, closeAll, lensTitles, sample, waitFor } from './helpers';

suite('Keras JSON lenses', () => {
  suiteTeardown(closeAll);

  test('a TensorFlow.js model.json (VGG16) gets totals, "Open graph" and per-layer lenses', async () => {
    const uri = sample('tfjs_k2_tensorspace_vgg16.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    let titles = await lensTitles(uri);
    assert.ok(!titles[0].includes('cannot analyse'), `the model is analysed: ${titles[0]}`);
    // Reference: Keras Applications gives VGG16 138,357,544 params -> "138.4M".
    assert.match(titles[0], /^ModelLens: 138\.4M params · [\d.]+[KMGT]? MACs/);
    assert.equal(titles[1], 'Open graph');
    // The file is minified (one line): its layers get one "Format Document" lens instead of a row of lenses.
    assert.equal(doc.lineCount, 1);
    assert.match(titles[2], /^\d+ layers on this line: Format Document/);
    // Pretty-printed (as the lens offers), every layer gets its own lens.
    const pretty = JSON.stringify(JSON.parse(doc.getText()), null, 2);
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), pretty));
    titles = await waitFor('per-layer lenses', async () => {
      const t = await lensTitles(uri);
      return t.some((x) => x.startsWith('Conv2D · ')) ? t : undefined;
    });
    // VGG16 has 13 Conv2D layers (Simonyan & Zisserman, configuration D).
    const convs = titles.filter((t) => t.startsWith('Conv2D · '));
    assert.equal(convs.length, 13, `Conv2D lenses: ${convs.length}`);
    for (const t of convs) assert.match(t, /^Conv2D · [\d.]+[KMG]? params · [\d.]+[KMG]? MACs \((\d+\.\d|<0\.1)%\)$/);
    // block1_conv1: 3x3x3x64 + 64 = 1,792 params (hand computation) -> "1.8K".
    assert.ok(convs[0].startsWith('Conv2D · 1.8K params'), convs[0]);
  });

  test('lenses sit on the line of their layer and hovers show shapes and costs', async () => {
    // k2_advml_autoencoder_seq.json is pretty-printed: its first Dense layer's object opens on line 19
    // and says "class_name": "Dense" on line 20 (1-based; read from the file).
    const uri = sample('k2_advml_autoencoder_seq.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const titles = await lensTitles(uri);
    assert.ok(!titles[0].includes('cannot analyse'), `the model is analysed: ${titles[0]}`);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const dense = lenses.filter((l) => l.command?.title.startsWith('Dense · '));
    assert.equal(dense.length, 2, 'two Dense layers');
    assert.ok([18, 19].includes(dense[0].range.start.line), `first Dense lens on line ${dense[0].range.start.line + 1}`);
    // Dense 784 -> 260 with bias: 784*260 + 260 = 204,100 params -> "204.1K"; MACs 784*260 = 203,840.
    assert.ok(dense[0].command!.title.startsWith('Dense · 204.1K params · 203.8K MACs'), dense[0].command!.title);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(20, 10));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /204,100/);
    assert.match(text, /outputs/);
  });

  test('"Open graph" opens the graph panel for the Keras model', async () => {
    const uri = sample('tfjs_k2_tensorspace_vgg16.json');
    const ml = await api();
    const view = await ml.openGraph(uri);
    assert.ok(view, 'a graph view');
    assert.equal(ml.graphViews(uri).length, 1);
  });

  test('plain JSON that is not a model gets no lenses', async () => {
    const uri = sample('onnx_manifest.json');
    await vscode.workspace.openTextDocument(uri);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    assert.equal(lenses.length, 0);
  });
});
