#!/usr/bin/env node
// Runs the integration suite (test/integration, compiled to out/test/integration by
// `node scripts/build.mjs --tests`) inside code-server's Node extension host, with the real `vscode`
// API, against a temporary workspace of shared sample models.
//
//   node scripts/e2e/integration.mjs [--grep PATTERN] [--verbose]
//
// code-server's CLI rejects --extensionDevelopmentPath/--extensionTestsPath, but the web workbench
// reads both from the URL payload; a headless chromium page is the client the extension host needs.
// When run() settles the workbench calls window.codeAutomationExit(code). Exit status: 0 pass,
// 1 tests failed, 2 harness error or timeout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { ROOT, TIMEOUT, launchBrowser, log, makeSampleWorkspace, onSignals, startCodeServer } from './harness.mjs';
import { INTEGRATION_SAMPLES } from './samples.mjs';


const { values: opts } = util.parseArgs({
  options: {
    grep: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    timeout: { type: 'string', default: String(Math.max(TIMEOUT, 300000)) },
  },
});

const entry = path.join(ROOT, 'out', 'test', 'integration', 'index.js');
const NOISE = /Creating a socket|connection token|\[Service Worker\]|ChatSessionStore|additional builtin extensions|Updating additional builtin/;
let server;
let browser;
let exitCode = 2;
let counts;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modellens-it-'));
const tAll = Date.now();
let cleanupPromise;
const cleanup = () => (cleanupPromise ??= (async () => {
  await browser?.close().catch(() => {});
  await server?.stop().catch(() => {});
  fs.rmSync(scratch, { recursive: true, force: true });
})());
onSignals(cleanup);

try {
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run \`node scripts/build.mjs --tests\` first`);
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run the build first');
  const ws = path.join(scratch, 'models');
  const copied = makeSampleWorkspace(ws, INTEGRATION_SAMPLES);
  if (copied.length !== INTEGRATION_SAMPLES.length) {
    throw new Error(`sample models missing from ../shared/models: ${INTEGRATION_SAMPLES.filter((s) => !copied.some((c) => c.endsWith(path.basename(s)))).join(', ')}`);
  }
  server = await startCodeServer({ env: opts.grep ? { MODELLENS_TEST_GREP: opts.grep } : {} });
  browser = await launchBrowser();
  const { page } = browser;
  let onExit;
  const exited = new Promise((resolve) => { onExit = resolve; });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = util.format(...(Array.isArray(args) ? args : [args]));
    const m = /^vscode-e2e-result: (\{.*\})\s*$/.exec(line);
    if (m) { try { counts = JSON.parse(m[1]); } catch { /* ignore */ } return; }
    if (opts.verbose || !NOISE.test(line)) console.log(`[vscode/${type}] ${line}`);
  });
  await page.exposeFunction('codeAutomationExit', (code) => onExit(code));
  page.on('pageerror', (e) => log('[pageerror]', e.message));
  const url = server.workbenchUrl(ws, [
    ['extensionDevelopmentPath', server.remoteUri(ROOT)],
    ['extensionTestsPath', server.remoteUri(entry)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ]);
  log('open', url);
  await page.goto(url);
  const result = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), Number(opts.timeout)))]);
  if (result === 'timeout') {
    const shot = path.join(ROOT, 'test-results', 'integration.timeout.png');
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot }).catch(() => {});
    console.error(`no result after ${opts.timeout} ms (screenshot: ${shot})`);
  } else {
    exitCode = Number(result) === 0 ? 0 : 1;
  }
} catch (err) {
  console.error('HARNESS ERROR:', err?.stack || err);
  exitCode = 2;
} finally {
  await cleanup();
}
const c = counts ?? { passed: exitCode === 0 ? 1 : 0, failed: exitCode === 0 ? 0 : 1, skipped: 0 };
log(`integration: ${exitCode === 0 ? 'PASS' : 'FAIL'} in ${((Date.now() - tAll) / 1000).toFixed(1)} s`);
console.log(`integration: ${c.passed} passed, ${c.failed || (exitCode ? 1 : 0)} failed${c.skipped ? `, ${c.skipped} skipped` : ''}`);
process.exit(exitCode);
