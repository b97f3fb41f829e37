/**
 * Integration suite entry (the @vscode/test-electron `extensionTestsPath` contract: export run()).
 * Runs inside the Node extension host of a real VS Code: code-server here (scripts/e2e/run.mjs),
 * desktop VS Code through @vscode/test-electron where it can be downloaded (runElectron.mjs).
 */
import path from 'node:path';
import { readdirSync } from 'node:fs';

export function run(): Promise<void> {
  // mocha 11 is CommonJS; 12+ is ESM-only (require() then returns a namespace with .default).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require('mocha');
  const Mocha = m.default ?? m;
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60000, reporter: 'spec' });
  const grep = process.env.MODELLENS_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const f of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures: number) => {
      const s = runner.stats ?? {};
      // One machine-readable line; the runner turns it into "ext-tests: N passed, N failed".
      console.log('vscode-e2e-result: ' + JSON.stringify({ passed: s.passes ?? 0, failed: s.failures ?? 0, skipped: s.pending ?? 0 }));
      if (failures) reject(new Error(`${failures} integration tests failed`));
      else resolve();
    });
  });
}
