/**
 * The document behind the ONNX custom editor: the model's bytes with an edit history, independent of
 * any webview (edits, undo/redo, save, save-as, revert and backup work with no view open). Bytes are
 * loaded only once something edits them; until then the analysis reads the file lazily from disk.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { requireTrust } from './trust';

export interface ModelDocumentEdit {
  label: string;
  before: Uint8Array;
  after: Uint8Array;
}

export class OnnxDocument implements vscode.CustomDocument {
  /** Unsaved content; undefined = same as the file on disk. */
  private bytes?: Uint8Array;
  private _version = 1;
  private readonly changedContent = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<OnnxDocument>>();
  /** For the provider: VS Code's undo stack and dirty state follow these events. */
  readonly onDidEdit = this.changedContent.event;
  private readonly changedModel = new vscode.EventEmitter<void>();
  /** Fires whenever the content changes (edit, undo, redo, revert): views re-analyse. */
  readonly onDidChangeModel = this.changedModel.event;
  private readonly disposedEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposedEmitter.event;

  private constructor(
    readonly uri: vscode.Uri,
    backup?: Uint8Array,
  ) {
    this.bytes = backup;
  }

  static async open(uri: vscode.Uri, backupId: string | undefined): Promise<OnnxDocument> {
    // A backup holds the unsaved content of a previous session (hot exit).
    const backup = backupId ? await vscode.workspace.fs.readFile(vscode.Uri.parse(backupId)) : undefined;
    return new OnnxDocument(uri, backup);
  }

  get version(): number {
    return this._version;
  }

  /** Bytes differing from disk, for analysis of unsaved content. */
  get unsavedBytes(): Uint8Array | undefined {
    return this.bytes;
  }

  async content(): Promise<Uint8Array> {
    return this.bytes ?? (await vscode.workspace.fs.readFile(this.uri));
  }

  /** Replaces the content as one undoable edit (an optimization pass writes the new model bytes). */
  async applyEdit(label: string, after: Uint8Array): Promise<void> {
    requireTrust('edit models');
    const before = await this.content();
    this.setBytes(after);
    this.changedContent.fire({
      document: this,
      label,
      undo: () => this.setBytes(before),
      redo: () => this.setBytes(after),
    });
  }

  private setBytes(b: Uint8Array | undefined): void {
    this.bytes = b;
    this._version++;
    this.changedModel.fire();
  }

  async save(_token?: vscode.CancellationToken): Promise<void> {
    await this.saveAs(this.uri);
  }

  async saveAs(target: vscode.Uri, _token?: vscode.CancellationToken): Promise<void> {
    requireTrust('write files');
    const data = await this.content();
    await writeAtomic(target, data);
    if (target.toString() === this.uri.toString()) this.bytes = undefined;
  }

  async revert(_token?: vscode.CancellationToken): Promise<void> {
    this.setBytes(undefined);
  }

  async backup(destination: vscode.Uri, _token?: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    // Backups live in VS Code's own storage (not the workspace): allowed in Restricted Mode.
    await vscode.workspace.fs.writeFile(destination, await this.content());
    return {
      id: destination.toString(),
      delete: () => void vscode.workspace.fs.delete(destination).then(undefined, () => undefined),
    };
  }

  dispose(): void {
    this.disposedEmitter.fire();
    this.changedContent.dispose();
    this.changedModel.dispose();
    this.disposedEmitter.dispose();
  }
}

/** Temp file + rename in the target's folder, so a failed write never leaves a half-written model. */
export async function writeAtomic(target: vscode.Uri, data: Uint8Array): Promise<void> {
  if (target.scheme !== 'file') {
    await vscode.workspace.fs.writeFile(target, data);
    return;
  }
  const file = target.fsPath;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
