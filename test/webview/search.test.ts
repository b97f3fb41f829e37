/**
 * Search in the graph view (headless Chromium): Esc empties the box and ends the search; Enter steps
 * through the matches and the current one is marked apart from the others.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { analyzeModel } from '../../src/core/analysis/analyze';
import { loadModel } from '../../src/core/formats';
import { findMotifs } from '../../src/core/motifs/index';
import { openWebview, pageErrors, post } from './driver';
import { ROOT } from './harness';
import { OUT, webviewSession } from './session';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any, getComputedStyle: any;
type Element = unknown;

describe('graph search in headless Chromium', function () {
  this.timeout(180000);
  const session = webviewSession();

  it('Enter marks the current match apart from the others; Esc clears the box and the highlight', async () => {
    const a = analyzeModel(await loadModel(path.resolve(ROOT, '../shared/models/onnx/squeezenet1_0.onnx')), { dims: {} });
    const page = await openWebview(session.browser, session.harness, 'dark', { width: 1200, height: 900 });
    await post(page, { type: 'analysis', analysis: a, motifs: findMotifs(a) }, { final: true });
    const convs = a.layers.filter((l) => l.type === 'Conv').map((l) => l.id);
    await page.keyboard.press('/');
    await page.keyboard.type('Conv');
    await page.locator('svg.graph.searching').waitFor();
    assert.equal(await page.locator('svg.graph g.node.match').count(), convs.length);
    assert.equal(await page.locator('svg.graph g.node.match.current').count(), 0, 'no current match before Enter');

    await page.keyboard.press('Enter');
    await page.locator('svg.graph g.node.match.current').waitFor();
    assert.equal(await page.locator('svg.graph g.node.current').count(), 1);
    assert.equal(await page.locator('svg.graph g.node.current').getAttribute('data-id'), convs[0]);
    assert.equal(await page.locator('.search-count').textContent(), `1/${convs.length}`);
    // The current match looks different from the other matches (its outline).
    const stroke = (sel: string) => page.locator(sel).first().locator('.body').evaluate((el: Element) => {
      const s = getComputedStyle(el);
      return `${s.stroke} ${s.strokeWidth}`;
    });
    assert.notEqual(await stroke('svg.graph g.node.match.current'), await stroke('svg.graph g.node.match:not(.current)'));
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('svg.graph g.node.current').getAttribute('data-id'), convs[1]);
    await page.screenshot({ path: path.join(OUT, 'webview-search-current-dark.png') });

    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('svg.graph.searching'));
    const box = await page.locator('#search').evaluate((el: { value: string; shadowRoot: { querySelector(s: string): { value: string } | null } | null }) => [el.value, el.shadowRoot?.querySelector('input')?.value ?? null]);
    assert.deepEqual(box, ['', ''], 'the box is empty, in the component and in its inner input');
    assert.equal(await page.locator('svg.graph g.node.current').count(), 0);
    assert.equal(await page.locator('.search-count').textContent(), '');
    // Searching again starts from the first match.
    await page.keyboard.press('/');
    await page.keyboard.type('Conv');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('svg.graph g.node.current').getAttribute('data-id'), convs[0]);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});
