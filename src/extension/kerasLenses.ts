/**
 * Code lenses and hovers on Keras JSON (and TensorFlow.js model.json): a totals lens and "Open graph"
 * at the top, and one lens above each layer. Models are recognised by content (kerasDetect.ts).
 */
import * as vscode from 'vscode';
import type { Analysis, LayerAnalysis } from '../core/analysis/types';
import { settings } from './config';
import { layerHoverMarkdown, layerLensTitle, totalsTitle } from './lensText';
import type { HintService } from './hintService';
import { hintLensTitle, hintTooltip } from './hints';
import type { ModelStore } from './modelStore';

export const JSON_SELECTOR: vscode.DocumentSelector = [
  { language: 'json' },
  { language: 'jsonc' },
];

const MAX_LAYER_LENSES_PER_LINE = 2;
/** Minified JSON has every layer on one line: show the best few hints there, not all. */
const MAX_HINT_LENSES_PER_LINE = 3;

export class KerasLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly store: ModelStore, private readonly hintService?: HintService) {
    store.onDidChange(() => this.changed.fire());
  }

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const cfg = settings(doc.uri);
    if (!cfg.codeLensEnabled) return [];
    if (this.store.isHfConfigDocument(doc)) return []; // hfLenses.ts
    const res = await this.store.analyzeText(doc);
    if (!res || token.isCancellationRequested) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    if (!res.ok) {
      return [new vscode.CodeLens(top, { title: `ModelLens: cannot analyse: ${res.error.message}`, command: 'workbench.actions.view.problems' })];
    }
    const a = res.analysis;
    const lenses = [
      new vscode.CodeLens(top, { title: totalsTitle(a), command: 'modellens.openGraph', arguments: [doc.uri], tooltip: 'Open the graph with the summary' }),
      new vscode.CodeLens(top, { title: 'Open graph', command: 'modellens.openGraph', arguments: [doc.uri] }),
    ];
    const byLine = new Map<number, LayerAnalysis[]>();
    const textLength = doc.getText().length;
    for (const l of layersToShow(a, cfg.codeLensMinMacsPercent)) {
      const src = l.source!;
      if (src.offset < 0 || src.offset > textLength) continue;
      const line = doc.positionAt(src.offset).line;
      byLine.set(line, [...(byLine.get(line) ?? []), l]);
    }
    for (const [line, layers] of byLine) {
      const range = new vscode.Range(line, 0, line, 0);
      if (layers.length > MAX_LAYER_LENSES_PER_LINE) {
        // Minified JSON (most saved model.json files) puts every layer on one line: one lens per
        // layer would be an unreadable row, so offer to format the file instead.
        lenses.push(new vscode.CodeLens(range, { title: `${layers.length} layers on this line: Format Document for per-layer lenses`, command: 'editor.action.formatDocument' }));
        continue;
      }
      for (const l of layers) {
        lenses.push(new vscode.CodeLens(range, { title: layerLensTitle(l, a.totals), command: 'modellens.revealLayer', arguments: [doc.uri, l.id], tooltip: `Show ${l.name} in the graph` }));
      }
    }
    if (this.hintService && cfg.hintsEnabled) {
      const mh = await this.hintService.hints(doc.uri, a);
      if (token.isCancellationRequested) return lenses;
      const perLine = new Map<number, number>();
      const byId = new Map(a.layers.map((l) => [l.id, l]));
      for (const s of mh?.hints ?? []) {
        const src = s.layers.map((id) => byId.get(id)?.source).find((x) => x && x.offset >= 0 && x.offset <= textLength);
        if (!src) continue;
        const line = doc.positionAt(src.offset).line;
        const n = perLine.get(line) ?? 0;
        if (n >= MAX_HINT_LENSES_PER_LINE) continue;
        perLine.set(line, n + 1);
        lenses.push(new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: hintLensTitle(s, a),
          command: 'modellens.previewHint',
          arguments: [doc.uri, s.id],
          tooltip: hintTooltip(s, a),
        }));
      }
    }
    return lenses;
  }
}

function layersToShow(a: Analysis, minPercent: number): LayerAnalysis[] {
  const total = typeof a.totals.macs === 'number' ? a.totals.macs : 0;
  return a.layers.filter((l) => {
    if (!l.source) return false;
    if (minPercent <= 0 || total <= 0 || typeof l.macs !== 'number') return true;
    return (100 * l.macs) / total >= minPercent;
  });
}

export class KerasHoverProvider implements vscode.HoverProvider {
  constructor(private readonly store: ModelStore) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!this.store.isKerasDocument(doc)) return undefined;
    const res = await this.store.analyzeText(doc);
    if (!res?.ok) return undefined;
    const offset = doc.offsetAt(pos);
    // Innermost layer whose text range holds the cursor (nested models contain their layers).
    let best: LayerAnalysis | undefined;
    for (const l of res.analysis.layers) {
      const s = l.source;
      if (s && offset >= s.offset && offset < s.offset + s.length && (!best || s.length < best.source!.length)) best = l;
    }
    if (!best) return undefined;
    const s = best.source!;
    const md = new vscode.MarkdownString(layerHoverMarkdown(best, res.analysis.totals));
    md.isTrusted = false;
    return new vscode.Hover(md, new vscode.Range(doc.positionAt(s.offset), doc.positionAt(s.offset + s.length)));
  }
}
