/**
 * The optimization preview panel: the graph webview bundle in 'preview' mode (same strict CSP with a
 * fresh nonce, resources only from dist/webview and media/), showing the diff of a suggestion's
 * structure-only rewrite, its delta table and knobs, with Apply / Cancel. Messages validated on receipt.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { webviewHtml } from '../../webview/html';
import { type HostToWebview, parseWebviewMessage, type PreviewView } from '../../webview/protocol';
import type { Suggestion } from '../core/passes/types';
import { graphWebviewOptions } from './graphPanel';

export const PREVIEW_VIEW_TYPE = 'modellens.preview';

export interface PreviewHost {
  uri: vscode.Uri;
  suggestion: Suggestion;
  /** The preview at these knob values (the user's last moved knob; empty = the suggestion's). */
  compute(knobs: Record<string, number>): Promise<PreviewView>;
  /** Applies the rewrite; true when the model changed (the panel then closes). */
  apply(knobs: Record<string, number>): Promise<boolean>;
  log(msg: string): void;
}

export class PreviewPanel implements vscode.Disposable {
  private ready = false;
  /** What the webview shows now (tests read it). */
  view?: PreviewView;
  private knobs: Record<string, number> = {};
  private seq = 0;
  private disposed = false;
  private readonly subs: vscode.Disposable[] = [];
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.closed.event;
  private readonly updated = new vscode.EventEmitter<PreviewView>();
  readonly onDidUpdate = this.updated.event;

  constructor(readonly panel: vscode.WebviewPanel, private readonly extensionUri: vscode.Uri, readonly host: PreviewHost) {
    const w = panel.webview;
    w.options = graphWebviewOptions(extensionUri);
    const asset = (f: string) => w.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', f)).toString();
    w.html = webviewHtml({
      scriptUri: asset('main.js'),
      styleUri: asset('main.css'),
      cspSource: w.cspSource,
      nonce: randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, ''),
      title: `Preview: ${host.suggestion.title}`,
      mode: 'preview',
    });
    this.subs.push(w.onDidReceiveMessage((m) => void this.onMessage(m)), panel.onDidDispose(() => this.dispose()));
    this.first = this.recompute();
  }

  /** The first computation (resolves undefined when it failed). */
  readonly first: Promise<PreviewView | undefined>;

  get hintId(): string {
    return this.host.suggestion.id;
  }

  /** Recomputes the numbers at the current knobs (in the worker) and shows them. */
  async recompute(knobs = this.knobs): Promise<PreviewView | undefined> {
    this.knobs = knobs;
    const seq = ++this.seq;
    if (this.ready) void this.post({ type: 'busy', message: 'Computing the preview…' });
    try {
      const v = await this.host.compute(knobs);
      if (seq !== this.seq || this.disposed) return undefined;
      this.view = v;
      if (this.ready) void this.post({ type: 'preview', preview: v });
      this.updated.fire(v);
      return v;
    } catch (e) {
      if (seq === this.seq) void this.post({ type: 'error', message: (e as Error).message });
      this.host.log(`preview of ${this.hintId} failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  private post(m: HostToWebview): Thenable<boolean> {
    if (this.disposed) return Promise.resolve(false);
    return this.panel.webview.postMessage(m);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.host.log(`ignored an invalid message from the preview: ${parsed.error}`);
      return;
    }
    const m = parsed.msg;
    try {
      switch (m.type) {
        case 'ready':
          this.ready = true;
          if (this.view) void this.post({ type: 'preview', preview: this.view });
          return;
        case 'previewKnobs':
          await this.recompute(m.knobs);
          return;
        case 'previewApply':
          if (await this.host.apply(m.knobs)) this.panel.dispose();
          else if (this.view) void this.post({ type: 'preview', preview: this.view });
          return;
        case 'previewCancel':
          this.panel.dispose();
          return;
        case 'log':
          this.host.log(`[preview ${m.level}] ${m.message}`);
          return;
        default:
          return;
      }
    } catch (e) {
      void vscode.window.showErrorMessage(`ModelLens: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.subs) s.dispose();
    this.closed.fire();
    this.closed.dispose();
    this.updated.dispose();
  }
}
