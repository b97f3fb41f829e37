import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { BenchResult } from '../../src/core/runtime/types';
import { api, closeAll, sample, waitFor } from './helpers';

/** "Benchmark Model" runs the model in its runtime worker (ONNX Runtime here) and opens a report. */
suite('benchmark command', () => {
  suiteTeardown(async () => {
    (await api()).setTrustOverride(undefined);
    await closeAll();
  });

  test('measures an ONNX model: 20 runs, p90 >= median, per-node times on graph nodes, a report', async function () {
    this.timeout(180000);
    const uri = sample('conv1d_audio.onnx');
    const ml = await api();
    const r = await vscode.commands.executeCommand<BenchResult | undefined>('modellens.benchmarkModel', uri);
    assert.ok(r, 'the benchmark returned no result (see the ModelLens log)');
    assert.equal(r.runtime, 'onnxruntime-node');
    assert.equal(r.latency.runsMs.length, 20);
    assert.ok(r.latency.medianMs > 0 && r.latency.p90Ms >= r.latency.medianMs, `median ${r.latency.medianMs}, p90 ${r.latency.p90Ms}`);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.onnx');
    const analysis = await waitFor('the analysis', () => {
      const res = ml.store.latest(uri);
      return res?.ok ? res.analysis : undefined;
    });
    const ids = new Set(analysis.layers.map((l) => l.id));
    assert.ok(r.perNode && r.perNode.nodes.length > 0, 'per-node times');
    for (const n of r.perNode.nodes) assert.ok(ids.has(n.id), `measured node ${n.id} is not a layer of the analysis`);
    const report = await waitFor('the Markdown report', () =>
      vscode.workspace.textDocuments.find((d) => d.languageId === 'markdown' && d.getText().startsWith('# Benchmark: conv1d_audio.onnx')));
    assert.match(report.getText(), /latency {6}median [\d.]+ ms, p90 [\d.]+ ms/);
  });

  test('refuses to run a model in Restricted Mode', async () => {
    const ml = await api();
    ml.setTrustOverride(false);
    try {
      assert.equal(await vscode.commands.executeCommand('modellens.benchmarkModel', sample('conv1d_audio.onnx')), undefined);
    } finally {
      ml.setTrustOverride(undefined);
    }
  });
});
