/**
 * Custom editors that show a binary model as its graph: `.onnx`, `.keras` and `.h5`, each editable the
 * same way (edits, undo/redo, save, save-as, revert, backup through OnnxDocument, which holds bytes).
 */
import * as vscode from 'vscode';
import { GraphView } from './graphPanel';
import type { HintService } from './hintService';
import type { Measurements } from './measurements';
import { toHintView } from './hints';
import type { ModelStore } from './modelStore';
import { OnnxDocument } from './onnxDocument';

export const ONNX_VIEW_TYPE = 'modellens.onnx';
export const KERAS_BINARY_VIEW_TYPE = 'modellens.kerasBinary';

export class ModelEditorProvider implements vscode.CustomEditorProvider<OnnxDocument> {
  private readonly edited = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<OnnxDocument>>();
  readonly onDidChangeCustomDocument = this.edited.event;
  private readonly docs = new Map<string, OnnxDocument>();
  private readonly views = new Map<OnnxDocument, Set<GraphView>>();
  /** Set by activate(): the graph badges, and measured times with the Measure button. */
  hints?: HintService;
  measurements?: Measurements;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: ModelStore,
    private readonly log: (msg: string) => void,
  ) {}

  document(uri: vscode.Uri): OnnxDocument | undefined {
    return this.docs.get(uri.toString());
  }

  viewsOf(uri: vscode.Uri): GraphView[] {
    const d = this.document(uri);
    return d ? [...(this.views.get(d) ?? [])] : [];
  }

  allViews(): GraphView[] {
    return [...this.views.values()].flatMap((s) => [...s]);
  }

  async openCustomDocument(uri: vscode.Uri, ctx: vscode.CustomDocumentOpenContext): Promise<OnnxDocument> {
    const doc = await OnnxDocument.open(uri, ctx.backupId);
    this.docs.set(uri.toString(), doc);
    doc.onDidEdit((e) => this.edited.fire(e));
    // Analysis follows the document, not the views: a re-analysis also updates status bar and problems.
    doc.onDidChangeModel(() => void this.analyze(doc));
    doc.onDidDispose(() => {
      if (this.docs.get(uri.toString()) === doc) this.docs.delete(uri.toString());
      this.store.forget(uri);
    });
    return doc;
  }

  async resolveCustomEditor(doc: OnnxDocument, panel: vscode.WebviewPanel): Promise<void> {
    const view = new GraphView(panel, this.extensionUri, {
      uri: doc.uri,
      log: this.log,
      previewHint: (id) => vscode.commands.executeCommand('modellens.previewHint', doc.uri, id),
      applyHint: (id) => vscode.commands.executeCommand('modellens.applyHint', doc.uri, id),
      weightStats: (id) => this.store.weightStats(doc.uri, id, { bytes: doc.unsavedBytes }),
      hints: async (a) => {
        const mh = await this.hints?.hints(doc.uri, a);
        return mh ? mh.hints.map((s) => toHintView(s, mh.analysis)) : [];
      },
      ...this.measurements?.graphHooks(doc.uri),
    });
    let set = this.views.get(doc);
    if (!set) this.views.set(doc, (set = new Set()));
    set.add(view);
    view.onDidDispose(() => set!.delete(view));
    const latest = this.store.latest(doc.uri);
    if (latest) view.show(latest);
    void this.analyze(doc);
  }

  async analyze(doc: OnnxDocument): Promise<void> {
    const version = doc.version;
    for (const v of this.views.get(doc) ?? []) v.busy('Analysing…');
    try {
      const res = await this.store.analyzeBinary(doc.uri, version, doc.unsavedBytes);
      if (doc.version !== version) return;
      for (const v of this.views.get(doc) ?? []) v.show(res);
      // Suggestions start with the analysis (badges, commands), not when a view first asks.
      if (res?.ok) void this.hints?.hints(doc.uri, res.analysis);
    } catch (e) {
      this.log(`analysis of ${doc.uri.fsPath} failed: ${(e as Error).stack ?? e}`);
    }
  }

  saveCustomDocument(doc: OnnxDocument, token: vscode.CancellationToken): Thenable<void> {
    return doc.save(token);
  }

  saveCustomDocumentAs(doc: OnnxDocument, destination: vscode.Uri, token: vscode.CancellationToken): Thenable<void> {
    return doc.saveAs(destination, token);
  }

  revertCustomDocument(doc: OnnxDocument, token: vscode.CancellationToken): Thenable<void> {
    return doc.revert(token);
  }

  backupCustomDocument(doc: OnnxDocument, ctx: vscode.CustomDocumentBackupContext, token: vscode.CancellationToken): Thenable<vscode.CustomDocumentBackup> {
    return doc.backup(ctx.destination, token);
  }

  dispose(): void {
    this.edited.dispose();
  }
}
