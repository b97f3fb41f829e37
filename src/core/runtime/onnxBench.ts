import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { analyzeModel } from '../analysis/analyze';
import type { Analysis } from '../analysis/types';
import { loadModel } from '../formats';
import type { Model } from '../ir/graph';
import { deviceProfile } from './calibrate';
import { indexBounds, randomInputs, resolveInputShapes, type RandomInput } from './inputs';
import { createSession, outputNumbers, runSession, toFeeds, type SessionSettings } from './ortSession';
import { mapKernelsToGraph, parseOrtProfile, type OptimizedOutputs } from './ortProfile';
import { readOnnxFile } from '../formats/onnx/reader';
import { rooflineEstimate } from './roofline';
import { hrMs, latencyStats } from './stats';
import type { BenchOptions, BenchResult, PerNodeTimes } from './types';

export const DEFAULT_RUNS = 20;
export const DEFAULT_WARMUP = 3;
export const DEFAULT_SEED = 1234;
/** Profiled runs are capped: per-node means settle within a few runs and profiling is slower. */
const MAX_PROFILED_RUNS = 10;

/** Output values of the last timed run, as float64, for before/after comparison. */
export type RunOutputs = Record<string, { dtype: string; dims: number[]; values: Float64Array }>;

export interface OnnxBench {
  result: BenchResult;
  outputs: RunOutputs;
  model: Model;
  analysis?: Analysis;
}

/**
 * Times an ONNX model in onnxruntime-node (CPU execution provider): warm-up runs, then N timed runs
 * of `session.run` (wall time around the call: the kernels plus the binding's input/output copies).
 * Timing uses a session without the profiler; per-node times come from a second, profiled session.
 */
export async function benchOnnx(file: string, opts: BenchOptions = {}): Promise<OnnxBench> {
  const runs = Math.max(1, Math.floor(opts.runs ?? DEFAULT_RUNS));
  const warmup = Math.max(0, Math.floor(opts.warmup ?? DEFAULT_WARMUP));
  const progress = opts.onProgress ?? (() => undefined);
  const warnings: string[] = [];

  progress({ phase: 'load', done: 0, total: 0 });
  const model = await loadModel(file);
  const specs = resolveInputShapes(model.graph.inputs, opts.dims ?? {});
  const inputs = randomInputs(specs, opts.seed ?? DEFAULT_SEED, indexBounds(model.graph));
  const feeds = toFeeds(inputs);
  const settings: SessionSettings = { threads: opts.threads, optimization: opts.optimization };

  opts.signal?.throwIfAborted();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampleRss = () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss));
  const tLoad = process.hrtime.bigint();
  const session = await createSession(model.file, settings);
  const loadMs = hrMs(tLoad);
  sampleRss();
  const times: number[] = [];
  let outputs: RunOutputs = {};
  try {
    for (let i = 0; i < warmup; i++) {
      opts.signal?.throwIfAborted();
      progress({ phase: 'warmup', done: i, total: warmup });
      await runSession(session, feeds);
      sampleRss();
    }
    for (let i = 0; i < runs; i++) {
      opts.signal?.throwIfAborted();
      progress({ phase: 'run', done: i, total: runs });
      const t = process.hrtime.bigint();
      const out = await runSession(session, feeds);
      times.push(hrMs(t));
      sampleRss();
      if (i === runs - 1) outputs = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, outputNumbers(v as never)]));
    }
    progress({ phase: 'run', done: runs, total: runs });
  } finally {
    await session.release();
  }

  let perNode: PerNodeTimes | undefined;
  let arenaPeak: number | undefined;
  if (opts.perNode !== false) {
    try {
      const profiled = await profileOnnx(model, feeds, settings, Math.min(runs, MAX_PROFILED_RUNS), opts);
      perNode = profiled.perNode;
      arenaPeak = profiled.arenaPeakBytes;
      if (perNode.unmapped.length) warnings.push(`${perNode.unmapped.length} runtime kernels map to no graph node (e.g. ${perNode.unmapped[0].kernel}, ${perNode.unmapped[0].opType})`);
    } catch (e) {
      // The timed runs already succeeded: a profiler problem costs the per-node view, not the result.
      if ((e as Error)?.name === 'AbortError') throw e;
      warnings.push(`no per-node times: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
    }
  }

  const latency = latencyStats(times);
  let analysis: Analysis | undefined;
  const result: BenchResult = {
    file: model.file,
    format: 'onnx',
    runtime: 'onnxruntime-node',
    backend: 'cpu',
    backendNotes: [`CPU execution provider, graph optimisation '${settings.optimization ?? 'all'}', intra-op threads ${settings.threads ?? 'ORT default (physical cores)'}`],
    inputs: specs,
    warmup,
    latency,
    memory: {
      rssBeforeBytes: rssBefore,
      rssPeakDeltaBytes: rssPeak - rssBefore,
      ...(arenaPeak !== undefined ? { ortArenaPeakBytes: arenaPeak } : {}),
      note: 'rssPeakDeltaBytes: growth of this process\'s resident memory from before the ORT session was created to its highest sample (after load and after each run), i.e. the session with its weights, arena and outputs; ortArenaPeakBytes: peak bytes in use in ORT\'s CPU arena (activations and scratch) as its profiler reports',
    },
    ...(perNode ? { perNode } : {}),
    fileBytes: modelBytes(model),
    loadMs,
    warnings,
  };

  if (opts.roofline !== false) {
    try {
      progress({ phase: 'estimate', done: 0, total: 0 });
      analysis = analyzeModel(model, { dims: opts.dims });
      if (opts.roofline === undefined || opts.roofline === 'auto') progress({ phase: 'calibrate', done: 0, total: 0 });
      const device = typeof opts.roofline === 'object' ? opts.roofline : await deviceProfile({ threads: opts.threads, cache: opts.profileCache, signal: opts.signal });
      result.roofline = rooflineEstimate(analysis, device, { medianMs: latency.medianMs, perNode });
      if (result.roofline.staleProfile) warnings.push(result.roofline.staleProfile);
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw e;
      warnings.push(`no roofline estimate: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
    }
  }
  return { result, outputs, model, analysis };
}

