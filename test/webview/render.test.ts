/**
 * The graph webview in headless Chromium, fed the real analysis of shared models through the same
 * message protocol as VS Code. Screenshots go to test-results/ (look at them).
 * Needs /usr/bin/chromium (Debian package "chromium"); fails if it is missing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { analyzeModel } from '../../src/core/analysis/analyze';
import type { Analysis } from '../../src/core/analysis/types';
import { loadModel } from '../../src/core/formats';
import { findMotifs } from '../../src/core/motifs/index';
import { benchModel } from '../../src/core/runtime';
import { measuredTimesOf } from '../../src/extension/benchViews';
import { syntheticTransformer } from './synthetic';
import { cspViolations, openWebview, pageErrors, post, posted } from './driver';
import { ROOT } from './harness';
import { webviewSession } from './session';

// Callbacks passed to page.evaluate run in the browser; the root tsconfig has no DOM lib.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any, document: any;

const SHARED = path.resolve(ROOT, '../shared/models/onnx');
const OUT = path.join(ROOT, 'test-results');
const manifest = JSON.parse(readFileSync(path.join(SHARED, 'onnx_manifest.json'), 'utf8')) as { models: { file: string; onnx: unknown }[] };

/** node_count from the manifest (stored as Python repr text inside the entry's "onnx" field). */
function manifestNodeCount(file: string): number {
  const onnx = manifest.models.find((m) => m.file === file)!.onnx;
  const text = typeof onnx === 'string' ? onnx : JSON.stringify(onnx);
  return Number(/'?node_count'?"?:\s*(\d+)/.exec(text)![1]);
}

async function analyse(file: string, dims: Record<string, number> = {}): Promise<Analysis> {
  return analyzeModel(await loadModel(path.join(SHARED, file)), { dims });
}

const countNodes = (page: Page, sel: string) => page.locator(`svg.graph ${sel}`).count();

describe('graph webview in headless Chromium', function () {
  this.timeout(180000);
  const session = webviewSession();

  for (const theme of ['dark', 'light'] as const) {
    it(`mobilenet_v3_small (${theme}): every layer drawn, motifs, heat legend by MACs`, async () => {
      const a = await analyse('mobilenet_v3_small.onnx');
      const page = await openWebview(session.browser, session.harness, theme);
      const paint = await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
      // 141 ONNX nodes per the manifest, all float ops: a graph this small opens fully expanded.
      assert.equal(paint.layers, manifestNodeCount('mobilenet_v3_small.onnx'));
      assert.equal(await countNodes(page, 'g.node.kind-layer'), manifestNodeCount('mobilenet_v3_small.onnx'));
      assert.equal(await countNodes(page, 'g.node.kind-input'), 1);
      assert.ok((await countNodes(page, '.motif-tag.motif-residual')) > 0);
      await page.screenshot({ path: path.join(OUT, `webview-mobilenet_v3_small-${theme}.png`) });

      const heat = await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a), state: { metric: 'macs' } }, { final: true });
      assert.equal(heat.layers, paint.layers);
      const legend = page.locator('.legend.heat[data-metric="macs"]');
      assert.equal(await legend.count(), 1);
      assert.match(await legend.innerText(), /MACs per layer/);
      // Every layer with MACs is coloured; zero-MAC ones (activations, shape ops) are neutral.
      const costly = a.layers.filter((l) => typeof l.macs === 'number' && l.macs > 0).length;
      assert.equal(await page.locator('svg.graph g.node.heat .body').evaluateAll((els: { style: { fill: string } }[]) => els.filter((e) => e.style.fill.startsWith('rgb')).length), costly);
      await page.screenshot({ path: path.join(OUT, `webview-mobilenet_v3_small-heat-${theme}.png`) });
      assert.deepEqual(await cspViolations(page), []);
      assert.deepEqual(pageErrors(page), []);
      await page.close();
    });
  }

  it('tiny_bert (batch=1, sequence=128): shape math hidden by default, all 288 nodes with it', async () => {
    const a = await analyse('tiny_bert_dynamic.onnx', { batch: 1, sequence: 128 });
    const page = await openWebview(session.browser, session.harness, 'dark');
    const first = await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a), state: { metric: 'flops' } }, { final: true });
    assert.ok(first.layers < a.layers.length, 'shape computations are hidden at first');
    assert.equal(await page.locator('.legend.heat[data-metric="flops"]').count(), 1);
    await page.screenshot({ path: path.join(OUT, 'webview-tiny_bert-flops-dark.png') });
    const withAux = await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a), state: { showConstants: true } }, { final: true });
    // Over the small-graph limit with shape math: the encoder layers open collapsed...
    assert.ok(withAux.layers < a.layers.length);
    assert.ok((await countNodes(page, 'g.node.kind-group')) >= 2);
    // ...and "Expand all" draws every node.
    const seq = withAux.seq;
    await page.locator('vscode-button[title="Expand all groups"]').click();
    await page.waitForFunction((s: number) => window.__modellensPaint.seq > s && window.__modellensPaint.final, seq, { timeout: 90000 });
    const all = await page.evaluate(() => window.__modellensPaint as { layers: number });
    assert.equal(all.layers, manifestNodeCount('tiny_bert_dynamic.onnx'));
    assert.equal(await countNodes(page, 'g.node.kind-layer'), manifestNodeCount('tiny_bert_dynamic.onnx'));
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it('selecting, revealing, weight stats, search, export and state go through the protocol', async () => {
    const a = await analyse('mobilenet_v3_small.onnx');
    const page = await openWebview(session.browser, session.harness, 'light');
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
    const conv = a.layers.find((l) => l.type === 'Conv' && l.params > 0)!;
    await page.locator(`g.node[data-id="${conv.id}"] .body`).click();
    const msgs = await posted(page);
    assert.ok(msgs.some((m) => m.type === 'select' && m.id === conv.id));
    assert.ok(msgs.some((m) => m.type === 'requestWeightStats' && m.id === conv.id));
    await page.evaluate((id) => window.postMessage({ type: 'weightStats', id, stats: [{ name: 'w', shape: [16, 3, 3, 3], count: 432, min: -0.5, max: 0.5, mean: 0.01, std: 0.2, sparsity: 0.25 }] }, '*'), conv.id);
    await page.locator('.side-body', { hasText: '25.0%' }).waitFor();
    assert.match(await page.locator('.side-body').innerText(), new RegExp(conv.type));

    const gemm = a.layers.find((l) => l.type === 'Gemm')!;
    await page.evaluate((id) => window.postMessage({ type: 'reveal', id }, '*'), gemm.id);
    await page.locator(`g.node.selected[data-id="${gemm.id}"]`).waitFor();
    await page.screenshot({ path: path.join(OUT, 'webview-mobilenet_v3_small-selected-light.png') });

    await page.keyboard.press('Escape');
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'search');
    await page.keyboard.type('GlobalAveragePool');
    const matches = await countNodes(page, 'g.node.match');
    assert.equal(matches, a.layers.filter((l) => l.type === 'GlobalAveragePool').length);

    await page.locator('#tab-summary').click();
    await page.locator('vscode-button', { hasText: 'CSV' }).click();
    const exp = (await posted(page)).find((m) => m.type === 'export') as { format: string; data: string; suggestedName: string } | undefined;
    assert.ok(exp, 'export posted');
    assert.equal(exp.format, 'csv');
    assert.equal(exp.data.trim().split('\r\n').length, a.layers.length + 1);
    assert.equal(exp.suggestedName, 'mobilenet_v3_small.report.csv');
    await page.locator('vscode-button', { hasText: 'PNG' }).click();
    await page.waitForFunction(() => window.__posted.some((m: { format?: string }) => m.format === 'png'));

    // The view state is saved on a debounce: wait for it, not for a fixed time.
    await page.waitForFunction(() => (window.__state as { search?: string } | undefined)?.search === 'GlobalAveragePool', undefined, { timeout: 30000 });
    assert.deepEqual(await cspViolations(page), []);
    await page.close();
  });

  it('Keras ResNet-50 (tfjs JSON): 176 layers, 16 residual blocks tagged; hint badge -> savings -> preview', async () => {
    const a = analyzeModel(await loadModel(path.resolve(ROOT, '../shared/models/keras/tfjs_k2_tensorspace_resnet50.json')), { dims: {} });
    const page = await openWebview(session.browser, session.harness, 'dark');
    const conv = a.layers.find((l) => l.type === 'Conv2D' && l.params > 100000)!;
    const hint = {
      id: 'dwsep:1', layerIds: [conv.id], pass: 'depthwise-separable', title: 'Depthwise-separable replacement',
      kind: 'needs-fine-tuning' as const, deltaParams: -Math.round(conv.params * 0.87), deltaMacs: -1e8, deltaWeightBytes: -Math.round(conv.weightBytes * 0.87),
    };
    const paint = await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a), hints: [hint] }, { final: true });
    assert.equal(paint.layers + (await countNodes(page, 'g.node.kind-group')) > 0, true);
    // ResNet-50 in Keras: no scopes, 176 layers <= the small-graph limit: every layer drawn.
    assert.equal(await countNodes(page, 'g.node.kind-layer'), 176);
    assert.equal(await countNodes(page, '.motif-tag.motif-residual'), 16);
    await page.screenshot({ path: path.join(OUT, 'webview-keras-resnet50-dark.png') });
    await page.evaluate((id) => window.postMessage({ type: 'reveal', id }, '*'), conv.id);
    await page.locator(`g.node.selected[data-id="${conv.id}"]`).waitFor();
    await page.keyboard.press('Escape');
    await page.locator(`g.node[data-id="${conv.id}"] .badge`).click();
    const card = page.locator('.hint-card[data-hint="dwsep:1"]');
    await card.waitFor();
    // 87% of the layer's parameters, as the hint said.
    assert.match(await card.innerText(), /−87% of the layer/);
    await page.locator(`g.node[data-id="${conv.id}"] .badge`).screenshot({ path: path.join(OUT, 'webview-hint-badge-dark.png') }).catch(() => undefined);
    await page.screenshot({ path: path.join(OUT, 'webview-keras-resnet50-hint-dark.png') });
    await card.locator('vscode-button', { hasText: 'Preview' }).click();
    assert.ok((await posted(page)).some((m) => m.type === 'previewHint' && m.hintId === 'dwsep:1'));
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it('measured time: a real ONNX Runtime run of squeezenet1_0 colours the graph, the legend states the run, fused nodes say so', async () => {
    const a = await analyse('squeezenet1_0.onnx');
    const r = await benchModel(path.join(SHARED, 'squeezenet1_0.onnx'), { runs: 5, warmup: 1, perNode: true, roofline: false });
    const t = measuredTimesOf(r)!;
    assert.ok(t && t.nodes.length > 20, 'ORT timed the convolutions');
    // An id of no node here (as after an edit): ignored, never drawn on some other node.
    t.nodes.push({ id: 'not/in/this/graph', ms: 50 });
    const page = await openWebview(session.browser, session.harness, 'dark');
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a), state: { metric: 'macs' } }, { final: true });
    // Before any measurement the option is there but disabled, and Measure waits for the host's word.
    assert.equal(await page.locator('vscode-option[value="time"][disabled]').count(), 1);
    assert.equal(await page.locator('#measure[disabled]').count(), 1);
    await page.evaluate(() => window.postMessage({ type: 'measureState', enabled: false, reason: 'Restricted Mode: trust this workspace to measure.' }, '*'));
    assert.match((await page.locator('.measure-wrap').getAttribute('title')) ?? '', /Restricted Mode/);
    assert.equal(await page.locator('#measure[disabled]').count(), 1);
    await page.evaluate(() => window.postMessage({ type: 'measureState', enabled: true }, '*'));
    await page.locator('#measure:not([disabled])').click();
    assert.ok((await posted(page)).some((m) => m.type === 'measure'), 'Measure asks the host');

    const paint = await post(page, { type: 'measured', measured: t }, { final: true });
    // The host re-enables Measure once its benchmark is over.
    await page.evaluate(() => window.postMessage({ type: 'measureState', enabled: true }, '*'));
    assert.equal(paint.layers, a.layers.length);
    const legend = page.locator('.legend.heat[data-metric="time"]');
    assert.equal(await legend.count(), 1, 'a fresh measurement switches the heat to it');
    const text = await legend.innerText();
    assert.match(text, /Measured time per layer/);
    assert.match(text, new RegExp(`onnxruntime-node cpu · 5 runs · median [\\d.]+ (ms|µs)`));
    assert.equal(await page.locator('vscode-option[value="time"][disabled]').count(), 0);
    assert.equal(await page.locator('#metric').evaluate((e: { value: string }) => e.value), 'time', 'the selector shows the measured heat');
    assert.equal(await page.locator('#measure').innerText(), 'Measure');
    const shown = (await posted(page)).find((m) => m.type === 'measuredShown') as { mapped: number; ignored: number } | undefined;
    assert.deepEqual(shown, { type: 'measuredShown', mapped: t.nodes.length - 1, ignored: 1 });
    // Every timed node is coloured; the others (fused ReLUs, Concat...) are "no value".
    const filled = await page.locator('svg.graph g.node.heat .body').evaluateAll((els: { style: { fill: string } }[]) => els.filter((e) => e.style.fill.startsWith('rgb')).length);
    assert.equal(filled, t.nodes.length - 1);
    assert.equal(await page.locator('svg.graph g.node.heat-na').count(), a.layers.length - (t.nodes.length - 1));
    await page.screenshot({ path: path.join(OUT, 'webview-squeezenet-measured-time-dark.png') });

    const conv = t.nodes.find((n) => n.fused?.length)!;
    await page.locator(`g.node[data-id="${conv.id}"] .body`).click();
    const side = page.locator('.side-body');
    await side.locator('th', { hasText: 'Measured time' }).waitFor();
    assert.match(await side.innerText(), /Measured time\s+[\d.]+ (ms|µs) .*of kernel time · incl\. 1 fused/);
    await page.locator(`g.node[data-id="${conv.fused![0]}"] .body`).click();
    await side.locator('a', { hasText: 'fused into' }).waitFor();
    const host = a.layers.find((l) => l.id === conv.id)!.name;
    assert.ok((await side.innerText()).includes(`fused into ${host}`), 'the fused ReLU names the Conv its kernel ran in');
    await page.screenshot({ path: path.join(OUT, 'webview-squeezenet-measured-fused-dark.png') });
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it('a ~1000-layer transformer opens as 33 closed blocks; double-click opens one', async () => {
    const a = syntheticTransformer({ blocks: 33 });
    const page = await openWebview(session.browser, session.harness, 'light');
    const paint = await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a), state: { metric: 'macs' } }, { final: true });
    assert.equal(await countNodes(page, 'g.node.kind-group .repeat'), 33);
    await page.screenshot({ path: path.join(OUT, 'webview-transformer-1000-collapsed-light.png') });
    await page.locator('g.node[data-id="g:encoder/layers.0"] .body').dblclick();
    await page.waitForFunction((s: number) => window.__modellensPaint.seq > s && window.__modellensPaint.final, paint.seq, { timeout: 90000 });
    assert.equal(await countNodes(page, 'g.node[data-id="g:encoder/layers.0"]'), 0);
    assert.ok((await countNodes(page, 'g.node.kind-group')) > 33 - 1);
    await page.screenshot({ path: path.join(OUT, 'webview-transformer-1000-expanded-light.png') });
    await page.close();
  });

  it('keyboard: arrows move the focus along edges, Enter selects; the view state survives a reload', async () => {
    const a = await analyse('squeezenet1_0.onnx');
    const page = await openWebview(session.browser, session.harness, 'dark');
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
    await page.locator('svg.graph').focus();
    // First press focuses the first node (the graph input); each ArrowDown follows an edge downwards.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const focused = await page.locator('g.node.focused').getAttribute('data-id');
    assert.equal(focused, a.layers[1].id, 'input -> first Conv -> its Relu');
    await page.keyboard.press('Enter');
    assert.ok((await posted(page)).some((m) => m.type === 'select' && m.id === focused));
    await page.keyboard.press('f');
    // The state is saved on a debounce: wait for the selection to be in it.
    await page.waitForFunction((id: string) => window.__state?.selected === id, focused, { timeout: 30000 });
    const saved = await page.evaluate(() => window.__state);
    assert.equal(saved.selected, focused);
    await page.close();

    // VS Code destroys a hidden webview and hands the saved state to the new one.
    const again = await openWebview(session.browser, session.harness, 'dark', undefined, { ...saved, metric: 'params' });
    await post(again, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
    assert.equal(await again.locator(`g.node.selected[data-id="${focused}"]`).count(), 1);
    assert.equal(await again.locator('.legend.heat[data-metric="params"]').count(), 1);
    assert.equal(await again.locator('#tab-details.active').count(), 1);
    await again.close();
  });

  it('a hostile layer name renders as text, never as markup', async () => {
    const a = await analyse('mobilenet_v3_small.onnx');
    const evil = '<img src=x onerror="window.__xss=1">';
    const hacked: Analysis = JSON.parse(JSON.stringify(a));
    hacked.layers[1].name = evil;
    hacked.file = '/models/<script>window.__xss=2</script>.onnx';
    const page = await openWebview(session.browser, session.harness, 'dark');
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; void d.dismiss(); });
    await post(page, { type: 'analysis', analysis: hacked }, { final: true });
    await page.evaluate((id) => window.postMessage({ type: 'reveal', id }, '*'), hacked.layers[1].id);
    await page.locator('.side-body .layer-name').waitFor();
    assert.equal(await page.locator('.side-body .layer-name').innerText(), evil);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.locator('#app script').count(), 0);
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.__xss as number | undefined), undefined);
    assert.equal(dialogs, 0);
    await page.close();
  });

  it('rejects a malformed message and says so to the host', async () => {
    const page = await openWebview(session.browser, session.harness, 'dark');
    await page.evaluate(() => window.postMessage({ type: 'analysis', analysis: { format: 'onnx' } }, '*'));
    await page.waitForFunction(() => window.__posted.some((m: { type: string }) => m.type === 'log'));
    const log = (await posted(page)).find((m) => m.type === 'log') as unknown as { message: string };
    assert.match(log.message, /invalid message: .*analysis\.file/);
    await page.close();
  });
});
