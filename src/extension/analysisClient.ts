/**
 * The extension host's side of the analysis worker: a queue of requests to one worker thread, with
 * cancellation (a running request is cancelled by terminating the worker, since parsing is synchronous
 * inside it) and a time limit (a stuck worker is killed and reported; the extension host stays up).
 */
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type {
  AnalyzeRequest, AnalyzeResponse, ApplyRequest, ApplyResponse, PreviewRequest, PreviewResponse, SuggestRequest, SuggestResponse,
  WeightStatsRequest, WeightStatsResponse, WorkerProgress, WorkerRequest,
} from './workerProtocol';

export type AnalyzeInput = Omit<AnalyzeRequest, 'id' | 'type'>;
export type WeightStatsInput = Omit<WeightStatsRequest, 'id' | 'type'>;
export type SuggestInput = Omit<SuggestRequest, 'id' | 'type'>;
export type PreviewInput = Omit<PreviewRequest, 'id' | 'type'>;
export type ApplyInput = Omit<ApplyRequest, 'id' | 'type'>;
type WorkerResponse = AnalyzeResponse | WeightStatsResponse | SuggestResponse | PreviewResponse | ApplyResponse;

export class CancelledError extends Error {
  constructor() {
    super('analysis cancelled');
  }
}

interface Job {
  req: WorkerRequest;
  resolve(r: WorkerResponse): void;
  reject(e: Error): void;
  token?: vscode.CancellationToken;
  progress?: (fraction: number, message: string) => void;
}

export class AnalysisClient implements vscode.Disposable {
  private worker?: Worker;
  private running?: Job;
  private timer?: NodeJS.Timeout;
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(
    private readonly workerFile: string,
    private readonly timeoutMs: () => number,
    private readonly log: (msg: string) => void,
  ) {}

  analyze(input: AnalyzeInput, token?: vscode.CancellationToken): Promise<AnalyzeResponse> {
    return this.send({ ...input, id: this.nextId++, type: 'analyze' }, token) as Promise<AnalyzeResponse>;
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
    return this.send({ ...input, id: this.nextId++, type: 'apply' }, token, progress) as Promise<ApplyResponse>;
  }

  private send(req: WorkerRequest, token?: vscode.CancellationToken, progress?: Job['progress']): Promise<WorkerResponse> {
    if (token?.isCancellationRequested) return Promise.reject(new CancelledError());
    return new Promise((resolve, reject) => {
      const job: Job = { req, resolve, reject, token, progress };
      token?.onCancellationRequested(() => this.cancel(job));
      this.queue.push(job);
      this.pump();
    });
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

  private cancel(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) {
      this.queue.splice(i, 1);
      job.reject(new CancelledError());
    } else if (this.running === job) {
      this.killWorker();
      this.finish(job, () => job.reject(new CancelledError()));
    }
  }

  private pump(): void {
    if (this.running) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    const w = this.ensureWorker();
    w.postMessage(job.req); // structured clone: the document keeps its own bytes
    const ms = this.timeoutMs();
    this.timer = setTimeout(() => {
      this.log(`analysis of ${job.req.file} exceeded ${ms} ms; worker terminated`);
      this.killWorker();
      this.finish(job, () =>
        job.resolve({ id: job.req.id, ok: false, error: { message: `analysis took longer than ${Math.round(ms / 1000)} s and was stopped`, code: 'limit' }, ms }),
      );
    }, ms);
  }

  private finish(job: Job, settle: () => void): void {
    if (this.running !== job) return;
    clearTimeout(this.timer);
    this.running = undefined;
    settle();
    this.pump();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerFile, { resourceLimits: { maxOldGenerationSizeMb: 4096 } });
    w.on('message', (res: WorkerResponse | WorkerProgress) => {
      const job = this.running;
      if ('progress' in res) {
        if (job && res.id === job.req.id) job.progress?.(res.progress, res.message);
        return;
      }
      if (job && res.id === job.req.id) this.finish(job, () => job.resolve(res));
    });
    w.on('error', (e) => {
      this.log(`analysis worker crashed: ${e.stack ?? e.message}`);
      const job = this.running;
      if (this.worker === w) this.worker = undefined;
      if (job) this.finish(job, () => job.resolve({ id: job.req.id, ok: false, error: { message: `analysis worker crashed: ${e.message}`, code: 'bug' }, ms: 0 }));
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      const job = this.running;
      if (job) this.finish(job, () => job.resolve({ id: job.req.id, ok: false, error: { message: `analysis worker exited (code ${code})`, code: 'bug' }, ms: 0 }));
    });
    this.worker = w;
    return w;
  }

  private killWorker(): void {
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
  }

  dispose(): void {
    for (const j of this.queue.splice(0)) j.reject(new CancelledError());
    if (this.running) {
      const j = this.running;
      this.running = undefined;
      clearTimeout(this.timer);
      j.reject(new CancelledError());
    }
    this.killWorker();
  }
}
