/**
 * The benchmark report: its Markdown (what "Save as Markdown…" writes) and the report view's HTML.
 * Pure (no vscode): unit-tested in test/unit/extension/benchReport.test.ts.
 *
 * The view is a webview, not an Untitled text buffer: nothing to save or discard on close, no editor
 * word-wrap breaking the aligned columns (the text is `white-space: pre` and scrolls sideways), and
 * the numbers are also in a JSON data island (`#modellens-report`) that tests and tools read instead of
 * the rendered text, which wraps differently on every window width.
 */
import { formatBench } from '../core/runtime/formatBench';
import type { BenchResult } from '../core/runtime/types';
import { escapeXml } from '../../webview/model/escape';

/** Rows of the slowest-nodes table in the report. */
export const REPORT_TOP_NODES = 15;

export const REPORT_CAPTION =
  'Seeded random inputs; latency is wall time around each run after warm-up. The estimate is a roofline model ' +
  '(MACs and bytes per layer against a device profile measured once on this machine).';

/** What the report view carries as data (the `#modellens-report` JSON island). */
export interface BenchReportData {
  /** The model's file name. */
  name: string;
  file: string;
  runtime: string;
  backend: string;
  runs: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  /** The whole report as Markdown (what Save writes). */
  markdown: string;
}

export function benchReportMarkdown(r: BenchResult, name: string): string {
  // The fence keeps formatBench's aligned columns; the caption is one paragraph (a renderer wraps it).
  return `# Benchmark: ${name}\n\n\`\`\`\n${formatBench(r, REPORT_TOP_NODES)}\n\`\`\`\n\n${REPORT_CAPTION}\n`;
}

export function benchReportData(r: BenchResult, name: string): BenchReportData {
  return {
    name,
    file: r.file,
    runtime: r.runtime,
    backend: r.backend,
    runs: r.latency.runsMs.length,
    medianMs: r.latency.medianMs,
    p90Ms: r.latency.p90Ms,
    minMs: r.latency.minMs,
    markdown: benchReportMarkdown(r, name),
  };
}

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`, no U+2028/9 surprises. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface BenchReportHtmlOptions {
  cspSource: string;
  /** A fresh random nonce (alnum) per render. */
  nonce: string;
  result: BenchResult;
  name: string;
  /** False in Restricted Mode / when saving is not possible: the button is hidden. */
  canSave: boolean;
}

/** The report view's whole document. CSP: styles and the one script by nonce; nothing else loads. */
export function benchReportHtml(o: BenchReportHtmlOptions): string {
  const a = escapeXml;
  const data = benchReportData(o.result, o.name);
  const csp = `default-src 'none'; style-src 'nonce-${o.nonce}'; script-src 'nonce-${o.nonce}'`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Benchmark: ${a(o.name)}</title>
<style nonce="${a(o.nonce)}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px 16px; }
header { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
h1 { font-size: 1.3em; font-weight: 600; margin: 14px 0 8px; overflow-wrap: anywhere; }
pre { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); white-space: pre; overflow-x: auto;
  background: var(--vscode-textCodeBlock-background); padding: 10px 12px; border-radius: 3px; margin: 8px 0; }
p { color: var(--vscode-descriptionForeground); max-width: 70em; }
button { font: inherit; color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 4px 12px; border-radius: 2px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
</style>
</head>
<body>
<header><h1>Benchmark: ${a(o.name)}</h1>${o.canSave ? '<button id="save" type="button" title="Write this report to a Markdown file you choose">Save as Markdown…</button>' : ''}</header>
<pre id="report-text">${a(formatBench(o.result, REPORT_TOP_NODES))}</pre>
<p>${a(REPORT_CAPTION)}</p>
<script type="application/json" id="modellens-report">${jsonForScript(data)}</script>
<script nonce="${a(o.nonce)}">
const vscode = acquireVsCodeApi();
document.getElementById('save')?.addEventListener('click', () => vscode.postMessage({ type: 'save' }));
</script>
</body>
</html>
`;
}
