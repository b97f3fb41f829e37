/**
 * The LLM section of the summary in headless Chromium, fed what the worker sends for the shared
 * Mixtral-8x7B config.json (runAnalyze: analysis + motifs). The slider, the batch,
 * KV dtype and budget fields must change the numbers to exactly what the core computes for them.
 * Screenshots: test-results/webview-llm-mixtral-{dark,light}.png.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { memoryPlanFor, type PlanOptions } from '../../src/core/analysis/llm';
import { kvBytesPerToken, weightOnlyHints } from '../../src/core/analysis/llmPlan';
import type { Analysis } from '../../src/core/analysis/types';
import { runAnalyze } from '../../src/extension/engine';
import { bytes, grouped } from '../../webview/model/format';
import { cspViolations, openWebview, pageErrors, post } from './driver';
import { ROOT } from './harness';
import { webviewSession } from './session';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any, document: any;

const CONFIG = path.resolve(ROOT, '../shared/models/llm/mixtral-8x7b-v0.1/config.json');
const OUT = path.join(ROOT, 'test-results');
const GiB = 2 ** 30;

/** The row of a kv table in the LLM section whose header matches. */
async function row(page: Page, table: string, header: RegExp): Promise<string> {
  const rows = await page.locator(`#llm-section table.${table} tr`).allInnerTexts();
  const r = rows.find((t) => header.test(t.split('\t')[0]));
  assert.ok(r, `no row ${header} in ${table}: ${JSON.stringify(rows)}`);
  return r!;
}

async function setInput(page: Page, sel: string, value: string): Promise<void> {
  await page.evaluate(({ sel, value }) => {
    const el = document.querySelector(sel);
    el.value = value;
    el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
  }, { sel, value });
}

