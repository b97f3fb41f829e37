/**
 * tfjs weight shards that an applied optimization's model.json edit points at, held in memory until the
 * document is saved, then written beside it (temp file + rename). Keyed by the shard's file name, which
 * carries a hash of its content (one name, one content), with the documents that produced it; the new
 * manifest lists every weight in that one shard, so a Save As to another folder writes it there too.
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
import { isRewrittenShard } from '../core/formats/keras/tfjsShards';
import { manifestShardPaths } from '../core/formats/keras/tfjsWeights';
import { writeAtomic } from './onnxDocument';

export interface Shard {
  /** Absolute path. */
  path: string;
  bytes: Uint8Array;
}

export class PendingShards implements vscode.Disposable {
  /** Shard file name -> bytes and the documents that applied it (kept after a save: undo/redo can bring its manifest back). */
  private readonly byName = new Map<string, { bytes: Uint8Array; docs: Set<string> }>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly subs: vscode.Disposable[];

  constructor(private readonly log: (msg: string) => void) {
    this.subs = [
      vscode.workspace.onWillSaveTextDocument((e) => {
        const p = this.flush(e.document);
        if (p) e.waitUntil(p);
      }),
      vscode.workspace.onDidSaveTextDocument((d) => void this.verify(d)),
      // Closed without saving (or saved and closed): its undo stack, which could name these bytes, is gone.
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
    ];
  }

  add(uri: vscode.Uri, shards: Shard[]): void {
    for (const s of shards) {
      const name = path.basename(s.path);
      const e = this.byName.get(name) ?? { bytes: s.bytes, docs: new Set<string>() };
      e.docs.add(uri.toString());
      this.byName.set(name, e);
    }
  }

  private forget(uri: vscode.Uri): void {
    for (const [name, e] of this.byName) if (e.docs.delete(uri.toString()) && e.docs.size === 0) this.byName.delete(name);
  }

  /** The pending shards `text` (a document's content) names, beside that document: for the worker, as if saved. */
  referenced(uri: vscode.Uri, text: string): Shard[] {
    if (!this.byName.size) return [];
    return manifestShardPaths(text, uri.fsPath).flatMap((p) => {
      const e = this.byName.get(path.basename(p));
      return e ? [{ path: p, bytes: e.bytes }] : [];
    });
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
    // Only shards a rewrite made: a model.json whose converter shards are absent is none of our business.
    const paths = manifestShardPaths(doc.getText(), doc.uri.fsPath).filter((p) => isRewrittenShard(path.basename(p)));
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
    this.byName.clear();
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
