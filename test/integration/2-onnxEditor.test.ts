import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activeCustomTab, api, closeAll, manifest, sample, waitFor } from './helpers';

suite('ONNX custom editor', () => {
  suiteTeardown(closeAll);

  test('a shared .onnx opens in the ModelLens graph editor and is analysed', async () => {
    const uri = sample('squeezenet1_0.onnx');
    const ref = manifest('squeezenet1_0.onnx');
    const ml = await api();
    await vscode.commands.executeCommand('vscode.open', uri);
    const tab = await waitFor('the custom editor tab', () => activeCustomTab());
    assert.equal(tab.viewType, 'modellens.onnx');
    assert.equal(tab.uri.fsPath, uri.fsPath);
    assert.ok(ml.graphViews(uri).length >= 1, 'a graph view is attached to the document');
    const res = await waitFor('the analysis', () => ml.store.latest(uri));
    assert.ok(res.ok, `analysis failed: ${!res.ok && res.error.message}`);
    assert.equal(res.analysis.format, 'onnx');
    // Reference: onnx_manifest.json (node count and ONNX parameter count from the onnx package).
    assert.equal(res.analysis.layers.length, ref.onnx.node_count);
    assert.equal(res.analysis.totals.params, ref.onnx.params_onnx);
    assert.equal(res.analysis.totals.macs, ref.macs_onnx);
  });

  test('the same document opens in a second editor (supportsMultipleEditorsPerDocument)', async () => {
    const uri = sample('squeezenet1_0.onnx');
    const ml = await api();
    await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.onnx', vscode.ViewColumn.Two);
    await waitFor('two graph views', () => ml.graphViews(uri).length >= 2);
    assert.ok(ml.onnxDocument(uri), 'one document behind both views');
  });

  test('weight statistics of a layer come from the worker', async () => {
    const uri = sample('conv1d_audio.onnx');
    const ml = await api();
    const res = await ml.store.weightStats(uri, '/conv1/Conv');
    assert.ok(res.ok, `weight stats failed: ${!res.ok && res.error.message}`);
    // onnx_manifest.json: /conv1/Conv has weight [64, 1, 80] = 5120 values; the BatchNorm1d folded into
    // it at export (README: "BN1d folded") becomes a 64-element bias.
    assert.deepEqual(res.stats.map((s) => s.count), [5120, 64]);
    for (const s of res.stats) assert.ok(s.min <= s.mean && s.mean <= s.max && s.std > 0 && s.sparsity >= 0 && s.sparsity <= 1);
  });

  test('the graph webview has a strict CSP with a fresh nonce and only the extension as resource root', async () => {
    const uri = sample('squeezenet1_0.onnx');
    const ml = await api();
    await vscode.commands.executeCommand('vscode.open', uri);
    const views = await waitFor('graph views', () => (ml.graphViews(uri).length ? ml.graphViews(uri) : undefined));
    const html = views[0].panel.webview.html;
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1].replace(/&#39;|&apos;/g, "'") ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /worker-src blob:/);
    const nonce = /script-src 'nonce-([A-Za-z0-9]+)'/.exec(csp)?.[1];
    assert.ok(nonce && nonce.length >= 16, `a nonce in the CSP: ${csp}`);
    assert.ok(html.includes(`nonce="${nonce}"`), 'the script tag carries the nonce');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const roots = (views[0].panel.webview.options.localResourceRoots ?? []).map((u) => u.path);
    assert.ok(roots.length > 0 && roots.every((r) => /\/(dist\/webview|media)$/.test(r)), `resource roots: ${roots.join(', ')}`);
    if (views.length > 1) assert.notEqual(/nonce-([A-Za-z0-9]+)/.exec(views[1].panel.webview.html)?.[1], nonce, 'one nonce per render');
  });
});
