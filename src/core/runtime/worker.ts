// worker_threads entry: runs one benchmark request from workerData, posts progress and the result,
// then ends on its own. Cancel is cooperative: a 'cancel' message aborts at the next point between
// runs. Terminating the thread while ONNX Runtime is inside a run aborts the whole process (the
// native binding throws during environment teardown), so the caller only terminates as a last resort.
import { parentPort, workerData } from 'node:worker_threads';
import { isModelError } from '../errors';
import { benchModel, compareModels } from './bench';
import type { WorkerCommand, WorkerMessage, WorkerRequest } from './protocol';
import type { BenchProgress } from './types';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runtime/worker.ts must run in a worker thread');
  const post = (m: WorkerMessage) => port.postMessage(m);
  const ac = new AbortController();
  port.on('message', (m: WorkerCommand) => {
    if (m?.type === 'cancel') ac.abort();
  });
  // The listener must not keep the thread alive once the work is done.
  port.unref();
  const req = workerData as WorkerRequest;
  const opts = { signal: ac.signal, onProgress: (progress: BenchProgress) => post({ type: 'progress', progress }) };
  try {
    const result = req.kind === 'bench' ? await benchModel(req.file, { ...req.opts, ...opts }) : await compareModels(req.original, req.compressed, { ...req.opts, ...opts });
    post({ type: 'result', result });
  } catch (e) {
    if (ac.signal.aborted) post({ type: 'cancelled' });
    else post({ type: 'error', message: String((e as Error)?.message ?? e).split('\n')[0], modelError: isModelError(e), code: isModelError(e) ? e.code : undefined });
  }
}

void main();
