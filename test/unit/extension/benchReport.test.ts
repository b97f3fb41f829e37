import assert from 'node:assert/strict';
import type { BenchResult } from '../../../src/core/runtime/types';
import { benchReportData, benchReportHtml, benchReportMarkdown, jsonForScript } from '../../../src/extension/benchReport';

function bench(p: Partial<BenchResult> = {}): BenchResult {
  return {
    file: '/models/a-very-long-folder-name/that-goes-on/and-on/model.onnx', format: 'onnx', runtime: 'onnxruntime-node', backend: 'cpu', backendNotes: [],
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 224, 224] }], warmup: 3,
    latency: { runsMs: new Array(20).fill(305.2), medianMs: 301.25, p90Ms: 305.2, meanMs: 302, minMs: 299.5, maxMs: 306 },
    memory: { rssBeforeBytes: 0, rssPeakDeltaBytes: 2 ** 20, note: '' }, fileBytes: 5e6, loadMs: 40, warnings: [],
    ...p,
  } as BenchResult;
}

/** The JSON island of the report view, as a test (or tool) reads it. */
function island(html: string): unknown {
  const m = /<script type="application\/json" id="modellens-report">([^<]*)<\/script>/.exec(html);
  assert.ok(m, 'no #modellens-report data island');
  return JSON.parse(m[1]);
}

describe('benchmark report view', () => {
  it('carries the numbers as data, not only as rendered text', () => {
    const r = bench();
    const html = benchReportHtml({ cspSource: 'vscode-resource:', nonce: 'abc123', result: r, name: 'model.onnx', canSave: true });
    const d = island(html) as ReturnType<typeof benchReportData>;
    assert.deepEqual(d, benchReportData(r, 'model.onnx'));
    assert.equal(d.medianMs, 301.25);
    assert.equal(d.p90Ms, 305.2);
    assert.equal(d.runs, 20);
    assert.equal(d.runtime, 'onnxruntime-node');
  });

  it('keeps each report line whole: no hard wrap in the Markdown, `white-space: pre` with a scroll in the view', () => {
    const md = benchReportMarkdown(bench(), 'model.onnx');
    // The latency line is one line however long its numbers are (the flaky UI test saw "p90 305.2\nms").
    assert.match(md, /\n {2}latency {6}median 301\.3 ms, p90 305\.2 ms, min 299\.5 ms over 20 runs after 3 warm-up\n/);
    const html = benchReportHtml({ cspSource: 'x', nonce: 'n0', result: bench(), name: 'model.onnx', canSave: true });
    assert.match(html, /pre \{[^}]*white-space: pre;[^}]*overflow-x: auto;/);
  });

  it('escapes names from the file system in the HTML and in the data island', () => {
    const evil = 'x</script><img src=x onerror=alert(1)>.onnx';
    const r = bench({ file: `/m/${evil}` });
    const html = benchReportHtml({ cspSource: 'x', nonce: 'n0', result: r, name: evil, canSave: true });
    assert.ok(!html.includes('<img'), 'markup from a file name is escaped');
    assert.equal((island(html) as { name: string }).name, evil);
    assert.equal(JSON.parse(jsonForScript({ s: '</script>\u2028' })).s, '</script>\u2028');
    assert.ok(!jsonForScript('</script>').includes('<'));
  });

  it('offers Save only when it can write (Restricted Mode hides it); CSP allows nothing but its nonce', () => {
    const saving = benchReportHtml({ cspSource: 'x', nonce: 'n0', result: bench(), name: 'm.onnx', canSave: true });
    const restricted = benchReportHtml({ cspSource: 'x', nonce: 'n0', result: bench(), name: 'm.onnx', canSave: false });
    assert.match(saving, /id="save"/);
    assert.doesNotMatch(restricted, /id="save"/);
    assert.match(saving, /content="default-src &#39;none&#39;; style-src &#39;nonce-n0&#39;; script-src &#39;nonce-n0&#39;"/);
  });
});
