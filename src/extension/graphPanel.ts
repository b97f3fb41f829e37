/**
 * Hosts the graph webview (webview/ bundle) in a WebviewPanel: strict CSP with a fresh nonce per
 * render, resources only from dist/webview and media/, and every message validated on receipt.
 * Used by the ONNX custom editor and by "Open graph" on Keras JSON.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { webviewHtml } from '../../webview/html';
import { type HintView, type HostToWebview, type MeasuredTimes, type MeasureState, parseWebviewMessage, type WebviewToHost } from '../../webview/protocol';
import type { Analysis } from '../core/analysis/types';
import { settings } from './config';
import { isTrusted } from './trust';
import type { AnalyzeResponse, WeightStatsResponse } from './workerProtocol';

export interface GraphViewHost {
  /** The document's URI (for titles, settings and the default folder of exports). */
  uri: vscode.Uri;
  openSource?(layerId: string): unknown;
  /** A node was selected in the graph (Keras: scroll the visible JSON editor to it). */
  select?(layerId: string): unknown;
  previewHint?(hintId: string): unknown;
  applyHint?(hintId: string): unknown;
  /** Weight statistics of one layer, computed in the analysis worker. */
  weightStats?(layerId: string): Promise<WeightStatsResponse>;
  /** The optimization hints of this analysis (badges), computed after the graph is drawn. */
  hints?(analysis: Analysis): Promise<HintView[]>;
  /** Per-node times of a benchmark of exactly this analysis' model, if one ran. */
  measured?(analysis: Analysis): MeasuredTimes | undefined;
  /** Whether the Measure button may run the model, and why not. */
  measureState?(): MeasureState;
  /** Benchmarks the model (the command; its result comes back through measured()). */
  measure?(): Thenable<unknown>;
  log(msg: string): void;
}

