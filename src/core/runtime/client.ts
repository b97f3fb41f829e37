import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ModelError, type ModelErrorCode } from '../errors';
import type { WorkerBenchOptions, WorkerCommand, WorkerMessage, WorkerRequest } from './protocol';
import type { BenchOptions, BenchResult, CompareResult } from './types';

export interface WorkerCallOptions extends BenchOptions {
  /** The worker script: the bundled worker.js for the extension; defaults to the one next to this file. */
  workerScript?: string;
}

/**
 * Runs benchModel in a worker thread: the caller's event loop stays free. Aborting the signal rejects
 * at once with an AbortError; the worker stops after its current run and exits.
 */
export function runBenchInWorker(file: string, opts: WorkerCallOptions = {}): Promise<BenchResult> {
  return call<BenchResult>({ kind: 'bench', file, opts: plain(opts) }, opts);
}

export function runCompareInWorker(original: string, compressed: string, opts: WorkerCallOptions = {}): Promise<CompareResult> {
  return call<CompareResult>({ kind: 'compare', original, compressed, opts: plain(opts) }, opts);
}

function plain(o: WorkerCallOptions): WorkerBenchOptions {
  const { signal: _s, onProgress: _p, workerScript: _w, ...rest } = o;
  return rest;
}

function workerEntry(explicit?: string): { script: string; execArgv: string[] } {
  if (explicit) return { script: explicit, execArgv: [] };
  const js = path.join(__dirname, 'worker.js');
  if (existsSync(js)) return { script: js, execArgv: [] };
  // Running from TypeScript sources (tests, CLI via tsx): the worker needs the same loader.
  return { script: path.join(__dirname, 'worker.ts'), execArgv: ['--require', 'tsx/cjs'] };
}

/** How long a cancelled worker may take to reach the next point between runs before it is terminated. */
const CANCEL_GRACE_MS = 60_000;

function call<T>(req: WorkerRequest, opts: WorkerCallOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortError(opts.signal));
    const { script, execArgv } = workerEntry(opts.workerScript);
    const worker = new Worker(script, { workerData: req, execArgv: [...process.execArgv, ...execArgv] });
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      f();
    };
    // The caller hears of the cancel at once; the worker stops after its current run and exits.
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' } satisfies WorkerCommand);
      grace = setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS);
      grace.unref();
      finish(() => reject(abortError(opts.signal!)));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') {
        if (!settled) opts.onProgress?.(m.progress);
      } else if (m.type === 'result') finish(() => resolve(m.result as T));
      else if (m.type === 'cancelled') finish(() => reject(abortError(opts.signal)));
      else finish(() => reject(m.modelError ? new ModelError(m.message, (m.code as ModelErrorCode) ?? 'invalid') : new Error(m.message)));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => {
      if (grace) clearTimeout(grace);
      finish(() => reject(new Error(`benchmark worker exited with code ${code} before answering`)));
    });
  });
}

function abortError(signal?: AbortSignal): Error {
  const r = signal?.reason;
  if (r instanceof Error) return r;
  const e = new Error('benchmark cancelled');
  e.name = 'AbortError';
  return e;
}
