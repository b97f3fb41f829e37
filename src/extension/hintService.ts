/**
 * The hints of a model: its analysis plus the passes' suggestions (computed in the worker, cached per
 * document version), filtered by the settings (modellens.hints.*). Lenses, graph views and the hint
 * commands all read them here.
 */
import * as vscode from 'vscode';
import type { Analysis } from '../core/analysis/types';
import type { Suggestion } from '../core/passes/types';
import { settings } from './config';
import { selectHints } from './hints';
import type { ModelStore } from './modelStore';

export interface ModelContent {
  version: number;
  text?: string;
  bytes?: Uint8Array;
}

export interface ModelHints {
  analysis: Analysis;
  /** Shown hints (settings applied), largest savings first. */
  hints: Suggestion[];
  /** Every suggestion, for commands given an id of a hidden one. */
  all: Suggestion[];
}

export class HintService {
  constructor(
    private readonly store: ModelStore,
    /** Version and unsaved content of a binary model's custom document (undefined: not open). */
    private readonly binary: (uri: vscode.Uri) => ModelContent | undefined,
    private readonly log: (msg: string) => void,
  ) {}

  /** Content of an open model: a Keras JSON text document or a binary custom document. */
  content(uri: vscode.Uri): ModelContent | undefined {
    const b = this.binary(uri);
    if (b) return b;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    return doc && this.store.isKerasDocument(doc) ? { version: doc.version, text: doc.getText() } : undefined;
  }

  private readonly said = new Map<string, Set<string>>();

  /** Logs `msg` unless it was logged for this key (a model version) already; keeps the last 64 keys. */
  private logOnce(key: string, msg: string): void {
    let seen = this.said.get(key);
    if (!seen) {
      if (this.said.size >= 64) this.said.delete(this.said.keys().next().value!);
      this.said.set(key, (seen = new Set()));
    }
    if (seen.has(msg)) return;
    seen.add(msg);
    this.log(msg);
  }

  async hints(uri: vscode.Uri, analysis?: Analysis): Promise<ModelHints | undefined> {
    const c = this.content(uri);
    if (!c) return undefined;
    let a = analysis;
    if (!a) {
      const doc = c.text !== undefined ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) : undefined;
      const res = doc ? await this.store.analyzeText(doc) : this.store.latest(uri);
      if (!res?.ok) return undefined;
      a = res.analysis;
    }
    let r;
    try {
      r = await this.store.suggestions(uri, c.version, { text: c.text, bytes: c.bytes });
    } catch (e) {
      this.log(`suggestions for ${uri.fsPath} failed: ${(e as Error).message}`);
      return undefined;
    }
    if (!r) return undefined;
    if (!r.ok) {
      this.log(`no hints for ${uri.fsPath}: ${r.error.message}`);
      return { analysis: a, hints: [], all: [] };
    }
    // hints() runs on every lens refresh and graph paint: say each failure once per version of the model.
    for (const f of r.failures) this.logOnce(`${uri.toString()}@${c.version}`, `pass ${f.pass} failed on ${uri.fsPath}: ${f.reason}`);
    const cfg = settings(uri);
    const hints = selectHints(r.suggestions, a, { enabled: cfg.hintsEnabled, minSavingsPercent: cfg.hintsMinSavingsPercent, maxErrorPercent: cfg.hintsMaxErrorPercent });
    return { analysis: a, hints, all: r.suggestions };
  }
}
