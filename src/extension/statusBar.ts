/** A status bar item with the active model's totals (Keras text editor or ModelLens graph editor). */
import * as vscode from 'vscode';
import { human, humanBytes } from '../cli/format';
import { statusText } from './lensText';
import type { ModelStore } from './modelStore';

export class ModelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('modellens.totals', vscode.StatusBarAlignment.Right, 100);
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly store: ModelStore) {
    this.item.name = 'ModelLens totals';
    this.subs.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.window.tabGroups.onDidChangeTabs(() => this.update()),
      vscode.window.tabGroups.onDidChangeTabGroups(() => this.update()),
      store.onDidChange(() => this.update()),
    );
    this.update();
  }

  /** URI of the active editor's model, whether a text editor or a custom (graph) editor. */
  static activeUri(): vscode.Uri | undefined {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) return input.uri;
    return vscode.window.activeTextEditor?.document.uri;
  }

  update(): void {
    const uri = ModelStatusBar.activeUri();
    const res = uri && this.store.latest(uri);
    // Shows the "Open Graph" title-bar button only on JSON editors that hold a model.
    void vscode.commands.executeCommand('setContext', 'modellens.activeEditorIsModel', !!res?.ok);
    if (!res) {
      this.item.hide();
      return;
    }
    if (res.ok) {
      const a = res.analysis;
      this.item.text = `$(circuit-board) ${statusText(a)}`;
      this.item.tooltip = `ModelLens: ${a.layers.length} layers · ${human(a.totals.params)} params · ${human(a.totals.macs)} MACs · ${human(a.totals.flops)} FLOPs · ${humanBytes(a.totals.weightBytes)} weights (analysed in ${res.ms} ms)`;
    } else {
      this.item.text = '$(warning) ModelLens';
      this.item.tooltip = res.error.message;
    }
    this.item.command = { title: 'Open graph', command: 'modellens.openGraph', arguments: [uri] };
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}
