// Callbacks passed to page.evaluate run in the browser; the root tsconfig has no DOM lib.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any;
import type { Browser, Page } from 'playwright-core';
import type { HostToWebview } from '../../webview/protocol';
import type { Harness } from './harness';

export interface Paint {
  seq: number;
  nodes: number;
  edges: number;
  layers: number;
  engine: string;
  layoutMs: number;
  totalMs: number;
  final: boolean;
  phases: Record<string, number>;
  /** Page clock from just before postMessage to two animation frames after the draw. */
  postToPaintMs: number;
}

export async function openWebview(browser: Browser, h: Harness, theme: 'dark' | 'light', size = { width: 1440, height: 900 }, savedState?: unknown): Promise<Page> {
  const page = await browser.newPage({ viewport: size, deviceScaleFactor: 1 });
  if (savedState !== undefined) await page.addInitScript(`window.__initialState = ${JSON.stringify(savedState)};`);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  (page as unknown as { __errors: string[] }).__errors = errors;
  await page.goto(h.url(theme));
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m: { type: string }) => m.type === 'ready'), undefined, { timeout: 120000 });
  return page;
}

export function pageErrors(page: Page): string[] {
  return (page as unknown as { __errors: string[] }).__errors;
}

/**
 * Posts a host message the way VS Code delivers it (a window message event) and waits for the paint:
 * the first one, or with `final` the one with ELK's layout.
 */
export async function post(page: Page, msg: HostToWebview, opts: { final?: boolean; timeoutMs?: number } = {}): Promise<Paint> {
  const final = opts.final ?? false;
  const timeoutMs = opts.timeoutMs ?? 30000;
  return page.evaluate(({ msg, timeoutMs, final }) => new Promise<Paint>((resolve, reject) => {
    const t0 = performance.now();
    const timer = setTimeout(() => reject(new Error('no paint within timeout')), timeoutMs);
    // No named helpers in here: tsx wraps them in a __name() call that does not exist in the page.
    let done = false;
    window.addEventListener('modellens-paint', (e: { detail: unknown }) => {
      const d = e.detail as Paint;
      if (done || (final && !d.final)) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...d, postToPaintMs: performance.now() - t0 });
    });
    window.postMessage(msg, '*');
  }), { msg, timeoutMs, final });
}

export async function posted(page: Page): Promise<{ type: string; [k: string]: unknown }[]> {
  return page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
}

export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
}
