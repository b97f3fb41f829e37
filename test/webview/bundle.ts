import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './harness';

/** Builds dist/webview with the same script `npm run build` uses. */
export async function buildBundle(): Promise<void> {
  const mod = (await import(pathToFileURL(path.join(ROOT, 'webview/build.mjs')).href)) as { buildWebview(o?: { minify?: boolean }): Promise<unknown> };
  await mod.buildWebview({ minify: true });
}
