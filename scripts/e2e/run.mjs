#!/usr/bin/env node
// `npm run test:e2e`: the whole real-VS-Code pipeline, one step after another, with timings:
//   setup (scripts/e2e/setup.sh -> .vscode-e2e/), build (+ integration tests), integration suite in
//   code-server, UI suite (dev), `npm run package`, UI suite against the installed .vsix.
//
//   node scripts/e2e/run.mjs [--only setup|integration|ui|vsix]... [--skip-setup]
// Every step runs even when an earlier suite failed (so one run reports everything); the exit code
// is non-zero when any step failed.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './harness.mjs';

const { values } = parseArgs({ options: { only: { type: 'string', multiple: true }, 'skip-setup': { type: 'boolean', default: false } } });
const only = new Set(values.only ?? []);
const want = (s) => only.size === 0 || only.has(s);

const node = process.execPath;
const steps = [];
if (!values['skip-setup']) steps.push(['setup', 'bash', [path.join(ROOT, 'scripts/e2e/setup.sh')], true]);
if (want('integration') || want('ui')) steps.push(['build', node, [path.join(ROOT, 'scripts/build.mjs'), '--tests'], true]);
if (want('integration')) steps.push(['integration', node, [path.join(ROOT, 'scripts/e2e/integration.mjs')]]);
if (want('ui')) steps.push(['ui (dev)', node, [path.join(ROOT, 'test/ui/graph.ui.mjs'), '--mode', 'dev']]);
if (want('vsix')) {
  steps.push(['package', node, [path.join(ROOT, 'scripts/package.mjs')], true]);
  steps.push(['ui (vsix)', node, [path.join(ROOT, 'test/ui/graph.ui.mjs'), '--mode', 'vsix']]);
}

const summary = [];
let failed = false;
const t0 = Date.now();
for (const [name, cmd, args, required] of steps) {
  console.log(`\n=== e2e: ${name} ===`);
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  const ok = r.status === 0;
  summary.push(`${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(12)} ${((Date.now() - t) / 1000).toFixed(1).padStart(6)} s`);
  if (!ok) {
    failed = true;
    if (required) break; // later steps need this one
  }
}
console.log(`\n=== e2e summary (${((Date.now() - t0) / 1000).toFixed(1)} s) ===\n${summary.join('\n')}`);
process.exit(failed ? 1 : 0);
