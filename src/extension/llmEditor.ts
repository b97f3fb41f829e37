/**
 * The read-only graph editor of language-model checkpoints: `*.safetensors` (a shard opens the whole
 * set), `*.safetensors.index.json` and `*.gguf`. The file is never read by the host: the worker reads
 * its headers lazily (src/core/formats/hf, gguf). Nothing is edited or saved, so it works the same in
 * Restricted Mode; optimization hints for these formats are shown in the LLM section, each saying why
 * it cannot be applied to the file.
 */
import * as vscode from 'vscode';
import { GraphView } from './graphPanel';
import type { ModelStore } from './modelStore';

export const LLM_VIEW_TYPE = 'modellens.llm';

/** Checkpoint files this editor opens (config.json is a text document with lenses instead). */
export function isLlmCheckpoint(uri: vscode.Uri): boolean {
  const p = uri.path.toLowerCase();
  return p.endsWith('.safetensors') || p.endsWith('.safetensors.index.json') || p.endsWith('.gguf');
}

class CheckpointDocument implements vscode.CustomDocument {
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  /** Bumped by a change of the file on disk, so the store analyses it again. */
  version = 1;
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {
    this.disposed.fire();
    this.disposed.dispose();
  }
}

export class LlmEditorProvider implements vscode.CustomReadonlyEditorProvider<CheckpointDocument>, vscode.Disposable {
  private readonly views = new Map<string, Set<GraphView>>();
  private readonly docs = new Map<string, CheckpointDocument>();
  private readonly watcher: vscode.FileSystemWatcher;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: ModelStore,
    private readonly log: (msg: string) => void,
  ) {
    this.watcher = vscode.workspace.createFileSystemWatcher('**/*.{safetensors,gguf,json}');
    this.watcher.onDidChange((u) => {
      const d = this.docs.get(u.toString());
      if (!d) return;
      d.version++;
      void this.analyze(d);
    });
  }

  viewsOf(uri: vscode.Uri): GraphView[] {
    return [...(this.views.get(uri.toString()) ?? [])];
  }

  allViews(): GraphView[] {
    return [...this.views.values()].flatMap((s) => [...s]);
  }

  openCustomDocument(uri: vscode.Uri): CheckpointDocument {
    const doc = new CheckpointDocument(uri);
    this.docs.set(uri.toString(), doc);
    doc.onDidDispose(() => {
      if (this.docs.get(uri.toString()) === doc) this.docs.delete(uri.toString());
      this.store.forget(uri);
    });
    return doc;
  }

  async resolveCustomEditor(doc: CheckpointDocument, panel: vscode.WebviewPanel): Promise<void> {
    const key = doc.uri.toString();
    const view = new GraphView(panel, this.extensionUri, {
      uri: doc.uri,
      log: this.log,
      weightStats: (id) => this.store.weightStats(doc.uri, id),
    });
    let set = this.views.get(key);
    if (!set) this.views.set(key, (set = new Set()));
    set.add(view);
    view.onDidDispose(() => set!.delete(view));
    const latest = this.store.latest(doc.uri);
    if (latest) view.show(latest);
    await this.analyze(doc);
  }

  private async analyze(doc: CheckpointDocument): Promise<void> {
    const views = () => this.views.get(doc.uri.toString()) ?? [];
    for (const v of views()) v.busy('Reading the checkpoint headers…');
    try {
      const res = await this.store.analyzeBinary(doc.uri, doc.version, undefined);
      for (const v of views()) v.show(res);
    } catch (e) {
      this.log(`analysis of ${doc.uri.fsPath} failed: ${(e as Error).stack ?? e}`);
    }
  }

  dispose(): void {
    this.watcher.dispose();
  }
}
