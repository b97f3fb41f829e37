/** The commands ModelLens contributes, and the graph panels opened for Keras JSON text documents. */
import path from 'node:path';
import * as vscode from 'vscode';
import type { KnobValues, Suggestion } from '../core/passes/types';
import { CancelledError } from './analysisClient';
import { settings } from './config';
import { GraphView, graphWebviewOptions } from './graphPanel';
import type { HintService } from './hintService';
import { type Measurements, measureBlocked } from './measurements';
import { knobValues, previewView, toHintView } from './hints';
import type { ModelStore } from './modelStore';
import { writeAtomic } from './onnxDocument';
import type { PendingShards } from './pendingShards';
import { KERAS_BINARY_VIEW_TYPE, type ModelEditorProvider, ONNX_VIEW_TYPE } from './onnxEditor';
import { isLlmCheckpoint, LLM_VIEW_TYPE, type LlmEditorProvider } from './llmEditor';
import { measurePreview } from './previewMeasure';
import { fractionReporter } from './progress';
import { PREVIEW_VIEW_TYPE, PreviewPanel } from './previewPanel';
import { ModelStatusBar } from './statusBar';
import { isTrusted } from './trust';

export interface CommandDeps {
  extensionUri: vscode.Uri;
  store: ModelStore;
  hints: HintService;
  measurements: Measurements;
  onnx: ModelEditorProvider;
  kerasBinary: ModelEditorProvider;
  /** safetensors / GGUF checkpoints (read-only). */
  llm?: LlmEditorProvider;
  /** New tfjs weight shards of applied Keras edits, written when their model.json is saved. */
  shards: PendingShards;
  refreshLenses(): void;
  log(msg: string): void;
  output: vscode.OutputChannel;
}

function binaryViewType(uri: vscode.Uri): string | undefined {
  const p = uri.path.toLowerCase();
  if (p.endsWith('.onnx')) return ONNX_VIEW_TYPE;
  if (p.endsWith('.keras') || p.endsWith('.h5') || p.endsWith('.hdf5')) return KERAS_BINARY_VIEW_TYPE;
  if (isLlmCheckpoint(uri)) return LLM_VIEW_TYPE;
  return undefined;
}

