// The one build: dist/extension.js (CJS, `vscode` external), dist/worker.js (the analysis worker
// thread) and the graph webview bundle (webview/build.mjs -> dist/webview/). Everything the extension
// loads at run time is bundled, except binaries (dist/node_modules/: ONNX Runtime, tfjs wasm).
//
//   node scripts/build.mjs [--dev] [--tests]
//     --dev    no minification, linked source maps
//     --tests  also compile the integration suite to out/test/integration/ (run inside VS Code)
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dev = process.argv.includes('--dev');
const withTests = process.argv.includes('--tests');
const t0 = Date.now();

// Modules that may appear in core's import graph but must never be bundled: native addons and
// heavy runtimes are loaded lazily where a feature needs them (and are then not in the .vsix).
const NEVER_BUNDLE = ['vscode', 'onnxruntime-node', '@tensorflow/tfjs-node'];

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: !dev,
  sourcemap: dev ? 'linked' : false,
  external: NEVER_BUNDLE,
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
  // jsonc-parser's UMD entry requires its parts dynamically (esbuild cannot follow that): use its ESM build.
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
  absWorkingDir: root,
};

// A clean dist/: stale files (e.g. source maps of a --dev build) would otherwise end up in the .vsix.
rmSync(path.join(root, 'dist'), { recursive: true, force: true });

const results = await Promise.all([
  build({ ...common, entryPoints: { extension: path.join(root, 'src/extension/extension.ts') }, outdir: path.join(root, 'dist') }),
  build({ ...common, entryPoints: { worker: path.join(root, 'src/extension/worker.ts') }, outdir: path.join(root, 'dist') }),
  // Benchmarks run models in their own thread (ONNX Runtime, TensorFlow.js): src/core/runtime/client.ts.
  build({ ...common, entryPoints: { runtimeWorker: path.join(root, 'src/core/runtime/worker.ts') }, outdir: path.join(root, 'dist') }),
  // The command line (bin/modellens.js loads dist/cli.js when present).
  build({ ...common, entryPoints: { cli: path.join(root, 'src/cli/index.ts') }, outdir: path.join(root, 'dist') }),
]);

// h5wasm (HDF5 for .h5 / .keras weights) is ESM with its wasm inlined: shipped as is beside the bundle,
// loaded by src/core/formats/keras/h5.ts with import().
const h5dir = path.join(root, 'dist', 'h5wasm');
mkdirSync(h5dir, { recursive: true });
for (const f of ['hdf5_hl.js', 'hdf5_util.js']) copyFileSync(path.join(root, 'node_modules/h5wasm/dist/node', f), path.join(h5dir, f));
writeFileSync(path.join(h5dir, 'package.json'), '{ "type": "module" }\n');

// Native and wasm binaries cannot be bundled: ONNX Runtime (Benchmark Model, for this platform only —
// scripts/package.mjs makes the .vsix platform-specific) and the TensorFlow.js wasm kernels (SVDs of
// the low-rank pass; without them tfjs falls back to its much slower cpu backend) go to
// dist/node_modules/, where require() from dist/*.js finds them before any project node_modules.
const nm = path.join(root, 'node_modules');
const distNm = path.join(root, 'dist', 'node_modules');
function ship(pkg, rel, filter = () => true) {
  const from = path.join(nm, pkg, rel);
  const to = path.join(distNm, pkg, rel);
  if (statSync(from).isDirectory()) {
    for (const f of readdirSync(from)) if (filter(f)) ship(pkg, path.join(rel, f), filter);
  } else {
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
  }
}
const ortBin = `bin/napi-v6/${process.platform}/${process.arch}`;
if (existsSync(path.join(nm, 'onnxruntime-node', ortBin))) {
  ship('onnxruntime-node', 'package.json');
  ship('onnxruntime-node', 'dist', (f) => f.endsWith('.js') || !f.includes('.'));
  ship('onnxruntime-node', ortBin);
  ship('onnxruntime-common', 'package.json');
  ship('onnxruntime-common', 'dist/cjs', (f) => f.endsWith('.js') || f === 'package.json' || !f.includes('.'));
} else {
  console.warn(`build: onnxruntime-node has no binary for ${process.platform}-${process.arch}; the .vsix cannot run Benchmark Model`);
}
ship('@tensorflow/tfjs-backend-wasm', 'package.json');
ship('@tensorflow/tfjs-backend-wasm', 'dist', (f) => f.endsWith('.wasm'));

const { buildWebview } = await import(pathToFileURL(path.join(root, 'webview/build.mjs')).href);
const wv = await buildWebview({ minify: !dev });
const webview = `webview: ${path.relative(root, wv.js)} ${kb(wv.js)}, ${path.relative(root, wv.css)} ${kb(wv.css)}`;

if (withTests) {
  // Each test file is its own CJS module (mocha loads them with addFile); `vscode`, `mocha` and
  // `assert` come from the extension host / the runner at run time.
  const dir = path.join(root, 'test/integration');
  const out = path.join(root, 'out/test/integration');
  rmSync(out, { recursive: true, force: true });
  const entries = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => path.join(dir, f));
  await build({ ...common, minify: false, sourcemap: 'inline', entryPoints: entries, outdir: out, external: [...NEVER_BUNDLE, 'mocha'] });
}

function kb(f) {
  return `${(statSync(f).size / 1024).toFixed(0)} KiB`;
}
for (const r of results) {
  for (const [f, o] of Object.entries(r.metafile.outputs)) if (f.endsWith('.js')) console.log(`build: ${f} ${(o.bytes / 1024).toFixed(0)} KiB`);
}
console.log(`build: ${webview}${withTests ? '; integration tests -> out/test/integration' : ''} (${Date.now() - t0} ms${dev ? ', dev' : ''})`);
