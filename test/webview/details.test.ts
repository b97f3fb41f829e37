/**
 * The details panel in headless Chromium, fed the real analysis and node details of squeezenet1_0
 * (src/extension/nodeDetails.ts, as the worker builds them): every attribute, inputs and outputs with
 * full shapes, weights with dtype/shape/bytes/storage and first values, nothing cut or overflowing
 * sideways, zero shown as 0. Screenshots: test-results/webview-details-*.png.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { analyzeModel } from '../../src/core/analysis/analyze';
import { loadModel } from '../../src/core/formats';
import { findMotifs } from '../../src/core/motifs/index';
import { modelDetails } from '../../src/extension/nodeDetails';
import { syntheticTransformer } from './synthetic';
import { openWebview, pageErrors, post } from './driver';
import { ROOT } from './harness';
import { OUT, webviewSession } from './session';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any, window: any;

const FILE = path.resolve(ROOT, '../shared/models/onnx/squeezenet1_0.onnx');

/** Elements of the side panel whose content is wider than their box (cut or scrolling sideways). */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const side = document.querySelector('.side-body');
    for (const el of [side, ...side.querySelectorAll('*')]) {
      if (el.closest('details:not([open])')) continue;
      if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) out.push(`${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth} > ${el.clientWidth} "${el.textContent.slice(0, 60)}"`);
    }
    return out;
  });
}

