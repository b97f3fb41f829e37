#!/usr/bin/env node
// The same integration suite in desktop VS Code through @vscode/test-electron, for machines that can
// download VS Code (it cannot be downloaded here; scripts/e2e/integration.mjs runs it in code-server).
//
//   node scripts/build.mjs --tests && node test/integration/runElectron.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { INTEGRATION_SAMPLES } from '../../scripts/e2e/samples.mjs';
import { makeSampleWorkspace } from '../../scripts/e2e/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'modellens-electron-'));
const copied = makeSampleWorkspace(ws, INTEGRATION_SAMPLES);
if (copied.length !== INTEGRATION_SAMPLES.length) {
  console.error('sample models missing from ../shared/models');
  process.exit(2);
}
try {
  await runTests({
    version: '1.100.3', // the engines.vscode floor the extension is tested against
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/integration/index.js'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (e) {
  console.error('integration (electron) failed:', e?.message ?? e);
  process.exitCode = 1;
} finally {
  fs.rmSync(ws, { recursive: true, force: true });
}
