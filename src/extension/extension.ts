/**
 * ModelLens extension entry: wires the analysis worker, the model store, the ONNX and Keras-binary
 * custom editors, Keras JSON lenses/hovers, diagnostics, the status bar and the commands.
 */
import * as vscode from 'vscode';
import { AnalysisClient } from './analysisClient';
import { registerBenchmarkCommand } from './benchmark';
import type { BenchReportData } from './benchReport';
import { BenchReportPanel } from './benchReportPanel';
import { Commands } from './commands';
import { windowSettings } from './config';
import { ModelDiagnostics } from './diagnostics';
import type { GraphView } from './graphPanel';
import { HintService } from './hintService';
import type { CompareView, PreviewView } from '../../webview/protocol';
import { JSON_SELECTOR, KerasHoverProvider, KerasLensProvider } from './kerasLenses';
import { Measurements } from './measurements';
import { ModelStore } from './modelStore';
import { PendingShards } from './pendingShards';
import type { OnnxDocument } from './onnxDocument';
import { KERAS_BINARY_VIEW_TYPE, ModelEditorProvider, ONNX_VIEW_TYPE } from './onnxEditor';
import { HfLensProvider } from './hfLenses';
import { LLM_VIEW_TYPE, LlmEditorProvider } from './llmEditor';
import { ModelStatusBar } from './statusBar';
import { isTrusted, setTrustOverride } from './trust';
import { printable } from '../core/formats/modelFiles';

/** What activate() returns: used by the integration tests (and other extensions, read-only). */
export interface ModelLensApi {
  store: ModelStore;
  onnxDocument(uri: vscode.Uri): OnnxDocument | undefined;
  /** The custom document of an open .onnx, .keras or .h5 model. */
  binaryDocument(uri: vscode.Uri): OnnxDocument | undefined;
  graphViews(uri: vscode.Uri): GraphView[];
  openGraph(uri: vscode.Uri): Promise<GraphView | undefined>;
  /** Open optimization previews: hint id, model, the numbers shown, and their Measure (what the button runs). */
  previews(): {
    hintId: string; uri: vscode.Uri; view?: PreviewView; panel: vscode.WebviewPanel;
    measure(): Promise<CompareView | undefined>; compare?: CompareView; compareError?: string;
  }[];
  /** Open benchmark report views: the model and the data the view shows (its Markdown, latency). */
  benchReports(): { uri: vscode.Uri; data: BenchReportData; panel: vscode.WebviewPanel }[];
  isTrusted(): boolean;
  /** Tests only: simulate Restricted Mode (the test server runs with workspace trust disabled). */
  setTrustOverride(trusted: boolean | undefined): void;
}

export function activate(context: vscode.ExtensionContext): ModelLensApi {
  const output = vscode.window.createOutputChannel('ModelLens', { log: true });
  // Messages carry names from model files: control characters escaped, so a name cannot forge log lines.
  const log = (m: string) => output.info(printable(m, 4000));
  const client = new AnalysisClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath, () => windowSettings().timeoutMs, log, () => windowSettings().applyTimeoutMs);
  const diagnostics = new ModelDiagnostics();
  const store = new ModelStore(client, diagnostics);
  const onnx = new ModelEditorProvider(context.extensionUri, store, log);
  // .keras / .h5 are editable like ONNX: an applied optimization is new file bytes, written on save.
  const kerasBinary = new ModelEditorProvider(context.extensionUri, store, log);
  const hints = new HintService(store, (uri) => {
    const d = onnx.document(uri) ?? kerasBinary.document(uri);
    return d ? { version: d.version, bytes: d.unsavedBytes } : undefined;
  }, log);
  const measurements = new Measurements(store);
  onnx.hints = hints;
  kerasBinary.hints = hints;
  onnx.measurements = measurements;
  kerasBinary.measurements = measurements;
  const lenses = new KerasLensProvider(store, hints);
  const hfLenses = new HfLensProvider(store);
  const llm = new LlmEditorProvider(context.extensionUri, store, log);
  const shards = new PendingShards(log);
  const commands = new Commands({ extensionUri: context.extensionUri, store, hints, measurements, onnx, kerasBinary, llm, shards, refreshLenses: () => { lenses.refresh(); hfLenses.refresh(); }, log, output });
  const refreshMeasureButtons = () => commands.allGraphViews().forEach((v) => v.sendMeasureState());

  context.subscriptions.push(
    output, client, diagnostics, store, onnx, kerasBinary, llm, commands, shards,
    vscode.window.registerCustomEditorProvider(LLM_VIEW_TYPE, llm, { supportsMultipleEditorsPerDocument: true }),
    vscode.languages.registerCodeLensProvider(JSON_SELECTOR, hfLenses),
    vscode.window.registerCustomEditorProvider(ONNX_VIEW_TYPE, onnx, { supportsMultipleEditorsPerDocument: true, webviewOptions: { retainContextWhenHidden: false } }),
    vscode.window.registerCustomEditorProvider(KERAS_BINARY_VIEW_TYPE, kerasBinary, { supportsMultipleEditorsPerDocument: true }),
    vscode.languages.registerCodeLensProvider(JSON_SELECTOR, lenses),
    vscode.languages.registerHoverProvider(JSON_SELECTOR, new KerasHoverProvider(store)),
    new ModelStatusBar(store),
    { dispose: () => BenchReportPanel.all().forEach((p) => p.dispose()) },
    registerBenchmarkCommand({
      extensionUri: context.extensionUri, log, unsavedBytes: async (uri) => onnx.document(uri)?.unsavedBytes,
      // Per-node times go to the model's open graphs (and to graphs opened later, for the same model).
      onResult: (uri, r) => {
        if (measurements.record(uri, r)) for (const v of commands.graphViews(uri)) v.refreshMeasured();
      },
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(refreshMeasureButtons),
    vscode.workspace.onDidCloseTextDocument((d) => {
      if (d.languageId === 'json' || d.languageId === 'jsonc') store.forget(d.uri);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('modellens')) {
        lenses.refresh();
        hfLenses.refresh();
      }
    }),
  );
  log(`ModelLens activated (workspace ${isTrusted() ? 'trusted' : 'in Restricted Mode'})`);

  return {
    store,
    onnxDocument: (uri) => onnx.document(uri),
    binaryDocument: (uri) => onnx.document(uri) ?? kerasBinary.document(uri),
    graphViews: (uri) => commands.graphViews(uri),
    openGraph: (uri) => commands.openGraph(uri),
    previews: () => commands.previewPanels().map((p) => ({ hintId: p.hintId, uri: p.host.uri, view: p.view, panel: p.panel, measure: () => p.measure(), compare: p.compare, compareError: p.compareError })),
    benchReports: () => BenchReportPanel.all().map((p) => ({ uri: p.uri, data: p.data, panel: p.panel })),
    isTrusted,
    setTrustOverride: (t) => {
      setTrustOverride(t);
      refreshMeasureButtons();
    },
  };
}

export function deactivate(): void {}
