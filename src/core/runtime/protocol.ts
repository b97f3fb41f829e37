import type { BenchOptions, BenchProgress, BenchResult, CompareResult } from './types';

/** Options that cross the worker boundary (functions and signals stay on the caller's side). */
export type WorkerBenchOptions = Omit<BenchOptions, 'signal' | 'onProgress'>;

export type WorkerRequest =
  | { kind: 'bench'; file: string; opts: WorkerBenchOptions }
  | { kind: 'compare'; original: string; compressed: string; opts: WorkerBenchOptions };

/** Caller -> worker, after start: stop at the next point between runs. */
export type WorkerCommand = { type: 'cancel' };

export type WorkerMessage =
  | { type: 'progress'; progress: BenchProgress }
  | { type: 'result'; result: BenchResult | CompareResult }
  | { type: 'cancelled' }
  | { type: 'error'; message: string; modelError: boolean; code?: string };
