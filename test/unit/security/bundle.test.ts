// Nothing from a model file is ever executed, and the shipped code cannot compile strings into code:
// the built bundles contain no `eval(` and no `new Function` (protobuf decoding uses the static schema).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

describe('built bundles', () => {
  it('contain no eval( and no new Function (every dist/**/*.js, after a fresh build)', function () {
    this.timeout(120_000);
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'pipe' });
    const files = readdirSync(path.join(root, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    for (const f of ['extension.js', 'worker.js', 'runtimeWorker.js', path.join('webview', 'main.js')]) assert.ok(files.includes(f), `dist/${f} was not built`);
    const hits: string[] = [];
    for (const f of files) {
      const text = readFileSync(path.join(root, 'dist', f), 'utf8');
      for (const re of [/\beval\s*\(/g, /\bnew\s+Function\s*\(/g]) {
        for (const m of text.matchAll(re)) hits.push(`dist/${f}: ${text.slice(Math.max(0, m.index! - 60), m.index! + 40).replace(/\s+/g, ' ')}`);
      }
    }
    assert.deepEqual(hits, []);
  });
});
