/**
 * The optimization preview in headless Chromium with a real measured comparison: conv1d_audio's
 * low-rank suggestion rewritten by the worker's code (engine.ts), both models run in ONNX Runtime
 * (compareModels), the figures sent as the host sends them. Screenshot in test-results/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareModels } from '../../src/core/runtime';
import { compareViewOf } from '../../src/extension/benchViews';
import { runApply, runPreview, runSuggest } from '../../src/extension/engine';
import { knobValues, previewView } from '../../src/extension/hints';
import { cspViolations } from './driver';
import { ROOT } from './harness';
import { webviewSession } from './session';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any;

const MODEL = path.resolve(ROOT, '../shared/models/onnx/conv1d_audio.onnx');
const OUT = path.join(ROOT, 'test-results');

describe('optimization preview in headless Chromium: Measure', function () {
  this.timeout(180000);
  const session = webviewSession();
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'modellens-preview-test-'));
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('Measure asks the host; progress, then latency/size/output difference of a real low-rank rewrite', async () => {
    const sug = await runSuggest({ id: 1, type: 'suggest', file: MODEL, dims: {} });
    assert.ok(sug.ok, sug.ok ? '' : sug.error.message);
    const s = sug.suggestions.find((x) => x.pass === 'low-rank')!;
    assert.ok(s, 'conv1d_audio has a low-rank suggestion');
    const kv = knobValues(s);
    const pr = await runPreview({ id: 2, type: 'preview', file: MODEL, dims: {}, suggestion: s, knobs: kv });
    assert.ok(pr.ok, pr.ok ? '' : pr.error.message);
    const ap = await runApply({ id: 3, type: 'apply', file: MODEL, dims: {}, suggestion: s, knobs: kv }, () => undefined);
    assert.ok(ap.ok && ap.bytes, ap.ok ? 'no bytes' : ap.error.message);
    const compressed = path.join(tmp, 'conv1d_audio.compressed.onnx');
    writeFileSync(compressed, ap.bytes);
    const cmp = compareViewOf(await compareModels(MODEL, compressed, { runs: 10, warmup: 2, perNode: false, roofline: false }), kv);

    const page = await session.browser.newPage({ viewport: { width: 1280, height: 820 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${session.harness.url('dark')}&mode=preview`);
    await page.waitForFunction(() => window.__posted.some((m: { type: string }) => m.type === 'ready'));
    await page.evaluate((p) => window.postMessage({ type: 'preview', preview: p }, '*'), previewView(s, kv, pr));
    await page.locator('#delta-table').waitFor();
    await page.locator('#preview-measure:not([disabled])').click();
    const asked = (await page.evaluate(() => window.__posted)) as { type: string; knobs?: unknown }[];
    assert.ok(asked.some((m) => m.type === 'previewMeasure'), 'Measure posts previewMeasure');
    assert.equal(await page.locator('#preview-measure[disabled]').count(), 1, 'one measurement at a time');

    await page.evaluate(() => window.postMessage({ type: 'compare', running: 'compressed: timed runs 4/10' }, '*'));
    await page.locator('.compare-status', { hasText: 'compressed: timed runs 4/10' }).waitFor();
    await page.evaluate((c) => window.postMessage({ type: 'compare', compare: c }, '*'), cmp);
    const table = page.locator('#compare-table');
    await table.waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs: { innerText: string }[]) => trs.map((t) => t.innerText));
    assert.equal(rows.length, 3);
    assert.match(rows[0], /^Latency median\s+[\d.]+ (ms|µs)\s+[\d.]+ (ms|µs)\s+[\d.]+× (faster|slower|\(no change\))/);
    assert.match(rows[1], /^Latency p90\s+[\d.]+ (ms|µs)\s+[\d.]+ (ms|µs)/);
    assert.match(rows[2], /^File size\s+[\d.]+ (KiB|MiB|B)\s+[\d.]+ (KiB|MiB|B)\s+−[\d.]+%/);
    const outs = await page.locator('#compare-outputs tbody tr').evaluateAll((trs: { innerText: string }[]) => trs.map((t) => t.innerText));
    assert.equal(outs.length, cmp.outputs.length);
    assert.match(outs[0], new RegExp(`^${cmp.outputs[0].name}\\s+[\\d.e+-]+\\s+[\\d.e+-]+%$`));
    assert.equal(await page.locator('#preview-measure:not([disabled])').count(), 1, 'Measure again once done');
    await page.screenshot({ path: path.join(OUT, 'webview-preview-measured-dark.png') });

    // Knobs moved since: the figures say they are of other knob values.
    const moved = previewView(s, knobValues(s, { ratio: 0.5 }), pr);
    await page.evaluate((p) => window.postMessage({ type: 'preview', preview: p }, '*'), moved);
    await page.locator('.compare .stale').waitFor();

    // A model that fails to run: the reason is shown, not a table of old figures only.
    await page.evaluate(() => window.postMessage({ type: 'compare', error: 'Cannot measure: The compressed model failed to run: [ONNXRuntimeError] : 10 : INVALID_GRAPH' }, '*'));
    assert.match(await page.locator('#compare-error').innerText(), /compressed model failed to run: \[ONNXRuntimeError\]/);
    // Restricted Mode: Measure is disabled and says why.
    await page.evaluate((p) => window.postMessage({ type: 'preview', preview: { ...p, measureDisabled: 'Restricted Mode: ModelLens runs models only in trusted workspaces.' } }, '*'), moved);
    await page.locator('#preview-measure[disabled]').waitFor();
    assert.match((await page.locator('#preview-measure').locator('xpath=..').getAttribute('title')) ?? '', /Restricted Mode/);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
