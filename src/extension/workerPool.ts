/**
 * One worker thread and a queue of requests to it, with a time limit and cancellation. Parsing runs
 * synchronously inside the worker, so the only way to stop a request is to terminate the worker; the
 * next request gets a fresh one. A stuck, crashing or exiting worker ends its request with an error
 * response (ok: false) and never takes the extension host down. No vscode import, so unit tests drive
 * it with real worker threads.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

export class CancelledError extends Error {
  constructor() {
    super('analysis cancelled');
  }
}

/** The part of vscode.CancellationToken used here (a vscode token is one). */
export interface CancelToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface PoolRequest {
  id: number;
  file: string;
}

/** How the pool itself ends a request (time limit, crash, exit): every protocol response has this form. */
export interface PoolFailure {
  id: number;
  ok: false;
  error: { message: string; code: string };
  ms: number;
}

interface Job<Req, Res> {
  req: Req;
  resolve(r: Res): void;
  reject(e: Error): void;
  progress?: (fraction: number, message: string) => void;
  sub?: { dispose(): void };
  /** This request's own time limit and the setting that sets it (else the pool's). */
  limit?: { ms: number; setting: string };
}

export interface WorkerPoolOptions {
  resourceLimits?: ResourceLimits;
}

export class WorkerPool<Req extends PoolRequest, Res extends { id: number }> {
  private worker?: Worker;
  private running?: Job<Req, Res>;
  private timer?: NodeJS.Timeout;
  private readonly queue: Job<Req, Res>[] = [];
  /** Workers started so far (tests check that a killed worker is replaced). */
  started = 0;

  constructor(
    private readonly workerFile: string,
    private readonly timeoutMs: () => number,
    private readonly log: (msg: string) => void,
    private readonly opts: WorkerPoolOptions = { resourceLimits: { maxOldGenerationSizeMb: 4096 } },
  ) {}

  send(req: Req, token?: CancelToken, progress?: Job<Req, Res>['progress'], limit?: Job<Req, Res>['limit']): Promise<Res> {
    if (token?.isCancellationRequested) return Promise.reject(new CancelledError());
    return new Promise((resolve, reject) => {
      const job: Job<Req, Res> = { req, resolve, reject, progress, limit };
      job.sub = token?.onCancellationRequested(() => this.cancel(job));
      this.queue.push(job);
      this.pump();
    });
  }

  private failure(job: Job<Req, Res>, message: string, code: string, ms = 0): Res {
    const f: PoolFailure = { id: job.req.id, ok: false, error: { message, code }, ms };
    return f as unknown as Res;
  }

  private cancel(job: Job<Req, Res>): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) {
      this.queue.splice(i, 1);
      job.sub?.dispose();
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
    let w: Worker;
    try {
      w = this.ensureWorker();
      w.postMessage(job.req); // structured clone: the document keeps its own bytes
    } catch (e) {
      this.killWorker();
      this.finish(job, () => job.resolve(this.failure(job, `analysis worker cannot start: ${(e as Error).message}`, 'bug')));
      return;
    }
    const ms = job.limit?.ms ?? this.timeoutMs();
    const setting = job.limit?.setting ?? 'modellens.analysis.timeoutSeconds';
    this.timer = setTimeout(() => {
      this.log(`analysis of ${job.req.file} exceeded ${ms} ms; worker terminated`);
      this.killWorker();
      this.finish(job, () => job.resolve(this.failure(job, `${job.limit ? 'the optimization' : 'analysis'} took longer than the time limit of ${limitText(ms)} (${setting}) and was stopped`, 'limit', ms)));
    }, ms);
  }

  private finish(job: Job<Req, Res>, settle: () => void): void {
    if (this.running !== job) return;
    clearTimeout(this.timer);
    this.running = undefined;
    job.sub?.dispose();
    settle();
    this.pump();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerFile, { resourceLimits: this.opts.resourceLimits });
    this.started++;
    w.on('message', (res: Res | { id: number; progress: number; message: string }) => {
      // A terminated worker's late answer must not settle the request that replaced it.
      if (this.worker !== w) return;
      const job = this.running;
      if (!job || res?.id !== job.req.id) return;
      if ('progress' in res) job.progress?.(res.progress, res.message);
      else this.finish(job, () => job.resolve(res));
    });
    w.on('error', (e) => {
      if (this.worker !== w) return;
      this.log(`analysis worker crashed: ${e.stack ?? e.message}`);
      this.worker = undefined;
      const job = this.running;
      if (job) this.finish(job, () => job.resolve(this.failure(job, `analysis worker crashed: ${e.message.split('\n')[0]}`, 'bug')));
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      const job = this.running;
      if (job) this.finish(job, () => job.resolve(this.failure(job, `analysis worker exited (code ${code})`, 'bug')));
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
    for (const j of this.queue.splice(0)) {
      j.sub?.dispose();
      j.reject(new CancelledError());
    }
    if (this.running) {
      const j = this.running;
      this.running = undefined;
      clearTimeout(this.timer);
      j.sub?.dispose();
      j.reject(new CancelledError());
    }
    this.killWorker();
  }
}

function limitText(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
