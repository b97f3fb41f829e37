import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import * as vscode from 'vscode';
import type { Suggestion } from '../../src/core/passes/types';
import type { BenchResult } from '../../src/core/runtime/types';
import type { CompareView } from '../../webview/protocol';
import { activeCustomTab, api, closeAll, sample, waitFor } from './helpers';

async function suggestion(uri: vscode.Uri, pick: (s: Suggestion) => boolean): Promise<Suggestion> {
  const ml = await api();
  const res = await (await waitFor('the suggestions', () => ml.store.cachedSuggestions(uri)));
  assert.ok(res?.ok, `suggestions failed: ${JSON.stringify(res)}`);
  const s = res.suggestions.find(pick);
  assert.ok(s, `no matching suggestion among ${res.suggestions.map((x) => x.id).join(', ')}`);
  return s;
}

const compareDirs = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith('modellens-compare-'));

/**
 * Sane measured figures: positive latencies, p90 at or above the median, finite output differences
 * (`nanExplained`: an output may be NaN when a note says so — Keras JSON runs with random weights).
 */
function assertSaneCompare(c: CompareView | undefined, what: string, nanExplained = false): asserts c {
  assert.ok(c, `${what}: no comparison (see the ModelLens log)`);
  for (const [side, x] of [['before', c.before], ['after', c.after]] as const) {
    assert.ok(x.medianMs > 0, `${what}: ${side} median ${x.medianMs}`);
    assert.ok(x.p90Ms >= x.medianMs, `${what}: ${side} p90 ${x.p90Ms} < median ${x.medianMs}`);
    assert.ok(x.bytes > 0, `${what}: ${side} size ${x.bytes}`);
  }
  assert.equal(c.runs, 20);
  assert.ok(Number.isFinite(c.speedup) && c.speedup > 0, `${what}: speedup ${c.speedup}`);
  assert.ok(c.outputs.length > 0, `${what}: no outputs compared`);
  for (const o of c.outputs) {
    assert.equal(o.mismatch, undefined, `${what}: output ${o.name}: ${o.mismatch}`);
    if (nanExplained && o.maxAbs === null && c.notes.some((n) => n.startsWith(`output ${o.name}: NaN`))) continue;
    assert.ok(o.maxAbs !== null && Number.isFinite(o.maxAbs) && o.maxAbs >= 0, `${what}: ${o.name} max |Δ| ${o.maxAbs}`);
    assert.ok(o.relL2 !== null && Number.isFinite(o.relL2) && o.relL2 >= 0, `${what}: ${o.name} relative L2 ${o.relL2}`);
  }
}