async function profileOnnx(model: Model, feeds: ReturnType<typeof toFeeds>, settings: SessionSettings, runs: number, opts: BenchOptions): Promise<{ perNode: PerNodeTimes; arenaPeakBytes?: number }> {
  const dir = path.join(os.tmpdir(), 'modellens');
  await mkdir(dir, { recursive: true });
  const base = `ort-profile-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const optimizedFile = path.join(dir, `${base}.optimized.onnx`);
  const session = await createSession(model.file, { ...settings, profilePrefix: path.join(dir, base), optimizedModelFilePath: optimizedFile });
  let ended = false;
  try {
    // One untimed run: the first run's allocations would otherwise dominate small kernels.
    await runSession(session, feeds);
    for (let i = 0; i < runs; i++) {
      opts.signal?.throwIfAborted();
      opts.onProgress?.({ phase: 'profile', done: i, total: runs });
      await runSession(session, feeds);
    }
    session.endProfiling();
    ended = true;
  } finally {
    if (!ended) session.endProfiling();
    await session.release();
  }
  // ORT appends a timestamp to the prefix; the file is the one that starts with our unique base.
  const files = readdirSync(dir).filter((f) => f.startsWith(base));
  try {
    const trace = files.find((f) => f.endsWith('.json'));
    if (!trace) throw new Error('ONNX Runtime wrote no profile');
    const parsed = parseOrtProfile(readFileSync(path.join(dir, trace), 'utf8'), runs);
    const method = `ONNX Runtime profiler: kernel times of ${parsed.runs} runs after 1 warm-up, charged to graph nodes by kernel name or by the values the kernel produces in ORT's optimised graph; nodes ORT fused into a kernel are listed with it`;
    return { perNode: mapKernelsToGraph(model.graph, parsed, method, optimizedOutputs(optimizedFile)), arenaPeakBytes: parsed.arenaPeakBytes };
  } finally {
    for (const f of files) rmSync(path.join(dir, f), { force: true });
  }
}

/** Node name -> outputs of ORT's optimised graph; empty when ORT could not write it (mapping then uses names only). */
function optimizedOutputs(file: string): OptimizedOutputs {
  const map: OptimizedOutputs = new Map();
  try {
    for (const n of readOnnxFile(file).graph.nodes) if (n.name) map.set(n.name, n.outputs.filter(Boolean));
  } catch {
    // Layout-specific graphs may not round-trip through our reader; names alone still map most kernels.
  }
  return map;
}

/** Bytes on disk: the model file plus every external-data file its initializers live in. */
export function modelBytes(model: Model): number {
  const files = new Set<string>([model.file]);
  for (const t of model.graph.initializers.values()) if (t.source.kind === 'file') files.add(t.source.path);
  let sum = 0;
  for (const f of files) {
    try {
      sum += statSync(f).size;
    } catch {
      // A missing external file already failed the load; nothing to add.
    }
  }
  return sum;
}

export type { RandomInput };