export class Commands implements vscode.Disposable {
  private readonly textGraphs = new Map<string, GraphView>();
  private readonly previews = new Map<string, PreviewPanel>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly d: CommandDeps) {
    const reg = (id: string, f: (...args: any[]) => unknown) => this.subs.push(vscode.commands.registerCommand(id, f));
    reg('modellens.openGraph', (uri?: vscode.Uri) => this.openGraph(uri));
    reg('modellens.revealLayer', (uri: vscode.Uri, id: string) => this.revealLayer(uri, id));
    reg('modellens.reanalyze', (uri?: vscode.Uri) => this.reanalyze(uri));
    reg('modellens.previewHint', (uri?: vscode.Uri, hintId?: string, knobs?: Record<string, number>) => this.previewHint(uri, hintId, knobs));
    reg('modellens.applyHint', (uri?: vscode.Uri, hintId?: string, knobs?: Record<string, number>) => this.applyHint(uri, hintId, knobs));
    reg('modellens.saveCompressedCopy', (uri?: vscode.Uri, target?: vscode.Uri) => this.saveCompressedCopy(uri, target));
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
    return t ? [t] : [...this.d.onnx.viewsOf(uri), ...this.d.kerasBinary.viewsOf(uri), ...(this.d.llm?.viewsOf(uri) ?? [])];
  }

  /** Every open graph view (e.g. to update their Measure buttons when trust changes). */
  allGraphViews(): GraphView[] {
    return [...this.textGraphs.values(), ...this.d.onnx.allViews(), ...this.d.kerasBinary.allViews(), ...(this.d.llm?.allViews() ?? [])];
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
    const hf = this.d.store.isHfConfigDocument(doc);
    if (!hf && !this.d.store.isKerasDocument(doc)) {
      void vscode.window.showWarningMessage(`ModelLens: ${uri.path.split('/').pop()} is not a Keras, TensorFlow.js or Hugging Face model.`);
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
        // A config.json's hints are the LLM section's weight-only ones (they cannot be applied to it).
        hints: hf ? undefined : async (a) => {
          const mh = await this.d.hints.hints(uri!, a);
          return mh ? mh.hints.map((s) => toHintView(s, mh.analysis)) : [];
        },
        ...(hf ? {} : this.d.measurements.graphHooks(uri)),
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

  /** Open previews (tests read their numbers). */
  previewPanels(): PreviewPanel[] {
    return [...this.previews.values()];
  }

  private async findSuggestion(uri: vscode.Uri, hintId: string | undefined): Promise<Suggestion | undefined> {
    const mh = await this.d.hints.hints(uri);
    const s = hintId ? mh?.all.find((x) => x.id === hintId) : mh?.hints[0];
    if (!s) void vscode.window.showInformationMessage(hintId ? `ModelLens: the hint "${hintId}" no longer applies to this model.` : 'ModelLens: no optimization hints for this model.');
    return s;
  }

  /** Why Apply is unavailable for this model, if it is. */
  private applyBlocked(uri: vscode.Uri): string | undefined {
    if (!isTrusted()) return 'Restricted Mode: trust this workspace to apply optimizations.';
    return undefined;
  }

  /** Opens (or re-focuses) the preview of a hint; resolves once its numbers are shown. */
  async previewHint(uri?: vscode.Uri, hintId?: string, knobs?: Record<string, number>): Promise<boolean> {
    uri ??= ModelStatusBar.activeUri();
    if (!uri) return false;
    const s = await this.findSuggestion(uri, hintId);
    if (!s) return false;
    const key = `${uri.toString()}#${s.id}`;
    const open = this.previews.get(key);
    if (open) {
      open.panel.reveal(undefined, false);
      if (knobs) await open.recompute(knobs);
      return true;
    }
    const target = uri;
    const panel = vscode.window.createWebviewPanel(PREVIEW_VIEW_TYPE, `Preview: ${passName(s)} · ${uri.path.split('/').pop()}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
      ...graphWebviewOptions(this.d.extensionUri),
      retainContextWhenHidden: true,
    });
    panel.iconPath = vscode.Uri.joinPath(this.d.extensionUri, 'media', 'icon.png');
    const view = new PreviewPanel(panel, this.d.extensionUri, {
      uri: target,
      suggestion: s,
      log: this.d.log,
      compute: async (k) => {
        const c = this.d.hints.content(target);
        const kv = knobValues(s, k);
        const r = await this.d.store.client.preview({ file: target.fsPath, text: c?.text, bytes: c?.bytes, dims: settings(target).defaultDims, suggestion: s, knobs: kv });
        if (!r.ok) throw new Error(r.error.message);
        const why = measureBlocked(target);
        return { ...previewView(s, kv, r, this.applyBlocked(target)), ...(why ? { measureDisabled: why } : {}) };
      },
      apply: (k) => this.applyHint(target, s.id, k),
      measure: (k, report) => measurePreview(this.d, target, s, knobValues(s, k), report),
    });
    this.previews.set(key, view);
    view.onDidDispose(() => this.previews.delete(key));
    await view.first;
    if (knobs) await view.recompute(knobs);
    return view.view !== undefined;
  }

  /** Applies a hint: ONNX as an undoable edit of the custom document, computed in the worker. */
  async applyHint(uri?: vscode.Uri, hintId?: string, knobs?: Record<string, number>): Promise<boolean> {
    if (!isTrusted()) {
      void vscode.window.showWarningMessage('ModelLens does not change models in Restricted Mode.');
      return false;
    }
    uri ??= ModelStatusBar.activeUri();
    if (!uri) return false;
    const blocked = this.applyBlocked(uri);
    if (blocked) {
      void vscode.window.showWarningMessage(`ModelLens: ${blocked}`);
      return false;
    }
    const s = await this.findSuggestion(uri, hintId);
    if (!s) return false;
    const content = this.d.hints.content(uri);
    if (content?.text !== undefined) return this.applyKeras(uri, s, knobValues(s, knobs));
    // Binary models (.onnx, .keras, .h5) change as their custom document: new bytes, one undoable edit.
    const opened = () => this.d.onnx.document(uri!) ?? this.d.kerasBinary.document(uri!);
    if (!opened()) await vscode.commands.executeCommand('vscode.openWith', uri, binaryViewType(uri) ?? ONNX_VIEW_TYPE);
    const doc = opened();
    if (!doc) {
      void vscode.window.showWarningMessage('ModelLens: open the model in the ModelLens editor to apply optimizations.');
      return false;
    }
    const kv = knobValues(s, knobs);
    const version = doc.version;
    const target = uri;
    try {
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `ModelLens: ${s.title}`, cancellable: true }, (progress, token) =>
        this.d.store.client.apply({ file: target.fsPath, bytes: doc.unsavedBytes, dims: settings(target).defaultDims, suggestion: s, knobs: kv }, token, fractionReporter(progress)));
      if (!r.ok) {
        void vscode.window.showErrorMessage(`ModelLens: cannot apply ${passName(s)}: ${r.error.message}`);
        return false;
      }
      if (doc.version !== version) {
        void vscode.window.showWarningMessage('ModelLens: the model changed while the optimization ran; nothing was applied.');
        return false;
      }
      await doc.applyEdit(`ModelLens: ${passName(s)}`, r.bytes!);
      const worst = r.errors.length ? Math.max(...r.errors.map((e) => e.relError)) : undefined;
      this.d.log(`applied ${s.id} at ${JSON.stringify(kv)}${worst !== undefined ? `; worst weight error ${(100 * worst).toFixed(2)}%` : ''}`);
      return true;
    } catch (e) {
      if (e instanceof CancelledError) return false;
      throw e;
    }
  }

  /**
   * Keras JSON: the writer's minimal text edits as one WorkspaceEdit (one Ctrl+Z undoes it). For a tfjs
   * model.json with weights the edit also repoints weightsManifest at a new shard, whose bytes wait in
   * memory until the document is saved (pendingShards.ts); an undo brings back the original manifest.
   */
  private async applyKeras(uri: vscode.Uri, s: Suggestion, kv: KnobValues): Promise<boolean> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const version = doc.version;
    const text = doc.getText();
    try {
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `ModelLens: ${s.title}`, cancellable: true }, (progress, token) => {
        // Shards of an earlier, unsaved apply: the worker reads them as if they were on disk.
        const shards = this.d.shards.referenced(uri, text);
        return this.d.store.client.apply({ file: uri.fsPath, text, shards, dims: settings(uri).defaultDims, suggestion: s, knobs: kv }, token, fractionReporter(progress));
      });
      if (!r.ok || !r.edits) {
        void vscode.window.showErrorMessage(`ModelLens: cannot apply ${passName(s)}: ${r.ok ? 'no edits' : r.error.message}`);
        return false;
      }
      if (doc.version !== version) {
        void vscode.window.showWarningMessage('ModelLens: the document changed while the optimization ran; nothing was applied.');
        return false;
      }
      // Held before the edit lands: a save right after it must find them.
      const shards = (r.shards ?? []).map((x) => ({ path: path.resolve(path.dirname(uri.fsPath), x.path), bytes: x.bytes }));
      if (shards.length) this.d.shards.add(uri, shards);
      const we = new vscode.WorkspaceEdit();
      for (const e of r.edits) we.replace(uri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.content);
      const ok = await vscode.workspace.applyEdit(we, { isRefactoring: false });
      if (ok) {
        const worst = r.errors.length ? Math.max(...r.errors.map((e) => e.relError)) : undefined;
        this.d.log(`applied ${s.id} at ${JSON.stringify(kv)} to ${uri.fsPath} (${r.edits.length} edits${shards.length ? `; new weights in ${shards.map((x) => path.basename(x.path)).join(', ')}, written on save` : ''}${worst !== undefined ? `; worst weight error ${(100 * worst).toFixed(2)}%` : ''})`);
        if (shards.length) vscode.window.setStatusBarMessage(`ModelLens: the new weights are written to ${path.basename(shards[0].path)} when you save`, 8000);
      }
      return ok;
    } catch (e) {
      if (e instanceof CancelledError) return false;
      throw e;
    }
  }

  /** "Save Compressed Copy As…": the edited ONNX / .keras / .h5 document's bytes to a new file (the original stays). */
  async saveCompressedCopy(uri?: vscode.Uri, target?: vscode.Uri): Promise<boolean> {
    if (!isTrusted()) {
      void vscode.window.showWarningMessage('ModelLens does not write files in Restricted Mode.');
      return false;
    }
    uri ??= ModelStatusBar.activeUri();
    const doc = uri ? this.d.onnx.document(uri) ?? this.d.kerasBinary.document(uri) : undefined;
    if (!uri || !doc) {
      void vscode.window.showInformationMessage('ModelLens: open an ONNX, .keras or .h5 model in the ModelLens editor first.');
      return false;
    }
    const name = uri.path.split('/').pop()!;
    const ext = /\.(onnx|keras|h5|hdf5)$/i.exec(name)?.[1] ?? 'onnx';
    const base = name.slice(0, name.length - ext.length - 1);
    target ??= await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(uri, '..', `${base}.compressed.${ext}`), filters: { [ext === 'onnx' ? 'ONNX' : 'Keras']: [ext] }, title: 'Save compressed copy as' });
    if (!target) return false;
    await writeAtomic(target, await doc.content());
    void vscode.window.showInformationMessage(`ModelLens: saved ${target.path.split('/').pop()}`);
    return true;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    for (const v of this.textGraphs.values()) v.panel.dispose();
    for (const p of this.previews.values()) p.panel.dispose();
  }
}

function passName(s: Suggestion): string {
  return s.pass.replace(/-/g, ' ');
}
