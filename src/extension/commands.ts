/** The commands ModelLens contributes, and the graph panels opened for Keras JSON text documents. */
import * as vscode from 'vscode';
import { GraphView, graphWebviewOptions } from './graphPanel';
import type { ModelStore } from './modelStore';
import { KERAS_BINARY_VIEW_TYPE, type ModelEditorProvider, ONNX_VIEW_TYPE } from './onnxEditor';
import { ModelStatusBar } from './statusBar';
import { isTrusted } from './trust';

export interface CommandDeps {
  extensionUri: vscode.Uri;
  store: ModelStore;
  onnx: ModelEditorProvider;
  kerasBinary: ModelEditorProvider;
  refreshLenses(): void;
  log(msg: string): void;
  output: vscode.OutputChannel;
}

function binaryViewType(uri: vscode.Uri): string | undefined {
  const p = uri.path.toLowerCase();
  if (p.endsWith('.onnx')) return ONNX_VIEW_TYPE;
  if (p.endsWith('.keras') || p.endsWith('.h5') || p.endsWith('.hdf5')) return KERAS_BINARY_VIEW_TYPE;
  return undefined;
}

export class Commands implements vscode.Disposable {
  private readonly textGraphs = new Map<string, GraphView>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly d: CommandDeps) {
    const reg = (id: string, f: (...args: any[]) => unknown) => this.subs.push(vscode.commands.registerCommand(id, f));
    reg('modellens.openGraph', (uri?: vscode.Uri) => this.openGraph(uri));
    reg('modellens.revealLayer', (uri: vscode.Uri, id: string) => this.revealLayer(uri, id));
    reg('modellens.reanalyze', (uri?: vscode.Uri) => this.reanalyze(uri));
    reg('modellens.previewHint', (uri?: vscode.Uri, hintId?: string) => this.previewHint(uri, hintId));
    reg('modellens.applyHint', (uri?: vscode.Uri, hintId?: string) => this.applyHint(uri, hintId));
    reg('modellens.showLog', () => d.output.show(true));
    this.subs.push(
      d.store.onDidChange((uri) => {
        const v = this.textGraphs.get(uri.toString());
        if (v) v.show(d.store.latest(uri));
      }),
    );
  }

  graphViews(uri: vscode.Uri): GraphView[] {
    const t = this.textGraphs.get(uri.toString());
    return t ? [t] : [...this.d.onnx.viewsOf(uri), ...this.d.kerasBinary.viewsOf(uri)];
  }

  /** Opens the graph of a model: the custom editor for binary files, a side panel for Keras JSON. */
  async openGraph(uri?: vscode.Uri): Promise<GraphView | undefined> {
    uri ??= ModelStatusBar.activeUri();
    if (!uri) {
      void vscode.window.showInformationMessage('ModelLens: open a model file first.');
      return undefined;
    }
    const viewType = binaryViewType(uri);
    if (viewType) {
      await vscode.commands.executeCommand('vscode.openWith', uri, viewType);
      return this.graphViews(uri)[0];
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    if (!this.d.store.isKerasDocument(doc)) {
      void vscode.window.showWarningMessage(`ModelLens: ${uri.path.split('/').pop()} is not a Keras or TensorFlow.js model.`);
      return undefined;
    }
    const key = uri.toString();
    let view = this.textGraphs.get(key);
    if (view) {
      view.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel('modellens.graph', `Graph: ${uri.path.split('/').pop()}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
        ...graphWebviewOptions(this.d.extensionUri),
        retainContextWhenHidden: false,
      });
      panel.iconPath = vscode.Uri.joinPath(this.d.extensionUri, 'media', 'icon.png');
      const v = new GraphView(panel, this.d.extensionUri, {
        uri,
        log: this.d.log,
        openSource: (id) => this.revealSource(uri!, id),
        select: (id) => this.scrollSource(uri!, id),
        previewHint: (id) => this.previewHint(uri, id),
        applyHint: (id) => this.applyHint(uri, id),
        // Saved files are read in place, so tfjs weight shards beside model.json are found.
        weightStats: (id) => this.d.store.weightStats(uri!, id, doc.isDirty ? { text: doc.getText() } : {}),
      });
      v.onDidDispose(() => this.textGraphs.delete(key));
      this.textGraphs.set(key, v);
      view = v;
    }
    view.show(await this.d.store.analyzeText(doc, true));
    return view;
  }

  private async revealLayer(uri: vscode.Uri, id: string): Promise<void> {
    const v = await this.openGraph(uri);
    v?.reveal(id);
  }

  /** Puts the cursor on a Keras layer's JSON (the graph's "reveal source"). */
  private async revealSource(uri: vscode.Uri, id: string): Promise<void> {
    const res = this.d.store.latest(uri);
    const src = res?.ok ? res.analysis.layers.find((l) => l.id === id)?.source : undefined;
    if (!src) return;
    const doc = await vscode.workspace.openTextDocument(uri);
    const range = new vscode.Range(doc.positionAt(src.offset), doc.positionAt(src.offset + src.length));
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(range.start, range.start) });
    const ed = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    ed?.revealRange(range, vscode.TextEditorRevealType.AtTop);
  }

  /** Scrolls a visible editor of the model's JSON to the selected layer, without taking focus. */
  private scrollSource(uri: vscode.Uri, id: string): void {
    const res = this.d.store.latest(uri);
    const src = res?.ok ? res.analysis.layers.find((l) => l.id === id)?.source : undefined;
    const ed = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    if (!src || !ed) return;
    const start = ed.document.positionAt(src.offset);
    ed.selection = new vscode.Selection(start, start);
    ed.revealRange(new vscode.Range(start, ed.document.positionAt(src.offset + src.length)), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private reanalyze(uri?: vscode.Uri): void {
    uri ??= ModelStatusBar.activeUri();
    if (!uri) return;
    this.d.store.reanalyze(uri);
    const doc = this.d.onnx.document(uri) ?? this.d.kerasBinary.document(uri);
    if (doc) void (this.d.onnx.document(uri) ? this.d.onnx : this.d.kerasBinary).analyze(doc);
    else this.d.refreshLenses();
  }

  // TODO(issue 6): preview/apply come from the optimization passes (src/core/passes); until they exist
  // no hint is ever offered, so these commands only explain that.
  private async previewHint(_uri?: vscode.Uri, _hintId?: string): Promise<boolean> {
    void vscode.window.showInformationMessage('ModelLens: no optimization hints are available for this model yet.');
    return false;
  }

  private async applyHint(_uri?: vscode.Uri, _hintId?: string): Promise<boolean> {
    if (!isTrusted()) {
      void vscode.window.showWarningMessage('ModelLens does not change models in Restricted Mode.');
      return false;
    }
    void vscode.window.showInformationMessage('ModelLens: no optimization hints are available for this model yet.');
    return false;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    for (const v of this.textGraphs.values()) v.panel.dispose();
  }
}
