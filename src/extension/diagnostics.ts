/**
 * Problems panel entries: parse errors (at their offset for JSON text, at the top for binary files)
 * and the layers no rule could cost (on the layer's line when the reader knows where it is).
 */
import * as vscode from 'vscode';
import type { AnalyzeResponse } from './workerProtocol';
import { printable } from '../core/formats/modelFiles';

export class ModelDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('modellens');

  /** doc: the text document when the model is JSON text (ranges from offsets), else undefined. */
  update(uri: vscode.Uri, res: AnalyzeResponse, doc?: vscode.TextDocument): void {
    const top = new vscode.Range(0, 0, 0, 0);
    const range = (offset?: number, length = 1): vscode.Range => {
      if (!doc || offset === undefined) return top;
      const start = doc.positionAt(offset);
      const end = doc.positionAt(offset + Math.max(1, length));
      return new vscode.Range(start, end.line === start.line ? end : doc.lineAt(start.line).range.end);
    };
    const out: vscode.Diagnostic[] = [];
    if (!res.ok) {
      const d = new vscode.Diagnostic(range(res.error.offset, res.error.length), printable(res.error.message, 2000), vscode.DiagnosticSeverity.Error);
      d.source = 'ModelLens';
      d.code = res.error.code;
      out.push(d);
    } else {
      const byName = new Map(res.analysis.layers.map((l) => [l.name, l]));
      for (const nc of res.analysis.notCosted) {
        const src = byName.get(nc.name)?.source;
        const d = new vscode.Diagnostic(
          range(src?.offset, src?.length),
          printable(`${nc.type} "${nc.name}" is not costed: ${nc.reason}`, 2000),
          vscode.DiagnosticSeverity.Warning,
        );
        d.source = 'ModelLens';
        d.code = 'not-costed';
        out.push(d);
      }
    }
    this.collection.set(uri, out);
  }

  clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
