/**
 * The graph view's overlays in a narrow panel (a graph opened beside a Keras JSON editor): the heat
 * legend, the status line and the side panel must not cover one another. Screenshots go to test-results/.
 * Needs /usr/bin/chromium (Debian package "chromium"); fails if it is missing.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { analyzeModel } from '../../src/core/analysis/analyze';
import { loadModel } from '../../src/core/formats';
import { findMotifs } from '../../src/core/motifs/index';
import { openWebview, pageErrors, post } from './driver';
import { ROOT } from './harness';
import { webviewSession } from './session';

// Callbacks passed to page.evaluate run in the browser; the root tsconfig has no DOM lib.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;
type DOMRect = Box;

const OUT = path.join(ROOT, 'test-results');
const KERAS = path.resolve(ROOT, '../shared/models/keras/k2_advml_autoencoder_seq.json');

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function box(l: Locator, what: string): Promise<Box> {
  const b = await l.boundingBox();
  assert.ok(b && b.width > 0 && b.height > 0, `${what} is not visible`);
  return b;
}

describe('graph webview layout in a narrow panel', function () {
  this.timeout(180000);
  const session = webviewSession();

  it('the graph stays in view when the panel narrows (an editor split beside it), until the user moves it', async () => {
    const a = analyzeModel(await loadModel(KERAS), { dims: { batch: 1 } });
    const page = await openWebview(session.browser, session.harness, 'dark', { width: 1400, height: 800 });
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
    await page.setViewportSize({ width: 520, height: 800 });
    // The view re-fits after the resize: wait until every node is inside the graph pane (checked below).
    await page.waitForFunction(() => {
      const pane = document.querySelector('.legend-host').parentElement.getBoundingClientRect();
      return [...document.querySelectorAll('svg.graph g.node')].every((n: { getBoundingClientRect(): DOMRect }) => {
        const b = n.getBoundingClientRect();
        return b.x >= pane.x - 0.5 && b.x + b.width <= pane.x + pane.width + 0.5;
      });
    }, undefined, { timeout: 30000 });
    const pane = await box(page.locator('.legend-host').locator('..'), 'graph pane');
    const nodes = await page.locator('svg.graph g.node').all();
    assert.equal(nodes.length, 5, 'input, Dense, BatchNormalization, Dense, output');
    for (const n of nodes) {
      const b = await box(n, 'a node');
      assert.ok(b.x >= pane.x - 0.5 && b.x + b.width <= pane.x + pane.width + 0.5, `node ${JSON.stringify(b)} outside the pane ${JSON.stringify(pane)}`);
    }
    await page.close();
  });

  it('at 360 px the side panel goes below the graph instead of squeezing it', async () => {
    const a = analyzeModel(await loadModel(KERAS), { dims: { batch: 1 } });
    const page = await openWebview(session.browser, session.harness, 'dark', { width: 360, height: 800 });
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
    const pane = await box(page.locator('.legend-host').locator('..'), 'graph pane');
    const side = await box(page.locator('aside.side'), 'side panel');
    assert.ok(pane.width >= 340, `graph pane ${pane.width} px wide of 360`);
    assert.ok(pane.height >= 250, `graph pane ${pane.height} px high`);
    assert.ok(side.y >= pane.y + pane.height - 0.5, 'the side panel is below the graph');
    await page.screenshot({ path: path.join(OUT, 'webview-narrow-360-dark.png') });
    await page.close();
  });

  for (const theme of ['dark', 'light'] as const) {
    for (const width of [520, 760]) {
      it(`${theme}, ${width} px: heat legend, status line and side panel do not overlap; the legend fits the graph pane`, async () => {
        // The batch dim bound as the extension does by default (modellens.defaultDims).
        const a = analyzeModel(await loadModel(KERAS), { dims: { batch: 1 } });
        const page = await openWebview(session.browser, session.harness, theme, { width, height: 800 });
        // As the host does: the analysis, then the view state restored with it.
        await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
        await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a), state: { metric: 'macs' } }, { final: true });
        const legend = await box(page.locator('.legend.heat'), 'heat legend');
        const status = await box(page.locator('#status'), 'status line');
        const pane = await box(page.locator('.legend-host').locator('..'), 'graph pane');
        assert.ok(!overlap(legend, status), `legend ${JSON.stringify(legend)} covers status ${JSON.stringify(status)}`);
        assert.ok(legend.x >= pane.x && legend.x + legend.width <= pane.x + pane.width + 0.5, `legend ${JSON.stringify(legend)} overflows the graph pane ${JSON.stringify(pane)}`);
        assert.ok(status.x + status.width <= pane.x + pane.width + 0.5, 'status line overflows the graph pane');
        await page.screenshot({ path: path.join(OUT, `webview-narrow-${width}-${theme}.png`) });
        assert.deepEqual(pageErrors(page), []);
        await page.close();
      });
    }
  }
});
