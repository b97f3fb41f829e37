// One fuzz worker thread: builds case (seed, id), writes it, runs loadModel + analyzeModel, reports.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeModel } from '../../src/core/analysis/analyze';
import { isModelError } from '../../src/core/errors';
import { loadModel } from '../../src/core/formats';
import { makeCase, type MutateOptions } from './mutate';

export type Outcome = 'analysed' | 'clean' | 'crash';
export interface CaseResult {
  id: number;
  label: string;
  outcome: Outcome;
  message: string;
  ms: number;
}


export function writeCase(seedN: number, id: number, o: MutateOptions, base: string): { file: string; dir: string; label: string } {
  const c = makeCase(seedN, id, o);
  const d = path.join(base, `case-${id}`);
  mkdirSync(d, { recursive: true });
  for (const f of c.files) writeFileSync(path.join(d, f.name), f.data);
  return { file: path.join(d, c.main), dir: d, label: c.label };
}

async function runOne(id: number, seed: number, opts: MutateOptions, dir: string): Promise<CaseResult> {
  let label = `case ${id}`;
  let d: string | undefined;
  const t0 = performance.now();
  try {
    const w = writeCase(seed, id, opts, dir);
    label = w.label;
    d = w.dir;
    const t1 = performance.now();
    try {
      const m = await loadModel(w.file);
      analyzeModel(m, { dims: { batch: 1, batch_size: 1, sequence: 8 } });
      return { id, label, outcome: 'analysed', message: '', ms: performance.now() - t1 };
    } catch (e) {
      const msg = String((e as Error)?.message ?? e);
      const ms = performance.now() - t1;
      if (isModelError(e) && msg.length > 0 && !msg.includes('\n')) return { id, label, outcome: 'clean', message: msg, ms };
      const kind = isModelError(e) ? 'ModelError with a multi-line/empty message' : ((e as Error)?.name ?? typeof e);
      const where = ((e as Error)?.stack ?? '').split('\n').slice(1, 4).map((s) => s.trim()).join(' | ');
      return { id, label, outcome: 'crash', message: `${kind}: ${msg.split('\n')[0].slice(0, 300)} [${where}]`, ms };
    }
  } catch (e) {
    return { id, label, outcome: 'crash', message: `fuzzer failed to build the case: ${String(e)}`, ms: performance.now() - t0 };
  } finally {
    if (d) rmSync(d, { recursive: true, force: true });
  }
}

if (parentPort && workerData?.fuzzWorker) {
  const port = parentPort;
  const { seed, opts, dir } = workerData as { seed: number; opts: MutateOptions; dir: string };
  port.on('message', (id: number) => {
    runOne(id, seed, opts, dir).then((r) => port.postMessage(r));
  });
  port.postMessage('ready');
}
