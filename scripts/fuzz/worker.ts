// One fuzz worker thread: builds case (seed, id), writes it, runs loadModel + analyzeModel, reports.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeModel } from '../../src/core/analysis/analyze';
import { isModelError } from '../../src/core/errors';
import { loadModel } from '../../src/core/formats';
import { loadH5wasm } from '../../src/core/formats/keras/h5';
import { makeCase, type MutateOptions } from './mutate';

export type Outcome = 'analysed' | 'clean' | 'crash';
export interface CaseResult {
  id: number;
  label: string;
  outcome: Outcome;
  message: string;
  ms: number;
}


/** Writes case `id`: plain files, FIFOs, links and HDF5 files (built with h5wasm); `../x` lands beside the case folder. */
export async function writeCase(seedN: number, id: number, o: MutateOptions, base: string, tag = 'case'): Promise<{ file: string; dir: string; label: string; outside: string[] }> {
  const c = makeCase(seedN, id, o);
  // <base>/<tag>-<id>/model/ holds the case, its parent what the case puts outside the model's folder:
  // the core run and the CLI sample of one id never share a file (HDF5 locks files it has open).
  const parent = path.join(base, `${tag}-${id}`);
  const d = path.join(parent, 'model');
  mkdirSync(d, { recursive: true });
  const outside: string[] = [];
  for (const f of c.files) {
    const p = path.join(d, f.name);
    if (!p.startsWith(d + path.sep)) outside.push(p);
    rmSync(p, { force: true });
    if ('data' in f) writeFileSync(p, f.data);
    else if ('fifo' in f) execFileSync('mkfifo', [p]);
    else if ('symlink' in f) symlinkSync(f.symlink, p);
    else f.h5(await loadH5wasm(), p);
  }
  return { file: path.join(d, c.main), dir: parent, label: c.label, outside };
}

/** Removes a written case (and what it put beside its folder). */
export function removeCase(w: { dir: string }): void {
  rmSync(w.dir, { recursive: true, force: true });
}

const OBJECT_KEYS = Reflect.ownKeys(Object.prototype).length;
const ARRAY_KEYS = Reflect.ownKeys(Array.prototype).length;
/** A model that wrote to Object.prototype / Array.prototype (a tally keyed by `__proto__`) is a crash. */
function pollution(): string | undefined {
  if (Reflect.ownKeys(Object.prototype).length !== OBJECT_KEYS || Reflect.ownKeys(Array.prototype).length !== ARRAY_KEYS || Object.getPrototypeOf({}) !== Object.prototype) {
    return `prototype pollution: Object.prototype has ${Reflect.ownKeys(Object.prototype).length - OBJECT_KEYS} new keys`;
  }
  return undefined;
}

async function runOne(id: number, seed: number, opts: MutateOptions, dir: string): Promise<CaseResult> {
  let label = `case ${id}`;
  let w: Awaited<ReturnType<typeof writeCase>> | undefined;
  const t0 = performance.now();
  try {
    w = await writeCase(seed, id, opts, dir);
    label = w.label;
    const t1 = performance.now();
    try {
      const m = await loadModel(w.file);
      analyzeModel(m, { dims: { batch: 1, batch_size: 1, sequence: 8 } });
      const polluted = pollution();
      if (polluted) return { id, label, outcome: 'crash', message: polluted, ms: performance.now() - t1 };
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
    if (w) removeCase(w);
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
