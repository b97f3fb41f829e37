import { loadModel } from '../formats/index';
import { readInputsDir } from './calibrationInputs';
import { indexBounds, randomInputs, resolveInputShapes, type RandomInput } from './inputs';
import { createSession, outputNumbers, runSession, toFeeds } from './ortSession';

export interface OutputError {
  name: string;
  /** Largest |original − rewritten| over every sample. */
  maxAbs: number;
  /** ‖original − rewritten‖₂ / ‖original‖₂ over every sample. */
  relL2: number;
  /** Classifier outputs ([N, classes], classes ≥ 5): rows whose top-1 class is unchanged. */
  top1?: number;
  /** Rows whose original top-1 class is among the rewritten top 5. */
  top5?: number;
  rows?: number;
}

export interface DataError {
  inputs: 'random' | 'files';
  samples: number;
  seed?: number;
  /** What the numbers mean, one line for the user. */
  note: string;
  outputs: OutputError[];
}

export const RANDOM_INPUTS_NOTE = 'random inputs: the error measures the rewrite\'s effect, not accuracy on your data';

/**
 * The rewrite's error on data: both ONNX models run in ONNX Runtime on the same inputs — the files in
 * `inputsDir` (calibrationInputs.ts), else `samples` seeded random inputs of the bound shapes.
 */
export async function dataError(original: string, rewritten: string, opts: { dims?: Record<string, number>; inputsDir?: string; samples?: number; seed?: number } = {}): Promise<DataError> {
  const m = await loadModel(original);
  const specs = resolveInputShapes(m.graph.inputs, opts.dims ?? {});
  const seed = opts.seed ?? 1234;
  let sets: RandomInput[][];
  if (opts.inputsDir) sets = readInputsDir(opts.inputsDir, specs);
  else {
    const bounds = indexBounds(m.graph);
    sets = Array.from({ length: opts.samples ?? 4 }, (_, k) => randomInputs(specs, seed + k, bounds));
  }
  const a = await createSession(original, { threads: 1 });
  const b = await createSession(rewritten, { threads: 1 });
  const acc = new Map<string, { maxAbs: number; d2: number; r2: number; top1: number; top5: number; rows: number; classifier: boolean }>();
  try {
    for (const set of sets) {
      const feeds = toFeeds(set);
      const ya = await runSession(a, feeds);
      const yb = await runSession(b, feeds);
      const bNames = Object.keys(yb);
      Object.keys(ya).forEach((name, i) => {
        const x = outputNumbers(ya[name] as never);
        const yt = yb[name] ?? yb[bNames[i]];
        if (!yt) return;
        const y = outputNumbers(yt as never);
        const s = acc.get(name) ?? { maxAbs: 0, d2: 0, r2: 0, top1: 0, top5: 0, rows: 0, classifier: x.dims.length === 2 && x.dims[1] >= 5 };
        for (let k = 0; k < x.values.length; k++) {
          const d = Math.abs(x.values[k] - y.values[k]);
          s.maxAbs = Math.max(s.maxAbs, Number.isNaN(d) ? Infinity : d);
          s.d2 += d * d;
          s.r2 += x.values[k] * x.values[k];
        }
        if (s.classifier && y.values.length === x.values.length) {
          const c = x.dims[1];
          for (let r = 0; r < x.dims[0]; r++) {
            const rowA = x.values.subarray(r * c, (r + 1) * c);
            const rowB = y.values.subarray(r * c, (r + 1) * c);
            const best = argmax(rowA);
            const top = topK(rowB, 5);
            if (top[0] === best) s.top1++;
            if (top.includes(best)) s.top5++;
            s.rows++;
          }
        }
        acc.set(name, s);
      });
    }
  } finally {
    await a.release();
    await b.release();
  }
  const outputs = [...acc].map(([name, s]) => {
    const o: OutputError = { name, maxAbs: s.maxAbs, relL2: s.r2 > 0 ? Math.sqrt(s.d2 / s.r2) : s.d2 > 0 ? Infinity : 0 };
    if (s.classifier && s.rows) Object.assign(o, { top1: s.top1 / s.rows, top5: s.top5 / s.rows, rows: s.rows });
    return o;
  });
  return opts.inputsDir
    ? { inputs: 'files', samples: sets.length, note: `${sets.length} sample(s) from ${opts.inputsDir}`, outputs }
    : { inputs: 'random', samples: sets.length, seed, note: RANDOM_INPUTS_NOTE, outputs };
}

function argmax(v: Float64Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

function topK(v: Float64Array, k: number): number[] {
  return Array.from(v.keys()).sort((p, q) => v[q] - v[p] || p - q).slice(0, k);
}
