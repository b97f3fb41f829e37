/**
 * A static stand-in for the VS Code webview: serves the built bundle on 127.0.0.1 with the same HTML
 * and CSP the host uses (webview/html.ts), a fake acquireVsCodeApi that records posted messages, and
 * the --vscode-* theme variables. Used by the render test and the paint bench.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { webviewHtml } from '../../webview/html';
import { themeCss, THEMES } from './themes';

export const ROOT = path.resolve(__dirname, '../..');
export const BUNDLE_DIR = path.join(ROOT, 'dist/webview');

const BOOT = `
window.__posted = [];
// A state saved by an earlier instance of the view (what VS Code keeps across hide/show).
window.__state = window.__initialState;
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
  getState: () => window.__state,
  setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
});
const theme = new URLSearchParams(location.search).get('theme') || 'dark';
document.body.className = theme === 'light' ? '${THEMES.light.bodyClass}' : '${THEMES.dark.bodyClass}';
`;

export interface Harness {
  url(theme: 'dark' | 'light'): string;
  close(): Promise<void>;
}

export async function startHarness(bundleDir = BUNDLE_DIR): Promise<Harness> {
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = `http://${req.headers.host}`;
    try {
      if (u.pathname === '/') {
        const nonce = randomBytes(16).toString('base64');
        const theme = u.searchParams.get('theme') === 'light' ? 'light' : 'dark';
        // ?mode=preview serves the optimization preview (the same bundle, as previewPanel.ts does).
        const mode = u.searchParams.get('mode') === 'preview' ? 'preview' : 'graph';
        let html = webviewHtml({ scriptUri: `${origin}/bundle/main.js`, styleUri: `${origin}/bundle/main.css`, cspSource: origin, nonce, title: 'harness', mode });
        html = html.replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/theme-${theme}.css">\n<link rel="stylesheet"`);
        html = html.replace('<script nonce=', `<script nonce="${nonce}" src="${origin}/boot.js"></script>\n<script nonce=`);
        return send(res, 200, 'text/html', html);
      }
      if (u.pathname === '/boot.js') return send(res, 200, 'text/javascript', BOOT);
      if (u.pathname === '/theme-dark.css') return send(res, 200, 'text/css', themeCss('dark'));
      if (u.pathname === '/theme-light.css') return send(res, 200, 'text/css', themeCss('light'));
      if (u.pathname.startsWith('/bundle/')) {
        const f = path.join(bundleDir, path.basename(u.pathname));
        const type = f.endsWith('.js') ? 'text/javascript' : f.endsWith('.css') ? 'text/css' : 'application/octet-stream';
        return send(res, 200, type, await readFile(f));
      }
      send(res, 404, 'text/plain', 'not found');
    } catch (e) {
      send(res, 500, 'text/plain', String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (theme) => `http://127.0.0.1:${port}/?theme=${theme}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function send(res: http.ServerResponse, code: number, type: string, body: string | Buffer): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];
