/**
 * Code lenses and hovers on Keras JSON (and TensorFlow.js model.json): a totals lens and "Open graph"
 * at the top, and one lens above each layer. Models are recognised by content (kerasDetect.ts).
 */
import * as vscode from 'vscode';
import type { Analysis, LayerAnalysis } from '../core/analysis/types';
import { settings } from './config';
import { layerHoverMarkdown, layerLensTitle, totalsTitle } from './lensText';
import type { HintService } from './hintService';
import { hintLensTitle, hintTooltip, isModelWide } from './hints';
import { planLenses } from './lensPlan';
import type { Suggestion } from '../core/passes/types';
import type { ModelStore } from './modelStore';

export const JSON_SELECTOR: vscode.DocumentSelector = [
  { language: 'json' },
  { language: 'jsonc' },
];


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
    const textLength = doc.getText().length;
    const lineOf = (offset: number | undefined) => (offset !== undefined && offset >= 0 && offset <= textLength ? doc.positionAt(offset).line : undefined);
    const shown = layersToShow(a, cfg.codeLensMinMacsPercent);
    const layers = shown.flatMap((l) => {
      const line = lineOf(l.source?.offset);
      return line === undefined ? [] : [{ id: l.id, line }];
    });
    const byId = new Map(a.layers.map((l) => [l.id, l]));
    let hints: Suggestion[] = [];
    if (this.hintService && cfg.hintsEnabled) {
      const mh = await this.hintService.hints(doc.uri, a);
      if (token.isCancellationRequested) return lenses;
      hints = mh?.hints ?? [];
    }
    const planned = hints.map((s) => ({
      id: s.id,
      modelWide: isModelWide(s),
      line: s.layers.map((id) => lineOf(byId.get(id)?.source?.offset)).find((x) => x !== undefined),
    }));
    const hintById = new Map(hints.map((s) => [s.id, s]));
    for (const slot of planLenses(layers, planned)) {
      const range = new vscode.Range(slot.line, 0, slot.line, 0);
      switch (slot.kind) {
        case 'layer': {
          const l = byId.get(slot.layerId)!;
          lenses.push(new vscode.CodeLens(range, { title: layerLensTitle(l, a.totals), command: 'modellens.revealLayer', arguments: [doc.uri, l.id], tooltip: `Show ${l.name} in the graph` }));
          break;
        }
        case 'hint': {
          const s = hintById.get(slot.hintId)!;
          lenses.push(new vscode.CodeLens(range, { title: hintLensTitle(s, a), command: 'modellens.previewHint', arguments: [doc.uri, s.id], tooltip: hintTooltip(s, a) }));
          break;
        }
        case 'format':
          // Minified JSON puts every layer on one line: offer to format it (once) instead of a row of lenses.
          lenses.push(new vscode.CodeLens(range, { title: `${slot.layers} layers on this line: Format Document for per-layer lenses`, command: 'editor.action.formatDocument' }));
          break;
        case 'hintsInGraph':
          lenses.push(new vscode.CodeLens(range, { title: `⚡ ${slot.hints} hint${slot.hints === 1 ? '' : 's'} for these layers: in the graph`, command: 'modellens.openGraph', arguments: [doc.uri], tooltip: 'Per-layer numbers and hints are on the graph\'s nodes' }));
          break;
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
