/**
 * The optimization preview panel: the graph webview bundle in 'preview' mode (same strict CSP with a
 * fresh nonce, resources only from dist/webview and media/), showing the diff of a suggestion's
 * structure-only rewrite, its delta table and knobs, with Apply / Measure / Cancel (Measure runs both
 * models and shows latency, size and output difference). Messages validated on receipt.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { webviewHtml } from '../../webview/html';
import { type CompareView, type HostToWebview, parseWebviewMessage, type PreviewView } from '../../webview/protocol';
import type { Suggestion } from '../core/passes/types';
import { graphWebviewOptions } from './graphPanel';
import { MeasureCancelled } from './previewMeasure';

export const PREVIEW_VIEW_TYPE = 'modellens.preview';

export interface PreviewHost {
  uri: vscode.Uri;
  suggestion: Suggestion;
  /** The preview at these knob values (the user's last moved knob; empty = the suggestion's). */
  compute(knobs: Record<string, number>): Promise<PreviewView>;
  /** Applies the rewrite; true when the model changed (the panel then closes). */
  apply(knobs: Record<string, number>): Promise<boolean>;
  /** Runs original and compressed at these knobs; `report` takes progress text. */
  measure?(knobs: Record<string, number>, report: (text: string) => void): Promise<CompareView>;
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
  /** The last measured comparison shown, and the last measurement's error (tests read them). */
  compare?: CompareView;
  compareError?: string;
  private measuring?: Promise<CompareView | undefined>;

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

  /**
   * Measure at these knobs (default: the ones shown): runs both models, shows the figures, resolves with
   * them, or undefined when it failed or was cancelled (the reason is shown in the preview).
   */
  measure(knobs = this.knobs): Promise<CompareView | undefined> {
    if (this.measuring) return this.measuring;
    const run = async (): Promise<CompareView | undefined> => {
      this.compareError = undefined;
      if (!this.host.measure) {
        this.compareError = 'Measuring is not available here.';
        void this.post({ type: 'compare', error: this.compareError });
        return undefined;
      }
      void this.post({ type: 'compare', running: 'starting' });
      try {
        const c = await this.host.measure(knobs, (text) => void this.post({ type: 'compare', running: text }));
        this.compare = c;
        void this.post({ type: 'compare', compare: c });
        return c;
      } catch (e) {
        this.compareError = e instanceof MeasureCancelled ? e.message : `Cannot measure: ${(e as Error).message}`;
        if (!(e instanceof MeasureCancelled)) this.host.log(`measuring ${this.hintId} failed: ${(e as Error).message}`);
        void this.post({ type: 'compare', error: this.compareError });
        return undefined;
      }
    };
    this.measuring = run().finally(() => (this.measuring = undefined));
    return this.measuring;
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
          if (this.compare) void this.post({ type: 'compare', compare: this.compare });
          return;
        case 'previewMeasure':
          await this.measure(m.knobs);
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
