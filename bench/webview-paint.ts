// Graph webview: time from posting the analysis message to the first painted frame, in headless
// Chromium (/usr/bin/chromium), for the shared models, a ~1000-layer transformer and a ~10,000-layer
// graph (which opens collapsed), plus frame times while panning.
// Usage: node --import tsx bench/webview-paint.ts   (results also in bench/results/webview-paint.json)
// Callbacks passed to page.evaluate run in the browser; the root tsconfig has no DOM lib.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any;
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Analysis } from '../src/core/analysis/types';
import { loadModel } from '../src/core/formats';
import { findMotifs } from '../src/core/motifs/index';
import { buildBundle } from '../test/webview/bundle';
import { openWebview } from '../test/webview/driver';
import { CHROMIUM, CHROMIUM_ARGS, ROOT, startHarness, type Harness } from '../test/webview/harness';
import { syntheticTransformer } from '../test/webview/synthetic';

const SHARED = path.resolve(ROOT, '../shared/models/onnx');
const RUNS = 3;
/** What the host spends between the webview's "ready" and its post at the least (reading + analysing). */
const HOST_DELAY_MS = 300;

interface Row {
  model: string;
  layers: number;
  drawn: number;
  motifMs: number;
  /** Post -> first painted frame (quick layered layout). */
  firstMs: number;
  /** Post -> painted frame with ELK's layout. */
  elkMs: number;
  layoutMs: number;
  panP95Ms?: number;
  phases?: Record<string, number>;
}

async function realAnalysis(file: string, dims: Record<string, number>): Promise<Analysis> {
  // Imported lazily so the synthetic rows still run while the engine is missing; the error is printed.
  const { analyzeModel } = (await import('../src/core/analysis/analyze')) as { analyzeModel(m: unknown, o: { dims: Record<string, number> }): Analysis };
  return analyzeModel(await loadModel(path.join(SHARED, file)), { dims });
}

