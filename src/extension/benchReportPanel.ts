/**
 * The benchmark report view: one webview panel per model, opened beside the model without taking the
 * focus, updated in place by the next benchmark of the same model. Nothing is written to disk unless
 * the user presses "Save as Markdown…" and picks a file.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as vscode from 'vscode';
import type { BenchResult } from '../core/runtime/types';
import { benchReportData, benchReportHtml, type BenchReportData } from './benchReport';
import { isTrusted } from './trust';

export const BENCH_REPORT_VIEW_TYPE = 'modellens.benchReport';

export class BenchReportPanel implements vscode.Disposable {
  private static readonly open = new Map<string, BenchReportPanel>();
  /** What the view shows now (tests read it through the extension API). */
  data: BenchReportData;
  private readonly subs: vscode.Disposable[] = [];

  /** Shows `r` for `uri`: reuses this model's report view when it is open, else opens one beside. */
  static show(uri: vscode.Uri, r: BenchResult, log: (m: string) => void): BenchReportPanel {
    const key = uri.toString();
    const name = path.basename(uri.fsPath);
    const existing = BenchReportPanel.open.get(key);
    if (existing) {
      existing.update(r);
      existing.panel.reveal(undefined, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(BENCH_REPORT_VIEW_TYPE, `Benchmark: ${name}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, enableCommandUris: false, localResourceRoots: [] });
    const p = new BenchReportPanel(panel, uri, r, log);
    BenchReportPanel.open.set(key, p);
    return p;
  }

  /** The open report views (for the extension API). */
  static all(): BenchReportPanel[] {
    return [...BenchReportPanel.open.values()];
  }

  private constructor(readonly panel: vscode.WebviewPanel, readonly uri: vscode.Uri, private result: BenchResult, private readonly log: (m: string) => void) {
    this.data = benchReportData(result, path.basename(uri.fsPath));
    this.render();
    this.subs.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (m && typeof m === 'object' && (m as { type?: unknown }).type === 'save') void this.save();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  update(r: BenchResult): void {
    this.result = r;
    this.data = benchReportData(r, path.basename(this.uri.fsPath));
    this.render();
  }

  private render(): void {
    this.panel.webview.html = benchReportHtml({
      cspSource: this.panel.webview.cspSource,
      nonce: randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, ''),
      result: this.result,
      name: this.data.name,
      canSave: isTrusted(),
    });
  }

  /** Asks where to write the Markdown; writes only when the user picks a file. */
  async save(): Promise<vscode.Uri | undefined> {
    if (!isTrusted()) return undefined;
    const stem = path.basename(this.uri.fsPath).replace(/\.[^.]+$/, '');
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(this.uri, '..', `${stem}.benchmark.md`),
      filters: { Markdown: ['md'] },
      saveLabel: 'Save report',
    });
    if (!target) return undefined;
    try {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(this.data.markdown));
      this.log(`benchmark report of ${this.uri.fsPath} saved to ${target.fsPath}`);
      return target;
    } catch (e) {
      const msg = String((e as Error)?.message ?? e).split('\n')[0];
      this.log(`saving the benchmark report to ${target.fsPath}: ${msg}`);
      void vscode.window.showErrorMessage(`ModelLens: cannot save the report to ${path.basename(target.fsPath)}: ${msg}`);
      return undefined;
    }
  }

  dispose(): void {
    if (BenchReportPanel.open.get(this.uri.toString()) === this) BenchReportPanel.open.delete(this.uri.toString());
    for (const s of this.subs.splice(0)) s.dispose();
    this.panel.dispose();
  }
}
