/**
 * "ModelLens: Benchmark Model": runs the active model on seeded random inputs in a worker thread
 * (ONNX Runtime for ONNX, TensorFlow.js for Keras JSON), with progress and cancel, and shows the
 * measured latency, memory, per-node times and the roofline estimate in a report view beside it
 * (benchReportPanel.ts: a webview, saved as Markdown only on request).
 * Running a model is refused in Restricted Mode.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { runBenchInWorker } from '../core/runtime/client';
import type { BenchProgress, BenchResult } from '../core/runtime/types';
import { BenchReportPanel } from './benchReportPanel';
import { settings } from './config';
import { ModelStatusBar } from './statusBar';
import { isTrusted } from './trust';

export interface BenchmarkDeps {
  extensionUri: vscode.Uri;
  log(msg: string): void;
  /** The unsaved bytes of an open ONNX document, when it is dirty (the benchmark runs what the user sees). */
  unsavedBytes(uri: vscode.Uri): Promise<Uint8Array | undefined>;
  /** Called with every finished benchmark (e.g. to paint measured times on an open graph). */
  onResult?(uri: vscode.Uri, r: BenchResult): void;
}

const RUNS = 20;

export function registerBenchmarkCommand(d: BenchmarkDeps): vscode.Disposable {
  return vscode.commands.registerCommand('modellens.benchmarkModel', (uri?: vscode.Uri) => benchmark(d, uri ?? ModelStatusBar.activeUri()));
}

async function benchmark(d: BenchmarkDeps, uri: vscode.Uri | undefined): Promise<BenchResult | undefined> {
  if (!uri) {
    void vscode.window.showInformationMessage('ModelLens: open a model file to benchmark it.');
    return undefined;
  }
  if (!isTrusted()) {
    void vscode.window.showWarningMessage('ModelLens does not run models in Restricted Mode. Trust this workspace to benchmark it.');
    return undefined;
  }
  const name = path.basename(uri.fsPath);
  const textDoc = vscode.workspace.textDocuments.find((t) => t.uri.toString() === uri.toString());
  let tmp: string | undefined;
  let besideCopy: string | undefined;
  try {
    let file = uri.fsPath;
    const bytes = textDoc?.isDirty ? new TextEncoder().encode(textDoc.getText()) : await d.unsavedBytes(uri);
    if (bytes) {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'modellens-bench-'));
      file = path.join(path.dirname(uri.fsPath), `.${name}.modellens-bench${path.extname(name)}`);
      // External data and tfjs shards resolve next to the model, so the unsaved copy must sit beside it;
      // when that folder is not writable, fall back to a temp folder (self-contained models still run).
      try {
        await writeFile(file, bytes, { flag: 'wx' });
        besideCopy = file;
      } catch {
        file = path.join(tmp, name);
        await writeFile(file, bytes);
      }
    }
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `ModelLens: benchmarking ${name}`, cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        let last = 0;
        return runBenchInWorker(file, {
          runs: RUNS,
          dims: settings(uri).defaultDims,
          signal: ac.signal,
          workerScript: vscode.Uri.joinPath(d.extensionUri, 'dist', 'runtimeWorker.js').fsPath,
          onProgress: (p: BenchProgress) => {
            const pct = phasePercent(p);
            progress.report({ message: phaseText(p), increment: Math.max(0, pct - last) });
            last = Math.max(last, pct);
          },
        });
      },
    );
    d.log(`benchmark ${uri.fsPath}: median ${result.latency.medianMs.toFixed(3)} ms, p90 ${result.latency.p90Ms.toFixed(3)} ms (${result.runtime} ${result.backend})`);
    d.onResult?.(uri, result);
    // The report names the model, not the unsaved copy that ran.
    BenchReportPanel.show(uri, { ...result, file: uri.fsPath }, d.log);
    return result;
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).split('\n')[0];
    if ((e as Error)?.name === 'AbortError' || /cancel/i.test(msg)) {
      d.log(`benchmark ${uri.fsPath}: cancelled`);
      return undefined;
    }
    d.log(`benchmark ${uri.fsPath}: ${msg}`);
    void vscode.window.showErrorMessage(`ModelLens: cannot benchmark ${name}: ${msg}`);
    return undefined;
  } finally {
    if (besideCopy) await rm(besideCopy, { force: true }).catch(() => undefined);
    if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}

const PHASE_SPAN: Record<BenchProgress['phase'], [number, number]> = {
  load: [0, 5], calibrate: [5, 15], warmup: [15, 25], run: [25, 75], profile: [75, 95], estimate: [95, 100],
};

function phasePercent(p: BenchProgress): number {
  const [a, b] = PHASE_SPAN[p.phase];
  return a + (p.total > 0 ? (b - a) * (p.done / p.total) : 0);
}

function phaseText(p: BenchProgress): string {
  const what = { load: 'loading', calibrate: 'measuring this CPU once', warmup: 'warming up', run: 'timed runs', profile: 'profiling per node', estimate: 'estimating' }[p.phase];
  return p.total > 0 ? `${what} ${p.done}/${p.total}` : what;
}
