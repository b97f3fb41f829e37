/**
 * The extension host's side of the analysis worker: typed requests over a WorkerPool (workerPool.ts:
 * one worker thread, a queue, cancellation by terminating the worker, a time limit after which a stuck
 * worker is killed and reported; the extension host stays up), plus a progress notification.
 */
import * as vscode from 'vscode';
import type {
  AnalyzeRequest, AnalyzeResponse, ApplyRequest, ApplyResponse, PreviewRequest, PreviewResponse, SuggestRequest, SuggestResponse,
  WeightStatsRequest, WeightStatsResponse, WorkerRequest,
} from './workerProtocol';
import { WorkerPool } from './workerPool';

export { CancelledError } from './workerPool';

export type AnalyzeInput = Omit<AnalyzeRequest, 'id' | 'type'>;
export type WeightStatsInput = Omit<WeightStatsRequest, 'id' | 'type'>;
export type SuggestInput = Omit<SuggestRequest, 'id' | 'type'>;
export type PreviewInput = Omit<PreviewRequest, 'id' | 'type'>;
export type ApplyInput = Omit<ApplyRequest, 'id' | 'type'>;
type WorkerResponse = AnalyzeResponse | WeightStatsResponse | SuggestResponse | PreviewResponse | ApplyResponse;

export class AnalysisClient implements vscode.Disposable {
  private readonly pool: WorkerPool<WorkerRequest, WorkerResponse>;
  private nextId = 1;

  /**
   * `timeoutMs`: analyses, suggestions, previews, weight statistics. `applyTimeoutMs`: rewrites with
   * weights (an SVD of every Dense layer of a VGG takes most of a minute here), which show progress
   * and can be cancelled, so they get a limit of their own.
   */
  constructor(workerFile: string, timeoutMs: () => number, private readonly log: (msg: string) => void, private readonly applyTimeoutMs: () => number = timeoutMs) {
    this.pool = new WorkerPool(workerFile, timeoutMs, log);
  }

  analyze(input: AnalyzeInput, token?: vscode.CancellationToken): Promise<AnalyzeResponse> {
    return (this.send({ ...input, id: this.nextId++, type: 'analyze' }, token) as Promise<AnalyzeResponse>).then((res) => {
      // The user sees the message; the reader's technical account goes to the log, once per analysis.
      if (!res.ok) this.log(`cannot analyse ${input.file}: ${res.error.message}${res.error.detail ? ` [reader: ${res.error.detail}]` : ''}`);
      return res;
    });
  }

  weightStats(input: WeightStatsInput, token?: vscode.CancellationToken): Promise<WeightStatsResponse> {
    return this.send({ ...input, id: this.nextId++, type: 'weightStats' }, token) as Promise<WeightStatsResponse>;
  }

  suggest(input: SuggestInput, token?: vscode.CancellationToken): Promise<SuggestResponse> {
    return this.send({ ...input, id: this.nextId++, type: 'suggest' }, token) as Promise<SuggestResponse>;
  }

  preview(input: PreviewInput, token?: vscode.CancellationToken): Promise<PreviewResponse> {
    return this.send({ ...input, id: this.nextId++, type: 'preview' }, token) as Promise<PreviewResponse>;
  }

  /** The rewrite with weights; cancelling terminates the worker (the document is untouched). */
  apply(input: ApplyInput, token?: vscode.CancellationToken, progress?: (fraction: number, message: string) => void): Promise<ApplyResponse> {
    const limit = { ms: this.applyTimeoutMs(), setting: 'modellens.optimization.timeoutSeconds' };
    return this.pool.send({ ...input, id: this.nextId++, type: 'apply' }, token, progress, limit) as Promise<ApplyResponse>;
  }

  private send(req: WorkerRequest, token?: vscode.CancellationToken, progress?: (fraction: number, message: string) => void): Promise<WorkerResponse> {
    return this.pool.send(req, token, progress);
  }

  /** Runs analyze() with a cancellable progress notification (or a status bar spinner). */
  analyzeWithProgress(
    input: AnalyzeInput,
    title: string,
    location = vscode.ProgressLocation.Notification,
    outer?: vscode.CancellationToken,
  ): Promise<AnalyzeResponse> {
    return Promise.resolve(
      vscode.window.withProgress({ location, title, cancellable: location === vscode.ProgressLocation.Notification }, (_p, token) => {
        // Cancelled by the user (progress notification) or by the caller (a newer version superseded it).
        const both = new vscode.CancellationTokenSource();
        const subs = [token.onCancellationRequested(() => both.cancel()), outer?.onCancellationRequested(() => both.cancel())];
        if (outer?.isCancellationRequested) both.cancel();
        return this.analyze(input, both.token).finally(() => {
          for (const s of subs) s?.dispose();
          both.dispose();
        });
      }),
    );
  }

  dispose(): void {
    this.pool.dispose();
  }
}