/** "Benchmark Model" runs the model in its runtime worker (ONNX Runtime here) and opens a report. */
suite('benchmark command', () => {
  suiteTeardown(async () => {
    (await api()).setTrustOverride(undefined);
    await closeAll();
  });

  test('measures an ONNX model: 20 runs, p90 >= median, per-node times on the open graph, a report', async function () {
    this.timeout(180000);
    const uri = sample('conv1d_audio.onnx');
    const ml = await api();
    await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.onnx');
    const analysis = await waitFor('the analysis', () => {
      const res = ml.store.latest(uri);
      return res?.ok ? res.analysis : undefined;
    });
    const view = await waitFor('the graph view', () => ml.graphViews(uri)[0]);
    await waitFor('the Measure button state', () => view.sentMeasureState);
    assert.deepEqual(view.sentMeasureState, { enabled: true }, 'Measure is enabled in a trusted workspace');

    const r = await vscode.commands.executeCommand<BenchResult | undefined>('modellens.benchmarkModel', uri);
    assert.ok(r, 'the benchmark returned no result (see the ModelLens log)');
    assert.equal(r.runtime, 'onnxruntime-node');
    assert.equal(r.latency.runsMs.length, 20);
    assert.ok(r.latency.medianMs > 0 && r.latency.p90Ms >= r.latency.medianMs, `median ${r.latency.medianMs}, p90 ${r.latency.p90Ms}`);
    const ids = new Set(analysis.layers.map((l) => l.id));
    assert.ok(r.perNode && r.perNode.nodes.length > 0, 'per-node times');
    for (const n of r.perNode.nodes) assert.ok(ids.has(n.id), `measured node ${n.id} is not a layer of the analysis`);

    // The open graph got the times, and its webview drew every one of them on a node of this graph.
    const sent = await waitFor('measured times sent to the graph view', () => view.sentMeasured);
    assert.equal(sent.nodes.length, r.perNode.nodes.length);
    assert.equal(sent.medianMs, r.latency.medianMs);
    assert.equal(sent.runs, 20);
    const shown = await waitFor('the webview to report the measured times it drew', () => view.shownMeasured);
    assert.deepEqual(shown, { mapped: r.perNode.nodes.length, ignored: 0 });

    // The report is a view beside the graph (its data read from the view, not from rendered text), the
    // graph keeps the focus, and no Untitled buffer is left to save or discard.
    const report = await waitFor('the benchmark report view', () => ml.benchReports().find((b) => b.uri.toString() === uri.toString()));
    assert.equal(report.data.medianMs, r.latency.medianMs);
    assert.equal(report.data.p90Ms, r.latency.p90Ms);
    assert.equal(report.data.runtime, 'onnxruntime-node');
    assert.match(report.data.markdown, /^# Benchmark: conv1d_audio\.onnx\n/);
    assert.match(report.data.markdown, /\n {2}latency {6}median [\d.]+ ms, p90 [\d.]+ ms, min [\d.]+ ms over 20 runs/);
    assert.ok(report.data.markdown.includes(uri.fsPath), 'the report names the model file, not a temp copy');
    assert.equal(report.panel.title, 'Benchmark: conv1d_audio.onnx');
    assert.equal(vscode.workspace.textDocuments.filter((d) => d.isUntitled).length, 0, 'no Untitled buffer');
    assert.equal(activeCustomTab()?.uri.toString(), uri.toString(), 'the graph keeps the focus');
    // A second run updates the same view instead of opening another.
    const r2 = await vscode.commands.executeCommand<BenchResult | undefined>('modellens.benchmarkModel', uri);
    assert.ok(r2);
    await waitFor('the report view updated in place', () => ml.benchReports().find((b) => b.uri.toString() === uri.toString() && b.data.medianMs === r2.latency.medianMs));
    assert.equal(ml.benchReports().length, 1);
  });

  test('refuses to run a model in Restricted Mode; the graph\'s Measure button says why', async () => {
    const ml = await api();
    const uri = sample('conv1d_audio.onnx');
    await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.onnx');
    const view = await waitFor('the graph view', () => ml.graphViews(uri)[0]);
    ml.setTrustOverride(false);
    try {
      assert.equal(await vscode.commands.executeCommand('modellens.benchmarkModel', uri), undefined);
      const st = await waitFor('a disabled Measure button', () => (view.sentMeasureState?.enabled === false ? view.sentMeasureState : undefined));
      assert.match(st.reason ?? '', /Restricted Mode/);
    } finally {
      ml.setTrustOverride(undefined);
    }
    await waitFor('Measure enabled again', () => view.sentMeasureState?.enabled === true);
  });

  test('preview Measure (ONNX low-rank): latency and size before/after, finite output difference, temp files removed', async function () {
    this.timeout(240000);
    await closeAll();
    const uri = sample('conv1d_audio.onnx');
    const ml = await api();
    await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.onnx');
    const s = await suggestion(uri, (x) => x.pass === 'low-rank');
    const before = new Set(compareDirs());
    assert.equal(await vscode.commands.executeCommand('modellens.previewHint', uri, s.id), true);
    const p = await waitFor('the preview', () => ml.previews().find((x) => x.hintId === s.id && x.view));
    assert.equal(p.view!.measureDisabled, undefined, 'Measure is enabled in a trusted workspace');
    const c = await p.measure();
    assertSaneCompare(c, 'conv1d_audio low-rank');
    assert.equal(c.runtime, 'onnxruntime-node');
    // Low-rank replaces the Gemm's weight by two thinner factors: the file shrinks.
    assert.ok(c.after.bytes < c.before.bytes, `size ${c.before.bytes} -> ${c.after.bytes}`);
    assert.deepEqual(compareDirs().filter((d) => !before.has(d)), [], 'the temp folder is removed');

    ml.setTrustOverride(false);
    try {
      assert.equal(await p.measure(), undefined, 'nothing runs in Restricted Mode');
    } finally {
      ml.setTrustOverride(undefined);
    }
  });

  test('preview Measure (Keras JSON): runs in TensorFlow.js; a model TensorFlow.js cannot build fails with its reason', async function () {
    this.timeout(240000);
    await closeAll();
    const ml = await api();
    const auto = sample('k2_advml_autoencoder_seq.json');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(auto));
    const s = await suggestion(auto, (x) => x.id === 'low-rank:dense_40');
    assert.equal(await vscode.commands.executeCommand('modellens.previewHint', auto, s.id), true);
    const p = await waitFor('the Keras preview', () => ml.previews().find((x) => x.hintId === s.id && x.view));
    const c = await p.measure();
    // Random weights give this model's BatchNormalization a negative variance: NaN outputs, said as such.
    assertSaneCompare(c, 'autoencoder low-rank', true);
    assert.equal(c.runtime, 'tfjs');
    assert.ok(c.notes.some((n) => /random weights/.test(n)), 'says the output difference is between random-weight models');

    const custom = sample('k2_takuya_dec_nested_seq_custom_layer.json');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(custom));
    const s2 = await suggestion(custom, (x) => x.pass === 'low-rank');
    assert.equal(await vscode.commands.executeCommand('modellens.previewHint', custom, s2.id), true);
    const p2 = await waitFor('the preview of the custom-layer model', () => ml.previews().find((x) => x.hintId === s2.id && x.uri.toString() === custom.toString() && x.view));
    assert.equal(await p2.measure(), undefined);
    const panel = await waitFor('the preview panel object', () => ml.previews().find((x) => x.hintId === s2.id && x.uri.toString() === custom.toString()));
    assert.match(panel.compareError ?? '', /^Cannot measure: The original model failed to run: TensorFlow\.js cannot build the model: Unknown layer: ClusteringLayer/);
  });
});