describe('LLM section of the graph webview (Mixtral-8x7B config.json)', function () {
  this.timeout(180000);
  const session = webviewSession();
  let analysis: Analysis;
  let motifs: unknown;

  before(async () => {
    // Exactly what the worker answers for the file (setting modellens.defaultDims as shipped); JSON like a message.
    const res = await runAnalyze({ id: 1, type: 'analyze', file: CONFIG, dims: { batch: 1, batch_size: 1 }, motifs: true });
    assert.ok(res.ok, JSON.stringify(res));
    analysis = JSON.parse(JSON.stringify(res.analysis));
    motifs = res.motifs;
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`${theme}: numbers, ×32 decoder group, slider / batch / KV dtype / budget update live`, async () => {
      const page = await openWebview(session.browser, session.harness, theme, { width: 1440, height: 1400 });
      await post(page, { type: 'analysis', analysis, motifs: motifs as never, state: { metric: 'params', panel: 'summary' } }, { final: true });
      await page.locator('#llm-section').waitFor();

      // The 32 identical decoder blocks are one ×32 group; expanding it shows the 32 blocks (each closed).
      assert.deepEqual(await page.locator('svg.graph g.node .repeat').allTextContents(), ['×32']);
      await page.screenshot({ path: path.join(OUT, `webview-llm-mixtral-graph-${theme}.png`) });
      await page.locator('svg.graph g.node', { hasText: 'layers.0 … layers.31' }).dblclick();
      await page.waitForFunction(() => document.querySelectorAll('svg.graph g.node .repeat').length === 32, undefined, { timeout: 60000 });
      // Double-click selected the group (details panel): back to the summary.
      await page.locator('#tab-summary').click();
      await page.locator('#llm-section').waitFor();

      // Static numbers (from analysis.llm) and the MoE total vs active.
      const l = analysis.llm!;
      assert.equal(l.params.total, 46_702_792_704);
      assert.match(await row(page, 'llm-model', /^Parameters/), /46,702,792,704/);
      assert.match(await row(page, 'llm-model', /^Active per token/), /12,879,925,248/);
      assert.match(await row(page, 'llm-model', /^Heads/), /32 \/ 8/);

      // Initial plan: the analysis's context (4096), fp16 KV, no budget.
      const at = (o: PlanOptions) => memoryPlanFor(l, o);
      let want = at({ context: 4096, batch: 1, kvDtype: 'fp16' });
      assert.equal(want.kvCacheBytes, 4096 * 131_072);
      assert.match(await row(page, 'llm-kv', /^KV cache at/), new RegExp(`^KV cache at 4,096\\t${bytes(want.kvCacheBytes)}`));
      assert.match(await row(page, 'llm-plan', /^Total/), new RegExp(grouped(want.totalBytes)));
      // Prefill and decode at the analysis's context (the worker's: no sequence dim bound, so the context).
      assert.match(await row(page, 'llm-costs', /^Decode/), new RegExp(`^Decode \\(at ${grouped(l.decode!.context)}\\)`));
      assert.equal(await page.locator('#llm-fit').count(), 0, 'no fit line without a budget');

      // Context 32768 by the number field: KV cache ×8; the slider follows.
      await setInput(page, '#llm-context-value', '32768');
      want = at({ context: 32768, batch: 1, kvDtype: 'fp16' });
      assert.match(await row(page, 'llm-kv', /^KV cache at/), new RegExp(`^KV cache at 32,768\\t${bytes(want.kvCacheBytes)}`));
      assert.match(await row(page, 'llm-plan', /^Total/), new RegExp(grouped(want.totalBytes)));
      assert.equal(await page.locator('#llm-context').inputValue(), '1000');

      // The slider (logarithmic): its middle is a context between the ends, the numbers follow.
      await setInput(page, '#llm-context', '500');
      const mid = Number(await page.locator('#llm-context-value').inputValue());
      assert.ok(mid > 128 && mid < 32768, String(mid));
      want = at({ context: mid, batch: 1, kvDtype: 'fp16' });
      assert.match(await row(page, 'llm-kv', /^KV cache at/), new RegExp(`\\t${bytes(want.kvCacheBytes)}`));

      // Budget, batch and KV dtype: fit and largest context as the core says.
      await setInput(page, '#llm-context-value', '4096');
      await setInput(page, '#llm-budget', '90 GiB');
      want = at({ context: 4096, batch: 1, kvDtype: 'fp16', memoryBudget: 90 * GiB });
      assert.equal(want.fits, true);
      assert.match(await page.locator('#llm-fit').innerText(), /^Fits/);
      assert.match(await row(page, 'llm-plan', /^Largest context/), new RegExp(`${grouped(want.largestContext!)} tokens`));
      await setInput(page, '#llm-batch', '8');
      want = at({ context: 4096, batch: 8, kvDtype: 'fp16', memoryBudget: 90 * GiB });
      assert.equal(want.fits, false);
      assert.match(await page.locator('#llm-fit').innerText(), /^Does not fit/);
      await setInput(page, '#llm-kv-dtype', 'q4_0');
      want = at({ context: 4096, batch: 8, kvDtype: 'q4_0', memoryBudget: 90 * GiB });
      assert.match(await row(page, 'llm-kv', /^KV cache per token/), new RegExp(`${bytes(kvBytesPerToken(l, 'q4_0'))}\\s+q4_0`));
      assert.match(await row(page, 'llm-plan', /^KV cache/), new RegExp(bytes(want.kvCacheBytes)));
      await setInput(page, '#llm-budget', 'lots');
      assert.match(await page.locator('#llm-budget-error').innerText(), /not a size/);
      assert.equal(await page.locator('#llm-fit').count(), 0);

      // Hints at a 48 GiB budget: bf16 Mixtral does not fit; int4 experts do, with the core's context.
      await setInput(page, '#llm-batch', '1');
      await setInput(page, '#llm-kv-dtype', 'fp16');
      await setInput(page, '#llm-budget', '48GiB');
      const hints = weightOnlyHints(analysis, { context: 4096, batch: 1, kvDtype: 'fp16', memoryBudget: 48 * GiB });
      const mlp4 = hints.find((x) => x.id === 'weight-only-mlp-q4_0')!;
      const text = await page.locator('#llm-hints [data-hint="weight-only-mlp-q4_0"]').innerText();
      assert.match(text, new RegExp(`−${bytes(-mlp4.deltaBytes)}`));
      assert.match(text, new RegExp(`context that now fits: ${grouped(mlp4.plan.largestContext!)} \\(was none\\)`));
      assert.match(text, /Not applicable to config\.json: a config\.json holds no weights/);
      assert.equal(await page.locator('#llm-hints .llm-hint').count(), hints.length);

      await page.locator('#llm-section').screenshot({ path: path.join(OUT, `webview-llm-mixtral-${theme}.png`) });
      await page.screenshot({ path: path.join(OUT, `webview-llm-mixtral-page-${theme}.png`) });

      // A layer's weight tensors in the details panel: shape, dtype and bytes (Mixtral's config: bf16).
      await page.evaluate(() => window.postMessage({ type: 'reveal', id: 'model.layers.0.self_attn.k_proj' }, '*'));
      const tensors = page.locator('table.llm-tensors');
      await tensors.waitFor();
      const tRows = await tensors.locator('tr').allInnerTexts();
      assert.deepEqual(tRows.slice(1).map((r) => r.split('\t')), [['model.layers.0.self_attn.k_proj.weight', '[1024, 4096]', 'bfloat16', bytes(1024 * 4096 * 2)]]);
      await page.locator('.side').screenshot({ path: path.join(OUT, `webview-llm-tensors-${theme}.png`) });

      // Heat by weight bytes.
      await post(page, { type: 'analysis', analysis, motifs: motifs as never, state: { metric: 'weightBytes' } }, { final: true });
      assert.equal(await page.locator('.legend.heat[data-metric="weightBytes"]').count(), 1);
      assert.deepEqual(await cspViolations(page), []);
      assert.deepEqual(pageErrors(page), []);
      await page.close();
    });
  }

  it('a malformed llm object is refused by the protocol, not half-rendered', async () => {
    const page = await openWebview(session.browser, session.harness, 'dark');
    const bad = { ...analysis, llm: { ...analysis.llm!, planInputs: { ...analysis.llm!.planInputs, windows: [null] } } };
    await page.evaluate((m) => window.postMessage(m, '*'), { type: 'analysis', analysis: bad });
    await page.waitForFunction(() => window.__posted.some((m: { type: string; message?: string }) => m.type === 'log' && /invalid message/.test(m.message ?? '')), undefined, { timeout: 30000 });
    const msgs = await page.evaluate(() => window.__posted);
    assert.ok(JSON.stringify(msgs).includes('llm.planInputs.windows: expected one per layer'), JSON.stringify(msgs).slice(0, 500));
    assert.equal(await page.locator('#llm-section').count(), 0);
    await page.close();
  });
});
