/**
 * The latest analysis of every model the user has open, keyed by URI: Keras JSON text documents (by
 * document version) and binary models (by the custom document's version). Requests go to the worker;
 * results feed the lenses, hovers, diagnostics, status bar and graph views through one event.
 */
import * as vscode from 'vscode';
import { type AnalysisClient, CancelledError } from './analysisClient';
import { settings } from './config';
import type { ModelDiagnostics } from './diagnostics';
import { looksLikeKerasJson } from './kerasDetect';
import { looksLikeHfConfig } from './hfDetect';
import type { AnalyzeResponse, SuggestResponse, WeightStatsResponse } from './workerProtocol';

/** Weight statistics quicker than this need no notification (a status bar spinner is enough). */
const WEIGHT_STATS_NOTIFY_MS = 1500;

interface HintEntry {
  version: number;
  result: Promise<SuggestResponse | undefined>;
}

interface Entry {
  version: number;
  result?: AnalyzeResponse;
  pending?: Promise<AnalyzeResponse | undefined>;
  /** Cancels the pending request when a newer version supersedes it (typing in a big JSON file). */
  cancel?: vscode.CancellationTokenSource;
}

export class ModelStore implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly hintEntries = new Map<string, HintEntry>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(
    readonly client: AnalysisClient,
    private readonly diagnostics: ModelDiagnostics,
  ) {}

  latest(uri: vscode.Uri): AnalyzeResponse | undefined {
    return this.entries.get(uri.toString())?.result;
  }

  isKerasDocument(doc: vscode.TextDocument): boolean {
    return doc.languageId === 'json' || doc.languageId === 'jsonc' ? looksLikeKerasJson(doc.getText()) : false;
  }

  isHfConfigDocument(doc: vscode.TextDocument): boolean {
    return doc.languageId === 'json' || doc.languageId === 'jsonc' ? looksLikeHfConfig(doc.uri.path, doc.getText()) : false;
  }

  /**
   * Analysis of a Hugging Face config.json at its current version (undefined when it is none). Saved,
   * it is read in place so the safetensors beside it are found; unsaved text is analysed alone.
   */
  analyzeHfConfig(doc: vscode.TextDocument, progress = false): Promise<AnalyzeResponse | undefined> {
    if (!this.isHfConfigDocument(doc)) return Promise.resolve(undefined);
    return this.run(doc.uri, doc.version, progress, () => ({ file: doc.uri.fsPath, ...(doc.isDirty ? { text: doc.getText() } : {}) }), doc);
  }

  /** Analysis of a Keras JSON text document at its current version; undefined when it is no Keras model. */
  analyzeText(doc: vscode.TextDocument, progress = false): Promise<AnalyzeResponse | undefined> {
    if (this.isHfConfigDocument(doc)) return this.analyzeHfConfig(doc, progress);
    if (!this.isKerasDocument(doc)) {
      this.forget(doc.uri);
      return Promise.resolve(undefined);
    }
    return this.run(doc.uri, doc.version, progress, () => ({
      file: doc.uri.fsPath,
      // Unsaved text is analysed as the user sees it, so lenses line up with the buffer.
      text: doc.getText(),
    }), doc);
  }

  /** Analysis of a binary model (ONNX custom document, .keras/.h5), optionally of unsaved bytes. */
  analyzeBinary(uri: vscode.Uri, version: number, bytes: Uint8Array | undefined, progress = true): Promise<AnalyzeResponse | undefined> {
    return this.run(uri, version, progress, () => ({ file: uri.fsPath, bytes }));
  }

  /**
   * One layer's weight statistics, from the worker (unsaved content when given). A spinner in the
   * status bar; when it takes longer than a moment (a 100M-weight Dense layer), a notification with
   * Cancel too, so that a quick click on a small layer does not flash one.
   */
  weightStats(uri: vscode.Uri, layerId: string, content: { text?: string; bytes?: Uint8Array } = {}): Promise<WeightStatsResponse> {
    const cts = new vscode.CancellationTokenSource();
    const p = this.client.weightStats({ file: uri.fsPath, ...content, layerId }, cts.token).then(
      (r) => r,
      (e): WeightStatsResponse => {
        if (e instanceof CancelledError) return { id: 0, ok: false, error: { message: 'weight statistics cancelled', code: 'cancelled' }, ms: 0 };
        throw e;
      },
    );
    const settled = p.then(() => undefined, () => undefined);
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'ModelLens: weight statistics' }, () => settled);
    const timer = setTimeout(() => {
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `ModelLens: weight statistics of ${layerId}`, cancellable: true }, (_p, token) => {
        token.onCancellationRequested(() => cts.cancel());
        return settled;
      });
    }, WEIGHT_STATS_NOTIFY_MS);
    return p.finally(() => {
      clearTimeout(timer);
      cts.dispose();
    });
  }

  /**
   * The passes' suggestions for a model at a version (structure-only, in the worker), cached per version.
   * `content` is the unsaved text/bytes, as for the analysis.
   */
  suggestions(uri: vscode.Uri, version: number, content: { text?: string; bytes?: Uint8Array }): Promise<SuggestResponse | undefined> {
    const key = uri.toString();
    const e = this.hintEntries.get(key);
    if (e && e.version === version) return e.result;
    const result = this.client.suggest({ file: uri.fsPath, ...content, dims: settings(uri).defaultDims }).then(
      (r) => r,
      (err) => {
        if (this.hintEntries.get(key)?.result === result) this.hintEntries.delete(key);
        if (err instanceof CancelledError) return undefined;
        throw err;
      },
    );
    this.hintEntries.set(key, { version, result });
    return result;
  }

  /** The suggestions already computed (or being computed) for a model, whatever its version. */
  cachedSuggestions(uri: vscode.Uri): Promise<SuggestResponse | undefined> | undefined {
    return this.hintEntries.get(uri.toString())?.result;
  }

  reanalyze(uri: vscode.Uri): void {
    this.hintEntries.delete(uri.toString());
    const e = this.entries.get(uri.toString());
    if (e) e.version = -1;
  }

  private run(
    uri: vscode.Uri,
    version: number,
    progress: boolean,
    input: () => { file: string; text?: string; bytes?: Uint8Array },
    doc?: vscode.TextDocument,
  ): Promise<AnalyzeResponse | undefined> {
    const key = uri.toString();
    const e = this.entries.get(key);
    if (e && e.version === version && (e.pending || e.result)) return e.pending ?? Promise.resolve(e.result);
    e?.cancel?.cancel();
    const entry: Entry = { version, result: e?.result, cancel: new vscode.CancellationTokenSource() };
    this.entries.set(key, entry);
    const req = { ...input(), dims: settings(uri).defaultDims, motifs: true };
    const name = uri.path.split('/').pop() ?? uri.fsPath;
    const token = entry.cancel!.token;
    const p = progress
      ? this.client.analyzeWithProgress(req, `ModelLens: analysing ${name}`, vscode.ProgressLocation.Notification, token)
      : this.client.analyzeWithProgress(req, `ModelLens: analysing ${name}`, vscode.ProgressLocation.Window, token);
    entry.pending = p.then(
      (res) => {
        if (this.entries.get(key) !== entry) return res; // superseded by a newer version
        entry.cancel?.dispose();
        entry.cancel = undefined;
        entry.pending = undefined;
        entry.result = res;
        this.diagnostics.update(uri, res, doc);
        this.changed.fire(uri);
        return res;
      },
      (err) => {
        if (this.entries.get(key) === entry) {
          entry.pending = undefined;
          entry.version = -1; // retry next time
        }
        if (err instanceof CancelledError) return undefined;
        throw err;
      },
    );
    return entry.pending;
  }

  forget(uri: vscode.Uri): void {
    this.hintEntries.delete(uri.toString());
    this.entries.get(uri.toString())?.cancel?.cancel();
    if (this.entries.delete(uri.toString())) {
      this.diagnostics.clear(uri);
      this.changed.fire(uri);
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
