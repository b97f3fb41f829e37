/**
 * tfjs weight shards that an applied optimization's model.json edit points at, held in memory until the
 * document is saved, then written beside it (temp file + rename). Keyed by document and shard path; the
 * shard's name carries a hash of its content, so one name always means the same bytes.
 *
 * Written in onWillSaveTextDocument (event.waitUntil), not onDidSave: the shards are on disk before the
 * JSON that names them, so a failed or interrupted save can at worst leave an unused new shard, never a
 * saved model.json pointing at a shard that does not exist (onDidSave would have that window, and no way
 * back if the write then failed). VS Code stops waiting for will-save listeners after a time budget
 * (1.5 s in the extension host) and saves anyway; the write continues, and onDidSave waits for it,
 * re-checks that every shard the saved manifest names exists, and writes or reports what is missing.
 * Undo needs nothing: the original model.json names the original shards, which are never touched.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { manifestShardPaths } from '../core/formats/keras/tfjsWeights';
import { writeAtomic } from './onnxDocument';

export interface Shard {
  /** Absolute path. */
  path: string;
  bytes: Uint8Array;
}

export class PendingShards implements vscode.Disposable {
  /** Document URI -> shard path -> bytes (kept after a save too: undo/redo can bring a manifest back). */
  private readonly byDoc = new Map<string, Map<string, Uint8Array>>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly subs: vscode.Disposable[];

  constructor(private readonly log: (msg: string) => void) {
    this.subs = [
      vscode.workspace.onWillSaveTextDocument((e) => {
        const p = this.flush(e.document);
        if (p) e.waitUntil(p);
      }),
      vscode.workspace.onDidSaveTextDocument((d) => void this.verify(d)),
      // Closed without saving (or saved and closed): nothing can name these bytes any more.
      vscode.workspace.onDidCloseTextDocument((d) => this.byDoc.delete(d.uri.toString())),
    ];
  }

  add(uri: vscode.Uri, shards: Shard[]): void {
    const key = uri.toString();
    const m = this.byDoc.get(key) ?? new Map<string, Uint8Array>();
    for (const s of shards) m.set(path.resolve(s.path), s.bytes);
    this.byDoc.set(key, m);
  }

  /** The pending shards `text` (this document's content) names: for the worker, as if they were saved. */
  referenced(uri: vscode.Uri, text: string): Shard[] {
    const m = this.byDoc.get(uri.toString());
    if (!m?.size) return [];
    return manifestShardPaths(text, uri.fsPath).filter((p) => m.has(p)).map((p) => ({ path: p, bytes: m.get(p)! }));
  }

  /** Writes the pending shards the document's text names and that are not on disk yet. */
  private flush(doc: vscode.TextDocument): Promise<void> | undefined {
    if (doc.uri.scheme !== 'file') return undefined;
    const wanted = this.referenced(doc.uri, doc.getText());
    if (!wanted.length) return undefined;
    return Promise.all(wanted.map((s) => this.write(s))).then(() => undefined);
  }

  private write(s: Shard): Promise<void> {
    let w = this.writes.get(s.path);
    if (!w) {
      w = (async () => {
        // Same name and size: written by an earlier save (the name is a hash of the content).
        if ((await size(s.path)) === s.bytes.length) return;
        await writeAtomic(vscode.Uri.file(s.path), s.bytes);
        this.log(`wrote weight shard ${s.path} (${s.bytes.length} bytes)`);
      })().finally(() => this.writes.delete(s.path));
      this.writes.set(s.path, w);
    }
    return w;
  }

  /** After a save: every shard the saved manifest names exists, or the user is told which does not. */
  private async verify(doc: vscode.TextDocument): Promise<void> {
    if (doc.uri.scheme !== 'file') return;
    const paths = manifestShardPaths(doc.getText(), doc.uri.fsPath);
    if (!paths.length) return;
    const pending = new Map(this.referenced(doc.uri, doc.getText()).map((s) => [s.path, s]));
    const missing: string[] = [];
    for (const p of paths) {
      try {
        await this.writes.get(p);
        if ((await size(p)) >= 0) continue;
        const s = pending.get(p);
        if (s) {
          await this.write(s);
          if ((await size(p)) === s.bytes.length) continue;
        }
      } catch (e) {
        this.log(`writing weight shard ${p} failed: ${(e as Error).message}`);
      }
      missing.push(path.basename(p));
    }
    if (!missing.length) return;
    const held = missing.some((m) => [...pending.keys()].some((p) => path.basename(p) === m));
    void vscode.window.showErrorMessage(
      `ModelLens: ${path.basename(doc.uri.fsPath)} was saved, but its weightsManifest names ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not on disk${held ? ' (writing failed; save again to retry)' : ' (the optimization was applied before VS Code restarted, so its weights were not kept: undo it and apply it again)'}.`,
    );
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.byDoc.clear();
  }
}

/** File size, or -1 when there is no file. */
async function size(p: string): Promise<number> {
  try {
    return (await fs.stat(p)).size;
  } catch {
    return -1;
  }
}
