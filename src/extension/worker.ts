/**
 * Entry of dist/worker.js: a worker_threads worker that parses and analyses models, so that big files
 * never block the extension host. One request at a time; the host cancels by terminating the worker.
 */
import { parentPort } from 'node:worker_threads';
import { runAnalyze, runApply, runPreview, runSuggest, runWeightStats } from './engine';
import type { WorkerRequest } from './workerProtocol';

if (!parentPort) throw new Error('worker.js must run in a worker thread');
const port = parentPort;
port.on('message', (req: WorkerRequest) => {
  if (req?.type === 'analyze') void runAnalyze(req).then((res) => port.postMessage(res));
  else if (req?.type === 'weightStats') void runWeightStats(req).then((res) => port.postMessage(res));
  else if (req?.type === 'suggest') void runSuggest(req).then((res) => port.postMessage(res));
  else if (req?.type === 'preview') void runPreview(req).then((res) => port.postMessage(res));
  else if (req?.type === 'apply') {
    let last = 0;
    const progress = (f: number, message: string) => {
      const now = Date.now();
      if (now - last < 100 && f < 1) return;
      last = now;
      port.postMessage({ id: req.id, progress: f, message });
    };
    // The new model (or shard) bytes move to the host instead of being copied.
    const moved = (res: Awaited<ReturnType<typeof runApply>>) => (res.ok ? [res.bytes, ...(res.shards ?? []).map((s) => s.bytes)].filter((b): b is Uint8Array => !!b).map((b) => b.buffer as ArrayBuffer) : []);
    void runApply(req, progress).then((res) => port.postMessage(res, [...new Set(moved(res))]));
  }
});