export function graphWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export class GraphView implements vscode.Disposable {
  private ready = false;
  private sentState = false;
  private last?: AnalyzeResponse;
  private readonly subs: vscode.Disposable[] = [];
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.closed.event;
  private disposed = false;
  private measuring = false;
  /** The measured times and Measure state last sent to the webview, and what it reported drawing (tests read them). */
  sentMeasured?: MeasuredTimes;
  sentMeasureState?: MeasureState;
  shownMeasured?: { mapped: number; ignored: number };

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly host: GraphViewHost,
  ) {
    const w = panel.webview;
    w.options = graphWebviewOptions(extensionUri);
    w.html = this.html();
    this.subs.push(
      w.onDidReceiveMessage((m) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private html(): string {
    const w = this.panel.webview;
    const asset = (f: string) => w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', f)).toString();
    return webviewHtml({
      scriptUri: asset('main.js'),
      styleUri: asset('main.css'),
      cspSource: w.cspSource,
      nonce: randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, ''),
      title: `ModelLens: ${this.host.uri.path.split('/').pop()}`,
    });
  }

  /** Shows a (new) analysis result; queued until the webview said it is ready. */
  show(res: AnalyzeResponse | undefined): void {
    if (!res) return;
    this.last = res;
    if (this.ready) this.sendLast();
  }

  busy(message: string): void {
    if (this.ready) void this.post({ type: 'busy', message });
  }

  reveal(layerId: string): void {
    if (this.ready) void this.post({ type: 'reveal', id: layerId });
    else this.pendingReveal = layerId;
  }
  private pendingReveal?: string;

  private sendLast(): void {
    const res = this.last;
    if (!res) return;
    if (!res.ok) {
      void this.post({ type: 'error', message: res.error.message });
      return;
    }
    const measured = this.host.measured?.(res.analysis);
    const msg: HostToWebview = {
      type: 'analysis',
      analysis: res.analysis,
      motifs: res.motifs,
      ...(res.details ? { details: res.details } : {}),
      hints: [],
      title: this.host.uri.path.split('/').pop(),
      ...(measured ? { measured } : {}),
    };
    this.sentMeasured = measured;
    // The configured heat metric is only a starting point: the webview's own state wins afterwards.
    if (!this.sentState) {
      msg.state = { metric: settings(this.host.uri).heatMetric };
      this.sentState = true;
    }
    void this.post(msg);
    this.sendMeasureState();
    if (this.host.hints) {
      const a = res.analysis;
      this.host.hints(a).then(
        (hints) => {
          if (this.last === res && hints.length) void this.post({ type: 'hints', hints });
        },
        (e) => this.host.log(`hints failed: ${(e as Error).message}`),
      );
    }
    if (this.pendingReveal) {
      void this.post({ type: 'reveal', id: this.pendingReveal });
      this.pendingReveal = undefined;
    }
  }

  /** A benchmark finished: sends its times if they belong to the analysis shown. */
  refreshMeasured(): void {
    const res = this.last;
    if (!this.ready || !res?.ok) return;
    const t = this.host.measured?.(res.analysis);
    if (!t || t === this.sentMeasured) return;
    this.sentMeasured = t;
    void this.post({ type: 'measured', measured: t });
  }

  /** The Measure button's state (trust can change while the view is open). */
  sendMeasureState(): void {
    if (!this.ready) return;
    const st: MeasureState = { ...(this.host.measureState?.() ?? { enabled: false, reason: 'Measuring is not available for this model.' }), ...(this.measuring ? { running: true } : {}) };
    this.sentMeasureState = st;
    void this.post({ type: 'measureState', ...st });
  }

  private async measure(): Promise<void> {
    const st = this.host.measureState?.();
    if (!this.host.measure || !st?.enabled) {
      // The button was disabled: a message from a stale view. Say why instead of running.
      void vscode.window.showWarningMessage(`ModelLens: ${st?.reason ?? 'measuring is not available for this model.'}`);
      this.sendMeasureState();
      return;
    }
    if (this.measuring) return;
    this.measuring = true;
    this.sendMeasureState();
    try {
      await this.host.measure();
    } finally {
      this.measuring = false;
      this.sendMeasureState();
    }
  }

  private post(m: HostToWebview): Thenable<boolean> {
    if (this.disposed) return Promise.resolve(false);
    return this.panel.webview.postMessage(m);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.host.log(`ignored an invalid message from the graph view: ${parsed.error}`);
      return;
    }
    const m = parsed.msg;
    try {
      await this.handle(m);
    } catch (e) {
      void vscode.window.showErrorMessage(`ModelLens: ${(e as Error).message}`);
    }
  }

  private async handle(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.sendLast();
        return;
      case 'select':
        if (m.id !== null) await this.host.select?.(m.id);
        return;
      case 'openSource':
        await this.host.openSource?.(m.id);
        return;
      case 'requestWeightStats': {
        if (!this.host.weightStats) {
          void this.post({ type: 'weightStats', id: m.id, error: 'weight statistics are not available for this model' });
          return;
        }
        void this.post({ type: 'weightStats', id: m.id, pending: true });
        const r = await this.host.weightStats(m.id);
        void this.post(r.ok ? { type: 'weightStats', id: m.id, stats: r.stats } : { type: 'weightStats', id: m.id, error: r.error.message });
        return;
      }
      case 'previewHint':
        await this.host.previewHint?.(m.hintId);
        return;
      case 'applyHint':
        await this.host.applyHint?.(m.hintId);
        return;
      case 'export':
        await this.export(m);
        return;
      case 'log':
        this.host.log(`[webview ${m.level}] ${m.message}`);
        return;
      case 'measure':
        await this.measure();
        return;
      case 'measuredShown':
        this.shownMeasured = { mapped: m.mapped, ignored: m.ignored };
        this.host.log(`graph of ${this.host.uri.fsPath}: measured times on ${m.mapped} nodes${m.ignored ? `, ${m.ignored} measured ids match no node` : ''}`);
        return;
      default:
        return;
    }
  }

  private async export(m: Extract<WebviewToHost, { type: 'export' }>): Promise<void> {
    if (!isTrusted()) {
      void vscode.window.showWarningMessage('ModelLens does not write files in Restricted Mode.');
      return;
    }
    const folder = vscode.Uri.joinPath(this.host.uri, '..');
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder, m.suggestedName), title: 'Export ModelLens report' });
    if (!target) return;
    const data = m.encoding === 'base64' ? Buffer.from(m.data, 'base64') : Buffer.from(m.data, 'utf8');
    await vscode.workspace.fs.writeFile(target, data);
    void vscode.window.showInformationMessage(`ModelLens: exported ${target.path.split('/').pop()}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.subs) s.dispose();
    this.closed.fire();
    this.closed.dispose();
  }
}
