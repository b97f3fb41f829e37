/**
 * The webview's HTML, for the extension host (and the test harness, so both run the same CSP).
 * Pure string building; every interpolated value is escaped.
 */
import { escapeXml } from './model/escape';

export interface WebviewHtmlOptions {
  /** webview.asWebviewUri(dist/webview/main.js) as a string. */
  scriptUri: string;
  /** webview.asWebviewUri(dist/webview/main.css) as a string. */
  styleUri: string;
  /** webview.cspSource. */
  cspSource: string;
  /** A fresh random nonce per render (base64/alnum). */
  nonce: string;
  title?: string;
  /** 'preview': the optimization preview (diff graph, delta table, knobs) instead of the graph view. */
  mode?: 'graph' | 'preview';
}

/**
 * CSP: scripts only by nonce; styles only from the extension (the @vscode-elements controls use
 * constructed stylesheets, which CSP does not restrict); `worker-src blob:` for the layout worker; images from blob:/data: for
 * the PNG export. No connect-src: the webview never talks to the network.
 */
export function webviewCsp(o: Pick<WebviewHtmlOptions, 'cspSource' | 'nonce'>): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${o.nonce}'`,
    `style-src ${o.cspSource}`,
    `font-src ${o.cspSource}`,
    `img-src ${o.cspSource} blob: data:`,
    `worker-src blob:`,
  ].join('; ');
}

export function webviewHtml(o: WebviewHtmlOptions): string {
  const a = escapeXml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(webviewCsp(o))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(o.styleUri)}">
<title>${a(o.title ?? 'ModelLens')}</title>
</head>
<body>
<div id="app" data-mode="${a(o.mode ?? 'graph')}" aria-busy="true"></div>
<script nonce="${a(o.nonce)}" src="${a(o.scriptUri)}"></script>
</body>
</html>
`;
}
