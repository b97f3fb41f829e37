import { analyzeModel } from '../analysis/analyze';
import { ModelError } from '../errors';
import { detectFormat, loadModel } from '../formats';
import { deviceProfile } from './calibrate';
import { benchKeras } from './kerasBench';
import { benchOnnx, DEFAULT_SEED, type RunOutputs } from './onnxBench';
import { rooflineEstimate } from './roofline';
import type { BenchOptions, BenchResult, CompareResult, OutputDiff } from './types';

interface Measured {
  result: BenchResult;
  outputs: RunOutputs;
}

async function measure(file: string, opts: BenchOptions): Promise<Measured> {
  const fmt = await detectFormat(file);
  if (fmt === 'onnx') return benchOnnx(file, opts);
  if (fmt === 'keras-json') {
    const m = await benchKeras(file, opts);
    if (opts.roofline !== false) await addKerasRoofline(file, m.result, opts);
    return m;
  }
  if (fmt === 'keras-zip' || fmt === 'keras-h5') throw new ModelError(`benchmarking ${fmt === 'keras-zip' ? '.keras archives' : '.h5 files'} is not supported yet (the Keras JSON config can be benchmarked)`, 'unsupported');
  throw new ModelError('not a model file ModelLens can run (expected ONNX or Keras JSON)');
}

/** The roofline for a Keras model from its IR analysis (layer ids are Keras layer names). */
async function addKerasRoofline(file: string, result: BenchResult, opts: BenchOptions): Promise<void> {
  try {
    const dims: Record<string, number> = { batch: 1, ...(opts.dims ?? {}) };
    const analysis = analyzeModel(await loadModel(file), { dims });
    const device = typeof opts.roofline === 'object' ? opts.roofline : await deviceProfile({ threads: opts.threads, cache: opts.profileCache, signal: opts.signal });
    result.roofline = rooflineEstimate(analysis, device, { medianMs: result.latency.medianMs, perNode: result.perNode });
    result.warnings.push('the device profile is calibrated with ONNX Runtime kernels; TensorFlow.js kernels are slower, so the estimate is optimistic for Keras models');
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    result.warnings.push(`no roofline estimate: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
}

/**
 * Benchmarks one model file: ONNX in onnxruntime-node (CPU), Keras JSON in TensorFlow.js. Random
 * seeded inputs (symbolic dims from opts.dims), warm-up, N timed runs, per-node times, memory and a
 * roofline estimate. Failures are ModelErrors with one line (the runtime's reason included).
 */
export async function benchModel(file: string, opts: BenchOptions = {}): Promise<BenchResult> {
  return (await measure(file, opts)).result;
}

/**
 * Latency and size before vs after, and how far the compressed model's outputs move from the
 * original's on the same seeded random inputs (outputs matched by name, else by position).
 */
export async function compareModels(original: string, compressed: string, opts: BenchOptions = {}): Promise<CompareResult> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const tag = (model: string) => ({ ...opts, seed, onProgress: opts.onProgress && ((p: Parameters<NonNullable<BenchOptions['onProgress']>>[0]) => opts.onProgress!({ ...p, model })) });
  const before = await measure(original, tag('original'));
  const after = await measure(compressed, tag('compressed'));
  return {
    before: before.result,
    after: after.result,
    speedup: before.result.latency.medianMs / after.result.latency.medianMs,
    sizeBefore: before.result.fileBytes,
    sizeAfter: after.result.fileBytes,
    outputs: diffOutputs(before.outputs, after.outputs),
    seed,
  };
}

export function diffOutputs(a: RunOutputs, b: RunOutputs): OutputDiff[] {
  const bNames = Object.keys(b);
  return Object.keys(a).map((name, i) => {
    const x = a[name];
    const y = b[name] ?? b[bNames[i]];
    if (!y) return { name, maxAbs: NaN, relL2: NaN, mismatch: 'no such output after compression' };
    if (x.dims.join('x') !== y.dims.join('x')) return { name, maxAbs: NaN, relL2: NaN, mismatch: `shape [${x.dims}] became [${y.dims}]` };
    let maxAbs = 0;
    let nan = false;
    let diff2 = 0;
    let ref2 = 0;
    for (let k = 0; k < x.values.length; k++) {
      const d = Math.abs(x.values[k] - y.values[k]);
      if (Number.isNaN(d)) nan = true; // a NaN on one side only is a difference; NaN on both too
      else if (d > maxAbs) maxAbs = d;
      diff2 += d * d;
      ref2 += x.values[k] * x.values[k];
    }
    const relL2 = ref2 > 0 ? Math.sqrt(diff2 / ref2) : diff2 > 0 ? Infinity : 0;
    return { name, maxAbs: nan ? NaN : maxAbs, relL2: nan ? NaN : relL2, ...(x.dtype !== y.dtype ? { mismatch: `dtype ${x.dtype} became ${y.dtype}` } : {}) };
  });
}
