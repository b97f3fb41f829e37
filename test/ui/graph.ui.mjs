#!/usr/bin/env node
// UI suite: the real VS Code web workbench (code-server) with ModelLens loaded, driven by
// playwright-core + Debian chromium. Opens a workspace of shared models, opens an .onnx and waits for
// the graph inside the webview, opens a Keras JSON and checks its lenses, opens its graph from the lens.
// Screenshots go to test-results/ui-<mode>-*.png.
//
//   node test/ui/graph.ui.mjs [--mode dev|vsix] [--vsix FILE]
//     dev   load the extension from this folder (payload extensionDevelopmentPath)
//     vsix  install FILE (default: the newest modellens-*.vsix) with `code-server --install-extension`
// Exit code 0 pass, 1 fail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, TIMEOUT, launchBrowser, log, makeSampleWorkspace, onSignals, startCodeServer } from '../../scripts/e2e/harness.mjs';

const { values: opts } = parseArgs({ options: { mode: { type: 'string', default: 'dev' }, vsix: { type: 'string' } } });
if (!['dev', 'vsix'].includes(opts.mode)) throw new Error(`--mode must be dev or vsix, got ${opts.mode}`);

const ONNX = 'squeezenet1_0.onnx';
const KERAS = 'k2_advml_autoencoder_seq.json';
const SAMPLES = [`onnx/${ONNX}`, 'onnx/mobilenet_v3_small.onnx', `keras/${KERAS}`, 'keras/tfjs_k2_tensorspace_vgg16.json'];
const results = path.join(ROOT, 'test-results');
const shot = (name) => path.join(results, `ui-${opts.mode}-${name}.png`);

const steps = [];
let server;
let browser;
let failed = false;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modellens-ui-'));
let cleanupPromise;
const cleanup = () => (cleanupPromise ??= (async () => {
  await browser?.close().catch(() => {});
  await server?.stop().catch(() => {});
  fs.rmSync(scratch, { recursive: true, force: true });
})());
onSignals(cleanup);

const tAll = Date.now();
async function step(name, f) {
  const t = Date.now();
  await f();
  steps.push(`${name} ${((Date.now() - t) / 1000).toFixed(1)}s`);
  log(`ok: ${name} (${Date.now() - t} ms)`);
}

/** Nodes drawn in the visible graph webviews (iframe.webview > iframe#active-frame > svg g.node). */
async function graphNodeCount(page) {
  let n = 0;
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    n += await f.evaluate(() => document.querySelectorAll('svg g.node').length).catch(() => 0);
  }
  return n;
}

/** The graph view's last paint info (webview/app.ts sets window.__modellensPaint), per webview frame. */
async function paints(page) {
  const out = [];
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    const p = await f.evaluate(() => window.__modellensPaint).catch(() => undefined);
    if (p) out.push(p);
  }
  return out;
}

/** JSON.parse of the `<script type="application/json" id=ID>` data island in any webview frame. */
async function webviewJson(page, id) {
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    const t = await f.evaluate((i) => document.getElementById(i)?.textContent, id).catch(() => undefined);
    if (t) return JSON.parse(t);
  }
  return undefined;
}

/**
 * Waits until `f` gives the same (JSON) value on consecutive polls 150 ms apart: the fit-to-view
 * transition, a re-layout or re-rendered lenses have settled, so a screenshot shows the final state.
 */
async function settled(what, f, timeout = TIMEOUT) {
  let last;
  return waitUntil(`${what} to settle`, async () => {
    const v = JSON.stringify(await f());
    const same = v !== undefined && v === last;
    last = v;
    if (!same) await new Promise((r) => setTimeout(r, 150));
    return same;
  }, timeout);
}

/** Every webview's viewport transform and node count: stable once the graphs stop moving. */
async function graphState(page) {
  const out = [];
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    out.push(await f.evaluate(() => {
      const g = document.querySelector('svg g.viewport, svg > g');
      return [document.querySelectorAll('svg g.node').length, g?.getAttribute('transform') ?? '', getComputedStyle(g ?? document.body).transform];
    }).catch(() => null));
  }
  return out;
}

