/**
 * The preview's Measure: writes the compressed model (ONNX: the pass's rewritten bytes from the analysis
 * worker, weights inline; Keras JSON: the writer's text edits applied to the text) to a temp folder and
 * runs original and compressed in the runtime worker on the same seeded inputs, with progress and
 * cancel. Temp files are removed whatever happens. Trusted workspaces only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { applyTextEdits } from '../core/formats/keras/textEdit';
import type { KnobValues, Suggestion } from '../core/passes/types';
import { runCompareInWorker } from '../core/runtime/client';
import type { BenchProgress } from '../core/runtime/types';
import type { CompareView } from '../../webview/protocol';
import { CancelledError } from './analysisClient';
import { compareViewOf } from './benchViews';
import { settings } from './config';
import type { HintService } from './hintService';
import { measureBlocked } from './measurements';
import type { ModelStore } from './modelStore';
import type { PendingShards } from './pendingShards';

export interface PreviewMeasureDeps {
  extensionUri: vscode.Uri;
  store: ModelStore;
  hints: HintService;
  /** Unsaved shards of an earlier apply, which the model.json text may already name. */
  shards: PendingShards;
  log(msg: string): void;
}

const RUNS = 20;

/** Thrown when the user cancelled (the preview then says so quietly, not as an error). */
export class MeasureCancelled extends Error {
  constructor() {
    super('Measurement cancelled.');
  }
}

const PHASE_TEXT: Record<BenchProgress['phase'], string> = {
  load: 'loading', calibrate: 'measuring this CPU', warmup: 'warming up', run: 'timed runs', profile: 'profiling', estimate: 'estimating',
};

export function progressText(p: BenchProgress): string {
  const what = p.model === 'compressed' ? 'compressed' : 'original';
  return `${what}: ${PHASE_TEXT[p.phase]}${p.total > 0 ? ` ${p.done}/${p.total}` : ''}`;
}

/**
 * Runs original vs compressed at these knobs. `report` gets progress text; resolves with the
 * preview's numbers, rejects with a one-line reason (which model failed, and ONNX Runtime's words).
 */
export async function measurePreview(d: PreviewMeasureDeps, uri: vscode.Uri, s: Suggestion, knobs: KnobValues, report: (text: string) => void): Promise<CompareView> {
  const blocked = measureBlocked(uri);
  if (blocked) throw new Error(blocked);
  const name = path.basename(uri.fsPath);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `ModelLens: measuring ${name} before/after`, cancellable: true },
    async (progress, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      const tell = (text: string) => {
        progress.report({ message: text });
        report(text);
      };
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'modellens-compare-'));
      /** Which model was running when an error came (undefined while the compressed one is written). */
      let running: string | undefined;
      try {
        tell('writing the compressed model');
        const c = d.hints.content(uri);
        const dims = settings(uri).defaultDims;
        let r;
        try {
          const shards = c?.text !== undefined ? d.shards.referenced(uri, c.text) : undefined;
          r = await d.store.client.apply({ file: uri.fsPath, text: c?.text, bytes: c?.bytes, shards, dims, suggestion: s, knobs }, token);
        } catch (e) {
          if (e instanceof CancelledError) throw new MeasureCancelled();
          throw e;
        }
        if (!r.ok) throw new Error(`cannot write the compressed model: ${r.error.message}`);
        const ext = path.extname(name);
        const compressed = path.join(tmp, `${path.basename(name, ext)}.compressed${ext}`);
        let original = uri.fsPath;
        if (c?.text !== undefined) {
          if (!r.edits) throw new Error('cannot write the compressed model: the pass returned no text edits');
          // Both sides run from the text the user sees (saved or not); Keras JSON runs with random weights.
          original = path.join(tmp, name);
          await writeFile(original, c.text);
          await writeFile(compressed, applyTextEdits(c.text, r.edits));
        } else {
          if (!r.bytes) throw new Error('cannot write the compressed model: the pass returned no model bytes');
          // Unsaved edits of the ONNX document are what the user compares against; written with inline weights.
          if (c?.bytes) {
            original = path.join(tmp, name);
            await writeFile(original, c.bytes);
          }
          await writeFile(compressed, r.bytes);
        }
        if (token.isCancellationRequested) throw new MeasureCancelled();
        running = 'original';
        const res = await runCompareInWorker(original, compressed, {
          runs: RUNS,
          dims,
          perNode: false,
          roofline: false,
          signal: ac.signal,
          workerScript: vscode.Uri.joinPath(d.extensionUri, 'dist', 'runtimeWorker.js').fsPath,
          onProgress: (p) => {
            running = p.model ?? running;
            tell(progressText(p));
          },
        });
        d.log(`measured ${s.id} at ${JSON.stringify(knobs)}: median ${res.before.latency.medianMs.toFixed(3)} -> ${res.after.latency.medianMs.toFixed(3)} ms`);
        return compareViewOf(res, knobs);
      } catch (e) {
        if (e instanceof MeasureCancelled || ac.signal.aborted || (e as Error)?.name === 'AbortError') throw new MeasureCancelled();
        const msg = String((e as Error)?.message ?? e).split('\n')[0];
        // The runtime's own words, prefixed with which of the two models failed.
        throw new Error(running ? `The ${running} model failed to run: ${msg}` : msg);
      } finally {
        sub.dispose();
        await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      }
    },
  );
}
