import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { buildBundle } from './bundle';
import { CHROMIUM, CHROMIUM_ARGS, ROOT, startHarness, type Harness } from './harness';

export const OUT = path.join(ROOT, 'test-results');

export interface WebviewSession {
  browser: Browser;
  harness: Harness;
}

/**
 * Mocha hooks of a webview suite: build the bundle, serve it, launch headless Chromium (failing loudly
 * when it is missing); close both after. The fields are set once `before` has run.
 */
export function webviewSession(): WebviewSession {
  const s = {} as WebviewSession;
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    mkdirSync(OUT, { recursive: true });
    await buildBundle();
    s.harness = await startHarness();
    s.browser = await chromium.launch({ headless: true, executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await s.browser?.close();
    await s.harness?.close();
  });
  return s;
}