describe('details panel in headless Chromium', function () {
  this.timeout(180000);
  const session = webviewSession();

  for (const width of [1440, 900]) {
    it(`${width} px: a Conv shows every attribute, inputs/outputs with full shapes, weights with storage; nothing cut`, async () => {
      const model = await loadModel(FILE);
      const a = analyzeModel(model, { dims: {} });
      const details = await modelDetails(model, FILE);
      const page = await openWebview(session.browser, session.harness, 'dark', { width, height: 1000 });
      await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a), details }, { final: true });
      const conv = a.layers.find((l) => l.type === 'Conv')!;
      await page.locator(`g.node[data-id="${conv.id}"] .body`).click();
      const side = page.locator('.side-body');
      await side.locator('tr[data-attr="kernel_shape"]').waitFor();

      // The attributes are the ones the worker read, each whole.
      const rows = await side.locator('table.attrs tr').evaluateAll((trs: { getAttribute(n: string): string; querySelector(s: string): { textContent: string } }[]) =>
        trs.map((tr) => [tr.getAttribute('data-attr'), tr.querySelector('td').textContent]));
      assert.deepEqual(rows, details[conv.id].attributes.map((x) => [x.name, x.text]));
      assert.deepEqual(rows.map((r) => r[0]), ['dilations', 'group', 'kernel_shape', 'pads', 'strides']);

      // Inputs: the data input, the weight and the bias, with their full shapes and dtypes.
      const inputs = await side.locator('section:has(h3:text-is("Inputs")) li').evaluateAll((lis: { textContent: string }[]) => lis.map((li) => li.textContent));
      assert.equal(inputs.length, 3);
      assert.ok(inputs[0].includes('float32 [1, 3, 224, 224]'), inputs[0]);
      assert.ok(inputs[1].startsWith('features.0.weight · weight') && inputs[1].includes('[96, 3, 7, 7]'), inputs[1]);

      // Weights: dtype, shape, bytes, where stored, first values.
      const weights = await side.locator('section:has(h3:text-is("Weights")) .tensor-block').evaluateAll((els: { textContent: string }[]) => els.map((e) => e.textContent));
      assert.equal(weights.length, 2);
      assert.match(weights[0], /^features\.0\.weightfloat32 \[96, 3, 7, 7\] · 55\.1 KiB \(56,448 B\)in the model file at byte [\d,]+values \(first 16 of 14,112\) \[/);
      assert.match(weights[1], /values \(first 16 of 96\)/);

      // Long names and stats: the panel wraps; nothing is wider than its box.
      await page.evaluate((id: string) => window.postMessage({ type: 'weightStats', id, stats: [
        { name: 'features.0.weight_with_a_very_long_name_that_a_torch_export_would_make/onnx::Conv_123456', shape: [96, 3, 7, 7], count: 14112, min: -0.123456, max: 0.98765, mean: 0.000123, std: 0.0456, sparsity: 0 },
      ] }, '*'), conv.id);
      await side.locator('table.stats').waitFor();
      const stats = await side.locator('table.stats tbody tr').evaluateAll((trs: { textContent: string }[]) => trs.map((t) => t.textContent));
      assert.ok(stats[0].includes('onnx::Conv_123456'), 'the whole weight name is there');
      assert.ok(stats[1].endsWith('0'), `zero sparsity is 0: ${stats[1]}`);
      assert.deepEqual(await overflowing(page), []);
      await page.screenshot({ path: path.join(OUT, `webview-details-conv-${width}.png`) });

      // A layer without weights: 0 parameters is "0" and "0%", not "<0.1%".
      const relu = a.layers.find((l) => l.type === 'Relu')!;
      await page.locator(`g.node[data-id="${relu.id}"] .body`).click();
      const params = side.locator('table.kv tr', { hasText: 'Parameters' }).locator('td');
      await params.waitFor();
      assert.equal(await params.textContent(), '0 0%');
      assert.deepEqual(pageErrors(page), []);
      await page.close();
    });
  }

  it('a hint that changes nothing in a column says 0 there (the INT8 card said "+0 (+<0.1%)")', async () => {
    const model = await loadModel(FILE);
    const a = analyzeModel(model, { dims: {} });
    const conv = a.layers.find((l) => l.type === 'Conv')!;
    const hint = { id: 'q', layerIds: [conv.id], pass: 'quantize-int8', title: 'INT8 weights', kind: 'approximate' as const, deltaParams: 0, deltaMacs: 0, deltaWeightBytes: -Math.round(conv.weightBytes * 0.75) };
    const page = await openWebview(session.browser, session.harness, 'light', { width: 1200, height: 900 });
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a), hints: [hint] }, { final: true });
    await page.locator(`g.node[data-id="${conv.id}"] .body`).click();
    const card = page.locator('.hint-card[data-hint="q"]');
    await card.waitFor();
    const cells = await card.locator('table.kv tr').evaluateAll((trs: { textContent: string }[]) => trs.map((t) => t.textContent));
    assert.deepEqual(cells.slice(0, 2), ['Δ params0', 'Δ MACs0']);
    assert.match(cells[2], /^Δ weights−[\d.]+ KiB$/);
    await page.close();
  });

  it('a model-wide hint (INT8 over every weighted layer) is one card in the summary, not a badge and a card on each layer', async () => {
    const model = await loadModel(FILE);
    const a = analyzeModel(model, { dims: {} });
    const weighted = a.layers.filter((l) => l.params > 0).map((l) => l.id);
    const int8 = { id: 'quantize-int8', layerIds: weighted, pass: 'quantize-int8', title: 'INT8 weights', kind: 'approximate' as const, deltaParams: 0, deltaMacs: 0, deltaWeightBytes: -3_700_000, modelWide: true };
    const lowRank = { id: 'low-rank:x', layerIds: [weighted[1]], pass: 'low-rank', title: 'Low rank', kind: 'approximate' as const, deltaParams: -100, deltaMacs: -100, deltaWeightBytes: -400 };
    const page = await openWebview(session.browser, session.harness, 'dark', { width: 1200, height: 900 });
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a), hints: [int8, lowRank] }, { final: true });
    assert.equal(await page.locator('svg.graph g.node .badge').count(), 1, 'only the per-layer hint has a badge');
    assert.equal(await page.locator(`g.node[data-id="${weighted[1]}"] .badge`).count(), 1);
    await page.locator('#tab-summary').click();
    const cards = page.locator('.summary .hint-card');
    await cards.first().waitFor();
    assert.deepEqual(await cards.evaluateAll((els: { getAttribute(n: string): string }[]) => els.map((e) => e.getAttribute('data-hint'))), ['quantize-int8']);
    await page.screenshot({ path: path.join(OUT, 'webview-model-wide-hint-dark.png') });
    await page.locator(`g.node[data-id="${weighted[0]}"] .body`).click();
    await page.locator('.side-body .details-head').waitFor();
    assert.equal(await page.locator('.side-body .hint-card').count(), 0, 'not repeated on the layer');
    await page.close();
  });

  it('heat by MACs: zero-cost ops (Relu, Concat, pools without MACs) are neutral, not the cheapest layer\'s colour', async () => {
    const a = analyzeModel(await loadModel(FILE), { dims: {} });
    const page = await openWebview(session.browser, session.harness, 'dark', { width: 1200, height: 900 });
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a), state: { metric: 'macs' } }, { final: true });
    const zero = a.layers.filter((l) => l.macs === 0).map((l) => l.id);
    const costly = a.layers.filter((l) => typeof l.macs === 'number' && l.macs > 0).map((l) => l.id);
    assert.ok(zero.length > 0 && costly.length > 0);
    const state = await page.locator('svg.graph g.node.heat').evaluateAll((gs: { getAttribute(n: string): string; classList: { contains(c: string): boolean } }[]) =>
      gs.map((g) => [g.getAttribute('data-id'), g.classList.contains('heat-na')] as [string, boolean]));
    const na = new Map(state);
    for (const id of zero) if (na.has(id)) assert.equal(na.get(id), true, `${id} has 0 MACs: neutral`);
    for (const id of costly) if (na.has(id)) assert.equal(na.get(id), false, `${id} has MACs: coloured`);
    assert.ok(zero.some((id) => na.has(id)), 'some zero-MAC node is drawn');
    assert.match(await page.locator('.legend-na').textContent() ?? '', /^zero, or no value/);
    await page.screenshot({ path: path.join(OUT, 'webview-heat-zero-neutral-dark.png') });
    await page.close();
  });

  it('repeated blocks: each badge says which of how many ("3 of 8"), and the summary counts the blocks the graph marks', async () => {
    const a = analyzeModel(await loadModel(FILE), { dims: {} });
    const page = await openWebview(session.browser, session.harness, 'dark', { width: 1400, height: 900 });
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
    await page.locator('vscode-button', { hasText: 'Collapse' }).click();
    // Collapsed to the top: open the scope that holds the Fire modules ("features") to see them.
    const features = page.locator('svg.graph g.node.kind-group', { hasText: 'features' }).first();
    await features.waitFor();
    await features.locator('.body').dblclick();
    await page.locator('svg.graph g.node.kind-group .repeat').first().waitFor();
    const badges = await page.locator('svg.graph g.node.kind-group .repeat text').allTextContents();
    // squeezenet1_0 has 8 Fire modules (Iandola et al. 2016): features.3 … features.12.
    assert.deepEqual([...badges].sort(), ['1 of 8', '2 of 8', '3 of 8', '4 of 8', '5 of 8', '6 of 8', '7 of 8', '8 of 8']);
    await page.screenshot({ path: path.join(OUT, 'webview-repeat-badges-dark.png') });
    await page.locator('#tab-summary').click();
    const chip = page.locator('.chip.motif-repeated');
    await chip.waitFor();
    assert.equal(await chip.getAttribute('data-count'), String(badges.length));
    assert.equal(await chip.textContent(), `${badges.length} repeated blocks in 1 group`);
    await page.close();
  });

  it('an expanded group has a frame with its name and a control that collapses it again', async () => {
    const a = analyzeModel(await loadModel(FILE), { dims: {} });
    const page = await openWebview(session.browser, session.harness, 'dark', { width: 1400, height: 900 });
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
    // squeezenet opens fully expanded (65 layers): every scope is an open group.
    const frame = page.locator('svg.graph g.frame', { hasText: 'features.3' }).first();
    await frame.waitFor();
    const id = await frame.getAttribute('data-id');
    assert.ok(id, 'the frame names its group');
    assert.equal(await page.locator(`svg.graph g.node.kind-group[data-id="${id}"]`).count(), 0, 'open: drawn as its layers');
    await page.screenshot({ path: path.join(OUT, 'webview-group-frames-dark.png') });
    await frame.locator('.frame-toggle').click();
    await page.locator(`svg.graph g.node.kind-group[data-id="${id}"]`).waitFor();
    assert.equal(await page.locator(`svg.graph g.frame[data-id="${id}"]`).count(), 0, 'collapsed: no frame, one group node');
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it('Fit on a large expanded graph gives a readable view (its start at a readable zoom), not a hairline without labels', async () => {
    const a = syntheticTransformer({ blocks: 12 });
    const page = await openWebview(session.browser, session.harness, 'dark', { width: 1200, height: 800 });
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
    const seq = await page.evaluate(() => (window.__modellensPaint as { seq: number }).seq);
    await page.locator('vscode-button', { hasText: 'Expand' }).click();
    await page.waitForFunction((s0: number) => window.__modellensPaint.seq > s0 && window.__modellensPaint.final, seq, { timeout: 120000 });
    await page.locator('vscode-button', { hasText: 'Fit' }).click();
    const k = await page.evaluate(() => {
      const m = /scale\(([\d.e-]+)\)/.exec(document.querySelector('svg.graph g.viewport').getAttribute('transform') ?? '');
      return m ? Number(m[1]) : NaN;
    });
    assert.ok(k >= 0.45, `zoom after Fit ${k}: labels are dropped below 0.4`);
    assert.equal(await page.locator('svg.graph.lod-low').count(), 0, 'labels are drawn');
    // The graph's input is in view.
    const inView = await page.locator('svg.graph g.node.kind-input').first().evaluate((el: { getBoundingClientRect(): { top: number; bottom: number } }) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= 800;
    });
    assert.ok(inView, 'the start of the graph is shown');
    await page.screenshot({ path: path.join(OUT, 'webview-fit-expanded-dark.png') });
    await page.close();
  });

  for (const width of [1440, 1000, 700]) {
    it(`${width} px: the toolbar stays one row; what does not fit is in a "⋯" menu that works`, async () => {
      const a = analyzeModel(await loadModel(FILE), { dims: {} });
      const page = await openWebview(session.browser, session.harness, 'dark', { width, height: 800 });
      await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
      const bar = await page.locator('header.toolbar').evaluate((el: { getBoundingClientRect(): { height: number }; scrollWidth: number; clientWidth: number }) =>
        ({ height: el.getBoundingClientRect().height, over: el.scrollWidth - el.clientWidth }));
      assert.ok(bar.height < 50, `toolbar ${bar.height} px tall: one row`);
      assert.ok(bar.over <= 1, `toolbar content ${bar.over} px wider than the bar`);
      const more = page.locator('#toolbar-more');
      if (width >= 1440) {
        assert.equal(await more.isVisible(), false, 'everything fits at 1440 px');
      } else {
        assert.equal(await more.isVisible(), true, `a "⋯" menu at ${width} px`);
        await more.click();
        const menu = page.locator('#toolbar-menu');
        await menu.waitFor();
        // A control in the menu still works: Collapse (or whichever is there) acts on the graph.
        const collapse = menu.locator('vscode-button', { hasText: 'Collapse' });
        if (await collapse.count()) {
          const seq = await page.evaluate(() => (window.__modellensPaint as { seq: number }).seq);
          await collapse.click();
          await page.waitForFunction((s0: number) => window.__modellensPaint.seq > s0, seq, { timeout: 60000 });
          assert.ok((await page.locator('svg.graph g.node.kind-group').count()) > 0, 'Collapse from the menu collapsed the groups');
        }
        await page.screenshot({ path: path.join(OUT, `webview-toolbar-menu-${width}-dark.png`) });
      }
      await page.close();
    });
  }
});