async function waitUntil(what, f, timeout = TIMEOUT) {
  const until = Date.now() + timeout;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeout} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Ctrl+P, type the name, Enter (retried until the remote file search lists it). */
async function quickOpen(page, name) {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
  const until = Date.now() + TIMEOUT;
  for (let attempt = 1; ; attempt++) {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 12 } }).catch(() => {});
    await page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill(name);
    try {
      await row.waitFor({ timeout: 10000 });
      break;
    } catch (e) {
      if (Date.now() > until) throw new Error(`quick open never listed ${name} (${attempt} tries): ${e.message}`);
      await page.keyboard.press('Escape');
    }
  }
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab', { hasText: name }).first().waitFor({ timeout: TIMEOUT });
  await page.mouse.move(150, 700); // off the title bar, whose hover tooltip would cover screenshots
}

try {
  fs.mkdirSync(results, { recursive: true });
  const ws = path.join(scratch, 'models');
  const copied = makeSampleWorkspace(ws, SAMPLES);
  if (copied.length !== SAMPLES.length) throw new Error(`sample models missing from ../shared/models (${copied.length}/${SAMPLES.length} copied)`);

  let vsix;
  if (opts.mode === 'vsix') {
    vsix = opts.vsix ?? fs.readdirSync(ROOT).filter((f) => /^modellens-.*\.vsix$/.test(f)).map((f) => path.join(ROOT, f))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
    if (!vsix || !fs.existsSync(vsix)) throw new Error('no .vsix: run `npm run package` first or pass --vsix');
  }
  server = await startCodeServer({ installVsix: vsix });
  browser = await launchBrowser();
  const { page } = browser;
  page.on('pageerror', (e) => log('[pageerror]', e.message));

  const payload = [['skipWelcome', 'true'], ['skipReleaseNotes', 'true']];
  if (opts.mode === 'dev') payload.push(['extensionDevelopmentPath', server.remoteUri(ROOT)]);
  await step('workbench', async () => {
    await page.goto(server.workbenchUrl(ws, payload));
    await page.locator('.monaco-workbench').waitFor({ timeout: TIMEOUT });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: TIMEOUT });
  });

  await step(`open ${ONNX}: graph drawn in the custom editor`, async () => {
    await quickOpen(page, ONNX);
    // squeezenet1_0 has 65 ONNX nodes (onnx_manifest.json); the view may collapse groups, so any
    // drawn node proves the webview got the analysis and laid it out.
    const n = await waitUntil('graph nodes in the webview', () => graphNodeCount(page));
    log(`graph nodes drawn: ${n}`);
    // The first paint uses a quick layout; the final one comes from ELK in a blob: worker, which
    // proves the webview's CSP (worker-src blob:) works in a real VS Code webview.
    const final = await waitUntil('the final (ELK) layout', async () => (await paints(page)).find((p) => p.final));
    log(`final paint: ${final.layers} layers, engine ${final.engine}, layout ${Math.round(final.layoutMs)} ms, open->paint ${Math.round(final.totalMs)} ms`);
    if (final.engine !== 'elk') throw new Error(`final layout engine is ${final.engine}, expected elk (is the blob: worker blocked?)`);
    await settled('the fitted graph', () => graphState(page));
    await page.screenshot({ path: shot('onnx-graph') });
  });

  await step('a Conv node\'s details: every attribute, inputs with full shapes, weights with storage', async () => {
    // Find the graph frame, click the first Conv (squeezenet's features.0: 7×7 stride 2, 96 filters).
    let frame;
    await waitUntil('the graph frame', async () => {
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        if (await f.locator('svg.graph g.node.kind-layer').count().catch(() => 0)) { frame = f; return true; }
      }
      return false;
    });
    await frame.locator('svg.graph g.node.kind-layer', { hasText: 'Conv' }).first().locator('.body').click();
    await frame.locator('.side-body tr[data-attr="kernel_shape"]').waitFor({ timeout: TIMEOUT });
    // data-attr names and the cells' text (textContent: the data, not how it wraps on screen).
    const attrs = await frame.locator('.side-body table.attrs tr').evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-attr')}=${tr.querySelector('td').textContent}`));
    log('attributes:', attrs.join(' '));
    for (const want of ['kernel_shape=[7, 7]', 'strides=[2, 2]', 'group=1']) if (!attrs.includes(want)) throw new Error(`attribute ${want} missing: ${attrs.join(', ')}`);
    const storage = await frame.locator('.side-body .tensor-storage').first().textContent();
    if (!/^in the model file at byte [\d,]+$/.test(storage)) throw new Error(`weight storage: ${storage}`);
    await page.mouse.move(150, 700);
    await page.screenshot({ path: shot('details') });
  });

  await step('Benchmark Model on the ONNX editor: ONNX Runtime runs it and the report opens', async () => {
    // In the .vsix run this proves the packaged ONNX Runtime (dist/node_modules/) loads in the extension host.
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 12 } }).catch(() => {});
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill('>ModelLens: Benchmark Model');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Benchmark Model' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    // The report view carries its numbers as data (#modellens-report, src/extension/benchReport.ts): read
    // that, never the rendered text, whose line breaks depend on the window width and the numbers' length.
    const report = await waitUntil('the benchmark report view', () => webviewJson(page, 'modellens-report'), 3 * TIMEOUT);
    log('benchmark:', report.runtime, report.backend, `median ${report.medianMs} ms, p90 ${report.p90Ms} ms over ${report.runs} runs`);
    if (report.name !== ONNX) throw new Error(`the report is of ${report.name}, expected ${ONNX}`);
    if (report.runtime !== 'onnxruntime-node') throw new Error(`benchmark ran on "${report.runtime}", expected onnxruntime-node`);
    if (!(report.medianMs > 0 && report.p90Ms >= report.medianMs && report.runs === 20)) throw new Error(`implausible latency: ${JSON.stringify(report)}`);
    if (!report.markdown.startsWith(`# Benchmark: ${ONNX}\n`)) throw new Error('the report\'s Markdown has no heading');
    if (await page.locator('.tabs-container .tab', { hasText: 'Untitled' }).count()) throw new Error('an Untitled buffer was opened');
    await waitUntil('the report tab', () => page.locator('.tabs-container .tab', { hasText: `Benchmark: ${ONNX}` }).count());
    await page.mouse.move(150, 700); // off the title bar, whose hover tooltip would cover the screenshot
    await page.screenshot({ path: shot('benchmark') });
    // Close the report (nothing to save: it is a view, not a buffer), so the next editors get the width.
    const tab = page.locator('.tabs-container .tab', { hasText: `Benchmark: ${ONNX}` });
    await tab.hover();
    await tab.locator('.tab-actions .action-label').first().click();
    await waitUntil('the report tab to close', async () => (await tab.count()) === 0);
  });

  await step(`open ${KERAS}: totals, "Open graph" and per-layer lenses`, async () => {
    await quickOpen(page, KERAS);
    const lenses = page.locator('.monaco-editor .codelens-decoration a');
    // Lenses re-render when the analysis lands (onDidChangeCodeLenses), so read the titles in the same
    // poll that sees them, not in a second read that can fall between two renders.
    const titles = await waitUntil('the totals, "Open graph" and Dense lenses', async () => {
      const t = (await lenses.allTextContents()).map((x) => x.trim());
      return t.includes('Open graph') && t.some((x) => x.startsWith('Dense · ')) ? t : undefined;
    });
    log('lenses:', JSON.stringify(titles));
    if (!titles.some((t) => /^ModelLens: .* params · .* MACs/.test(t))) throw new Error('no totals lens');
    // Dense 784 -> 260 with bias: 784*260 + 260 = 204,100 params -> "204.1K" (hand computation).
    if (!titles.some((t) => t.startsWith('Dense · 204.1K params'))) throw new Error('no per-layer Dense lens with 204.1K params');
    await page.screenshot({ path: shot('keras-lenses') });
  });

  await step('"Open graph" lens opens the Keras graph beside', async () => {
    const before = await graphNodeCount(page);
    await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Open graph' }).first().click();
    await waitUntil('a second graph', async () => (await graphNodeCount(page)) > before);
    await settled('the Keras graph', () => graphState(page));
    await page.screenshot({ path: shot('keras-graph') });
  });

  await step('a ⚡ hint lens opens the preview with its diff graph and delta table', async () => {
    // Back to the JSON editor (the graph opened beside it).
    await quickOpen(page, KERAS);
    const hint = page.locator('.monaco-editor .codelens-decoration a', { hasText: '⚡' }).first();
    await hint.waitFor({ timeout: TIMEOUT });
    const title = (await hint.textContent()).trim();
    log('hint lens:', title);
    // Named layer, and both shares stated (src/extension/hints.ts savingsText).
    if (!/^⚡ low rank dense_4\d: −\d+% (params|MACs) of this layer, −\d+(\.\d)?% of the model$/.test(title)) throw new Error(`unexpected hint lens ${title}`);
    await hint.click();
    const rows = await waitUntil('the preview delta table', async () => {
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        const r = await f.evaluate(() => {
          const t = document.getElementById('delta-table');
          if (!t) return undefined;
          return [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent.trim()));
        }).catch(() => undefined);
        if (r?.length) return { rows: r, frame: f };
      }
      return undefined;
    });
    log('delta table:', JSON.stringify(rows.rows));
    const params = rows.rows.find((r) => r[0] === 'Parameters');
    if (!params || !params[3].startsWith('−')) throw new Error(`no parameter savings in the preview: ${JSON.stringify(rows.rows)}`);
    const diff = await rows.frame.evaluate(() => [...document.querySelectorAll('.diff-node')].map((g) => g.getAttribute('data-status')));
    // Keras low-rank: the Dense becomes its second factor (changed) after a new first factor (added).
    if (!diff.includes('added') || !(diff.includes('removed') || diff.includes('changed'))) throw new Error(`diff graph statuses: ${diff.join(',')}`);
    await settled('the preview', () => graphState(page));
    await page.screenshot({ path: shot('preview') });
    // Apply: one WorkspaceEdit of the JSON (the preview closes, the editor is dirty); Ctrl+Z undoes it.
    await rows.frame.locator('#preview-apply').click();
    await waitUntil('the preview to close', async () => !(await page.locator('.tabs-container .tab', { hasText: 'Preview:' }).count()));
    const lensTexts = async () => (await page.locator('.monaco-editor .codelens-decoration a').allTextContents()).map((x) => x.trim());
    // dense_40 is now the second factor (rank r, no bias): its lens no longer says 204.1K params.
    await waitUntil('the lenses of the edited JSON', async () => {
      const t = await lensTexts();
      return t.some((x) => x.startsWith('Dense · ')) && !t.some((x) => x.startsWith('Dense · 204.1K params')) ? t : undefined;
    });
    await settled('the lenses of the edited JSON', lensTexts);
    await page.screenshot({ path: shot('applied') });
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Z');
    await waitUntil('undo to restore the 204.1K-param Dense lens', async () => (await lensTexts()).some((x) => x.startsWith('Dense · 204.1K params')));
  });
} catch (err) {
  failed = true;
  console.error('UI FAILED:', err?.stack || err);
  if (browser) await browser.page.screenshot({ path: shot('failure') }).then(() => console.error('failure screenshot:', shot('failure'))).catch(() => {});
  if (server) {
    try { console.error('--- code-server log (tail) ---\n' + fs.readFileSync(server.logFile, 'utf8').split('\n').slice(-30).join('\n')); } catch { /* ignore */ }
  }
} finally {
  await cleanup();
}
log(`ui(${opts.mode}): ${failed ? 'FAIL' : 'PASS'} in ${((Date.now() - tAll) / 1000).toFixed(1)} s [${steps.join('; ')}]`);
console.log(`ui-${opts.mode}: ${steps.length} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);
