/**
 * Code lenses on a Hugging Face config.json (recognised by hfDetect.ts): at the top the totals, the KV
 * cache per 1K tokens and "Open graph"; on the layer-count line the parameters of one decoder block
 * by part. Read-only: they work in Restricted Mode.
 */
import * as vscode from 'vscode';
import { memoryPlanFor } from '../core/analysis/llm';
import { blockParams } from '../core/analysis/llmPlan';
import { settings } from './config';
import { blockKeyOffset, hfBlockTitle, hfKvTitle, hfTotalsTitle } from './hfLensText';
import type { ModelStore } from './modelStore';

export class HfLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly store: ModelStore) {
    store.onDidChange(() => this.changed.fire());
  }

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!settings(doc.uri).codeLensEnabled || !this.store.isHfConfigDocument(doc)) return [];
    const res = await this.store.analyzeHfConfig(doc);
    if (!res || token.isCancellationRequested) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    if (!res.ok) return [new vscode.CodeLens(top, { title: `ModelLens: cannot analyse: ${res.error.message}`, command: 'workbench.actions.view.problems' })];
    const a = res.analysis;
    const open = { command: 'modellens.openGraph', arguments: [doc.uri] };
    const l = a.llm;
    if (!l) {
      // An unknown model_type: the reader's warning says why there is no graph.
      const why = a.details.warnings[0] ?? 'not a language model ModelLens knows';
      return [new vscode.CodeLens(top, { title: `ModelLens: ${why}`, command: 'workbench.actions.view.problems' }), new vscode.CodeLens(top, { title: 'Open graph', ...open })];
    }
    const lenses = [new vscode.CodeLens(top, { title: hfTotalsTitle(l, a.totals.weightBytes), tooltip: 'Open the graph with the LLM summary', ...open })];
    const kv = memoryPlanFor(l, { context: 1024, batch: 1, kvDtype: l.kvDtype }).kvCacheBytes;
    lenses.push(new vscode.CodeLens(top, { title: hfKvTitle(l, kv), tooltip: 'Context slider and memory budget: in the graph\'s summary', ...open }));
    lenses.push(new vscode.CodeLens(top, { title: 'Open graph', ...open }));
    const b = blockParams(a);
    const at = blockKeyOffset(doc.getText());
    if (b && at !== undefined) {
      const line = doc.positionAt(at).line;
      lenses.push(new vscode.CodeLens(new vscode.Range(line, 0, line, 0), { title: hfBlockTitle(b, l), tooltip: 'Parameters of one decoder block', ...open }));
    }
    return lenses;
  }
}
