// The fuzz driver: cases in worker threads with a time limit each, a sample through the CLI process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MutateOptions } from './mutate';
import type { CaseResult } from './worker';
import { removeCase, writeCase } from './worker';

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Only this case (reproduce one). */
  only?: number;
  workers?: number;
  timeoutMs?: number;
  /** Every Nth case also runs through `node bin/modellens.js analyze FILE --json` (0: none). */
  cliEvery?: number;
  large?: boolean;
  /** Heap limit of a worker, MB: a case that needs more is a crash. */
  heapMb?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface FuzzSummary {
  cases: number;
  clean: number;
  analysed: number;
  crashes: { id: number; label: string; message: string; via: 'core' | 'cli' }[];
  hangs: { id: number; label: string; via: 'core' | 'cli' }[];
  slowest: { id: number; label: string; ms: number } | undefined;
  cliRuns: number;
  line: string;
}

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'modellens.js');

export async function runFuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-fuzz-'));
  const opts: MutateOptions = { large: o.large };
  const ids = o.only !== undefined ? [o.only] : Array.from({ length: o.cases }, (_, i) => i);
  const timeoutMs = o.timeoutMs ?? 20_000;
  const results: CaseResult[] = [];
  const crashes: FuzzSummary['crashes'] = [];
  const hangs: FuzzSummary['hangs'] = [];
  let next = 0;
  const startFailures: string[] = [];
  let done = 0;

  const workerFile = path.join(__dirname, 'worker-boot.cjs');
  const nWorkers = Math.max(1, Math.min(o.workers ?? Math.max(1, Math.min(4, os.availableParallelism() - 0)), ids.length));

  const runSlot = () =>
    new Promise<void>((resolve) => {
      let w: Worker;
      let current = -1;
      let timer: NodeJS.Timeout | undefined;
      const start = () => {
        w = new Worker(workerFile, {
          workerData: { fuzzWorker: true, seed: o.seed, opts, dir },
          resourceLimits: { maxOldGenerationSizeMb: o.heapMb ?? 2048, stackSizeMb: 4 },
          stdout: true,
          stderr: true,
        });
        w.stdout.resume();
        w.stderr.resume();
        w.on('message', (m: 'ready' | CaseResult) => {
          if (m === 'ready') return feed();
          clearTimeout(timer);
          results.push(m);
          if (m.outcome === 'crash') crashes.push({ id: m.id, label: m.label, message: m.message, via: 'core' });
          finish();
          feed();
        });
        let ready = false;
        w.once('message', () => (ready = true));
        w.on('error', (e) => {
          if (!ready) startFailures.push(String(e.message).split('\n')[0]);
          if (current < 0) return;
          clearTimeout(timer);
          crashes.push({ id: current, label: `case ${current}`, message: `worker died: ${String(e.message).split('\n')[0]}`, via: 'core' });
          current = -1;
          finish();
        });
        w.on('exit', () => {
          if (current >= 0) {
            clearTimeout(timer);
            crashes.push({ id: current, label: `case ${current}`, message: 'worker exited while running the case', via: 'core' });
            current = -1;
            finish();
          }
          if (!ready && startFailures.length > 3) throw new Error(`fuzz worker cannot start: ${startFailures[0]}`);
          if (next < ids.length) start();
          else resolve();
        });
      };
      const finish = () => {
        current = -1;
        done++;
        o.onProgress?.(done, ids.length);
      };
      const feed = () => {
        if (next >= ids.length) {
          void w.terminate();
          return;
        }
        current = ids[next++];
        const id = current;
        timer = setTimeout(() => {
          if (current !== id) return;
          hangs.push({ id, label: `case ${id}`, via: 'core' });
          current = -1;
          finish();
          void w.terminate(); // exit handler restarts a worker
        }, timeoutMs);
        w.postMessage(id);
      };
      start();
    });

  // The CLI sample, one process at a time beside the workers.
  const cliIds = o.cliEvery ? ids.filter((id) => id % o.cliEvery! === 0) : [];
  const cliRun = async () => {
    for (const id of cliIds) {
      let w: Awaited<ReturnType<typeof writeCase>>;
      try {
        w = await writeCase(o.seed, id, opts, dir, 'cli');
      } catch (e) {
        crashes.push({ id, label: `case ${id}`, message: `fuzzer failed to build the case: ${String(e)}`, via: 'cli' });
        continue;
      }
      const r = await spawnCli(w.file, timeoutMs * 2);
      removeCase(w);
      if (r.timedOut) hangs.push({ id, label: w.label, via: 'cli' });
      else {
        const lines = r.stderr.split('\n').filter((l) => l.length > 0 && !/^npm warn|ExperimentalWarning|--trace-warnings/.test(l));
        const clean = (r.code === 0 && lines.length === 0) || (r.code === 1 && lines.length === 1 && lines[0].startsWith('error: ') && !lines[0].includes('internal error'));
        if (!clean) crashes.push({ id, label: w.label, message: `CLI exit ${r.code} ${r.signal ?? ''}, stderr: ${lines.slice(0, 3).join(' | ').slice(0, 400)}`, via: 'cli' });
      }
    }
  };

  try {
    await Promise.all([...Array.from({ length: nWorkers }, runSlot), cliRun()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const clean = results.filter((r) => r.outcome === 'clean').length;
  const analysed = results.filter((r) => r.outcome === 'analysed').length;
  let slowest: FuzzSummary['slowest'];
  for (const r of results) if (!slowest || r.ms > slowest.ms) slowest = { id: r.id, label: r.label, ms: r.ms };
  const line =
    `fuzz: ${ids.length} cases (seed ${o.seed}), ${clean} clean errors, ${analysed} analysed, ${crashes.length} crashes, ${hangs.length} hangs` +
    (slowest ? `, slowest ${Math.round(slowest.ms)} ms (case ${slowest.id}: ${slowest.label})` : '') +
    `; ${cliIds.length} also through the CLI`;
  return { cases: ids.length, clean, analysed, crashes, hangs, slowest, cliRuns: cliIds.length, line };
}

function spawnCli(file: string, timeoutMs: number): Promise<{ code: number | null; signal: string | null; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, 'analyze', file, '--json'], { env: { ...process.env, MODELLENS_FROM_SOURCE: process.env.MODELLENS_FUZZ_BUNDLED ? '' : '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    p.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20000)));
    const t = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, timeoutMs);
    p.on('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stderr, timedOut });
    });
  });
}
