// `npm run package`: build, then pack dist/ + media/ into modellens-<version>.vsix with @vscode/vsce
// (offline). --no-dependencies: the JavaScript is bundled into dist/; the binaries that cannot be
// (ONNX Runtime for this platform, tfjs wasm) are in dist/node_modules/, so the package is
// platform-specific (--target, e.g. linux-x64). Prints the size and the file list.
//
//   node scripts/package.mjs [--out FILE]
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { unzipSync } from 'fflate';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = path.resolve(values.out ?? path.join(root, `${pkg.name}-${pkg.version}.vsix`));
const t0 = Date.now();

// vsce runs the `vscode:prepublish` script (the production build) itself.
const vsce = createRequire(path.join(root, 'package.json')).resolve('@vscode/vsce/vsce');
const target = `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--target', target, '--out', out], {
  cwd: root,
  stdio: 'inherit',
});
if (r.status !== 0) process.exit(r.status ?? 1);

// List what was packed from the archive itself (names and sizes only; nothing is inflated).
const files = [];
unzipSync(readFileSync(out), { filter: (f) => (files.push(f), false) });
const size = statSync(out).size;
console.log(`package: ${path.relative(process.cwd(), out)} ${(size / 1024).toFixed(0)} KiB, ${files.length} entries (${Date.now() - t0} ms)`);
for (const f of files) console.log(`  ${f.name.padEnd(44)} ${(f.originalSize / 1024).toFixed(1).padStart(8)} KiB -> ${(f.size / 1024).toFixed(1).padStart(7)} KiB`);