async function panFrames(page: Page): Promise<number> {
  const box = (await page.locator('svg.graph').boundingBox())!;
  // A string, not a function: tsx's name-keeping helpers do not exist inside the page.
  await page.evaluate(`(() => {
    window.__frames = []; window.__run = true; window.__last = performance.now();
    const tick = (t) => { window.__frames.push(t - window.__last); window.__last = t; if (window.__run) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 0; i < 60; i++) await page.mouse.move(box.x + box.width / 2 + (i % 20) * 12, box.y + box.height / 2 + i * 6);
  await page.mouse.up();
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __run: boolean };
    w.__run = false;
    return w.__frames.slice(1);
  });
  frames.sort((a, b) => a - b);
  return frames[Math.floor(frames.length * 0.95)] ?? 0;
}

interface Timing {
  firstMs: number;
  elkMs: number;
  first: { nodes: number; engine: string; phases: Record<string, number> };
  elk: { layoutMs: number; phases: Record<string, number> };
}

/** Posts the analysis and times, on the page clock, the first paint and the paint with ELK's layout. */
function timePost(page: Page, msg: unknown): Promise<Timing> {
  return page.evaluate((m) => new Promise<Timing>((resolve, reject) => {
    const t0 = performance.now();
    let first: { at: number; d: Timing['first'] } | undefined;
    const timer = setTimeout(() => reject(new Error('no ELK paint within 120 s')), 120000);
    window.addEventListener('modellens-paint', (e: { detail: unknown }) => {
      const d = (e as { detail: unknown }).detail as { final: boolean; nodes: number; engine: string; layoutMs: number; phases: Record<string, number> };
      const at = performance.now() - t0;
      first ??= { at, d };
      if (!d.final) return;
      clearTimeout(timer);
      resolve({ firstMs: first.at, elkMs: at, first: first.d, elk: { layoutMs: d.layoutMs, phases: d.phases } });
    });
    window.postMessage(m, '*');
  }), msg);
}

async function measure(browser: Browser, h: Harness, name: string, a: Analysis, pan: boolean): Promise<Row> {
  const t0 = performance.now();
  const motifs = findMotifs(a);
  const motifMs = performance.now() - t0;
  const runs: { t: Timing; pan?: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await openWebview(browser, h, 'dark');
    await page.waitForTimeout(HOST_DELAY_MS);
    const t = await timePost(page, { type: 'analysis', analysis: a, motifs });
    runs.push({ t, pan: pan && i === 0 ? await panFrames(page) : undefined });
    await page.close();
  }
  const med = (f: (t: Timing) => number) => runs.map((r) => f(r.t)).sort((x, y) => x - y)[Math.floor(runs.length / 2)];
  return {
    model: name, layers: a.layers.length, drawn: runs[0].t.first.nodes, motifMs: Math.round(motifMs),
    firstMs: Math.round(med((t) => t.firstMs)), elkMs: Math.round(med((t) => t.elkMs)), layoutMs: Math.round(med((t) => t.elk.layoutMs)),
    panP95Ms: runs.find((r) => r.pan !== undefined)?.pan, phases: runs[0].t.elk.phases,
  };
}

/** The 10k graph with every group open (what "Expand" does): time to redraw and frame times while panning. */
async function expandAll(browser: Browser, h: Harness, a: Analysis): Promise<Row> {
  const page = await openWebview(browser, h, 'dark');
  await page.waitForTimeout(HOST_DELAY_MS);
  const first = await timePost(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) });
  const t0 = await page.evaluate(() => performance.now());
  await page.locator('vscode-button[title="Expand all groups"]').click();
  const info = await page.waitForFunction((n: number) => window.__modellensPaint.seq > n && window.__modellensPaint.final && window.__modellensPaint, 2, { timeout: 120000 })
    .then((hnd) => hnd.jsonValue() as Promise<{ nodes: number; layoutMs: number; phases: Record<string, number> }>);
  const ms = (await page.evaluate(() => performance.now())) - t0;
  const pan = await panFrames(page);
  await page.close();
  void first;
  return {
    model: 'synthetic 10k, all groups expanded', layers: a.layers.length, drawn: info.nodes, motifMs: 0,
    firstMs: Math.round(ms), elkMs: Math.round(ms), layoutMs: Math.round(info.layoutMs), panP95Ms: pan, phases: info.phases,
  };
}

async function main(): Promise<void> {
  await buildBundle();
  const h = await startHarness();
  const browser = await chromium.launch({ headless: true, executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const rows: Row[] = [];
  const errors: string[] = [];
  try {
    for (const [file, dims] of [
      ['mobilenet_v3_small.onnx', {}], ['squeezenet1_0.onnx', {}], ['shufflenet_v2_x1_0.onnx', {}],
      ['tiny_bert_dynamic.onnx', { batch: 1, sequence: 128 }],
    ] as [string, Record<string, number>][]) {
      try {
        rows.push(await measure(browser, h, file, await realAnalysis(file, dims), false));
      } catch (e) {
        errors.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    rows.push(await measure(browser, h, 'synthetic transformer (33 blocks)', syntheticTransformer({ blocks: 33 }), true));
    const big = syntheticTransformer({ blocks: 42, stages: 8 });
    rows.push(await measure(browser, h, 'synthetic 10k (8 stages x 42 blocks)', big, true));
    rows.push(await expandAll(browser, h, big));
  } finally {
    await browser.close();
    await h.close();
  }
  console.log(`webview open -> first paint (median of ${RUNS}; host delay ${HOST_DELAY_MS} ms before posting)`);
  console.log(['model', 'layers', 'drawn', 'motifs ms (host)', 'post->first paint ms', 'post->ELK paint ms', 'ELK layout ms', 'pan p95 frame ms', 'phases ms'].join(' | '));
  for (const r of rows) console.log([r.model, r.layers, r.drawn, r.motifMs, r.firstMs, r.elkMs, r.layoutMs, r.panP95Ms?.toFixed(1) ?? '', JSON.stringify(r.phases)].join(' | '));
  for (const e of errors) console.log(`NOT MEASURED ${e}`);
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench/results/webview-paint.json'), JSON.stringify({ rows, errors }, null, 2));
  if (errors.length) process.exitCode = 1;
}

void main();
