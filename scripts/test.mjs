#!/usr/bin/env node
// `npm test`: every suite, in the order their set-up needs, each step timed; later steps still run when
// an earlier suite failed (one run reports everything), but not when a set-up step failed.
//   1. deps      scripts/test-deps.sh (python3-onnx, torch, torchvision from apt; reference models)
//   2. e2e setup scripts/e2e/setup.sh (chromium, code-server 4.100.3, playwright-core; .vscode-e2e/)
//   3. typecheck tsc --noEmit
//   4. unit      mocha test/unit (with the reference models of step 1)
//   5. webview   the graph webview in headless chromium against real analyses
//   6. e2e       integration suite in code-server, UI suite (dev and installed .vsix), packaging
// Ends with one line "test: N passed, N failed" summed over the suites' own counts.
//   node scripts/test.mjs [--skip-deps]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const refModels = process.env.MODELLENS_REF_MODELS ?? path.join(ROOT, '.cache', 'reference-models');
const skipDeps = process.argv.includes('--skip-deps');

/** [name, command, args, setup?]: a failed set-up step stops the run. */
const steps = [
  ...(skipDeps ? [] : [
    ['deps', 'bash', [path.join(ROOT, 'scripts/test-deps.sh')], true],
    ['e2e setup', 'bash', [path.join(ROOT, 'scripts/e2e/setup.sh')], true],
  ]),
  ['typecheck', bin('tsc'), ['-p', '.', '--noEmit'], true],
  ['unit', bin('mocha'), []],
  ['webview', bin('mocha'), ['--no-config', '-r', 'tsx/cjs', '--timeout', '180000', 'test/webview/*.test.ts']],
  ['e2e', node, [path.join(ROOT, 'scripts/e2e/run.mjs'), '--skip-setup']],
];

/** Counts from mocha ("12 passing", "1 failing", "2 pending") and the e2e suites ("x: 4 passed, 0 failed"). */
function count(text) {
  const n = (re) => [...text.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
  return {
    passed: n(/^\s*(\d+) passing\b/gm) + n(/^[\w-]+: (\d+) passed, \d+ failed\b/gm),
    failed: n(/^\s*(\d+) failing\b/gm) + n(/^[\w-]+: \d+ passed, (\d+) failed\b/gm),
    pending: n(/^\s*(\d+) pending\b/gm),
  };
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, MODELLENS_REF_MODELS: refModels }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('error', (e) => { console.error(`cannot run ${cmd}: ${e.message}`); resolve({ status: 1, out }); });
    child.on('close', (status) => resolve({ status, out }));
  });
}

const summary = [];
const total = { passed: 0, failed: 0, pending: 0 };
let failed = false;
const t0 = Date.now();
for (const [name, cmd, args, setup] of steps) {
  console.log(`\n===== test: ${name} =====`);
  const t = Date.now();
  const { status, out } = await run(cmd, args);
  const c = count(out);
  for (const k of Object.keys(total)) total[k] += c[k];
  const ok = status === 0;
  const counts = c.passed + c.failed ? ` (${c.passed} passed, ${c.failed} failed${c.pending ? `, ${c.pending} pending` : ''})` : '';
  summary.push(`${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(10)} ${((Date.now() - t) / 1000).toFixed(1).padStart(7)} s${counts}`);
  if (!ok) {
    failed = true;
    if (setup) break;
  }
}
console.log(`\n===== test summary (${((Date.now() - t0) / 1000).toFixed(0)} s) =====\n${summary.join('\n')}`);
if (failed && total.failed === 0) total.failed = 1; // a step failed without a test failing (a set-up or a crash)
console.log(`test: ${total.passed} passed, ${total.failed} failed${total.pending ? `, ${total.pending} skipped` : ''}`);
process.exit(failed ? 1 : 0);
