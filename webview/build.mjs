// Bundles the graph webview: dist/webview/main.js (IIFE, no eval) and dist/webview/main.css.
// The ELK layout engine's worker script is inlined as a string and started from a blob: URL at run
// time, because webviews cannot start workers from their resource URLs.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const elkWorkerSource = {
  name: 'elk-worker-source',
  setup(b) {
    b.onResolve({ filter: /^elk-worker-source$/ }, () => ({
      path: path.join(root, 'node_modules/elkjs/lib/elk-worker.min.js'),
      namespace: 'elk-worker-text',
    }));
    b.onLoad({ filter: /.*/, namespace: 'elk-worker-text' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

/** @param {{ minify?: boolean, outdir?: string }} [opts] */
export async function buildWebview(opts = {}) {
  const outdir = opts.outdir ?? path.join(root, 'dist/webview');
  const minify = opts.minify ?? true;
  await build({
    entryPoints: { main: path.join(here, 'main.ts') },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome120'],
    outdir,
    minify,
    sourcemap: minify ? false : 'linked',
    legalComments: 'linked',
    plugins: [elkWorkerSource],
    logLevel: 'warning',
    loader: { '.css': 'css' },
  });
  return { js: path.join(outdir, 'main.js'), css: path.join(outdir, 'main.css') };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await buildWebview({ minify: !process.argv.includes('--dev') });
  console.log(`webview: ${path.relative(root, r.js)}, ${path.relative(root, r.css)}`);
}
