import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeOnnx } from '../formats/onnx/writer';
import type { Model } from '../ir/graph';
import type { RandomInput } from './inputs';
import { createSession, outputNumbers, runSession, toFeeds } from './ortSession';

/** A layer input whose second moment is wanted: `channelAxis` 1 for NCHW convs, else the last axis. */
export interface MomentSite {
  id: string;
  value: string;
  k: number;
  channelAxis: 'last' | 1;
}

/**
 * E[x·xᵀ] (K×K) of each site's input over the calibration samples: the model runs in ONNX Runtime with
 * those values added as graph outputs (a temporary copy), and every row of the value — all positions,
 * batch and sequence — is one sample of x.
 */
export async function inputMoments(model: Model, sites: MomentSite[], sets: RandomInput[][]): Promise<Map<string, { k: number; moment: Float64Array }>> {
  const dtype = model.graph.inputs.find((i) => i.dtype.startsWith('float'))?.dtype ?? 'float32';
  const existing = new Set(model.graph.outputs.map((o) => o.name));
  const extra = [...new Set(sites.map((s) => s.value))].filter((v) => !existing.has(v));
  const probe: Model = { ...model, graph: { ...model.graph, outputs: [...model.graph.outputs, ...extra.map((name) => ({ name, dtype: model.graph.valueInfo.get(name)?.dtype ?? dtype }))] } };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modellens-moments-'));
  const acc = new Map(sites.map((s) => [s.id, { k: s.k, sum: new Float64Array(s.k * s.k), rows: 0 }]));
  try {
    const file = path.join(dir, 'probe.onnx');
    await writeOnnx(probe, file, { externalData: 'inline' });
    const sess = await createSession(file, { threads: 1 });
    try {
      for (const set of sets) {
        const out = await runSession(sess, toFeeds(set));
        for (const s of sites) {
          const t = out[s.value];
          if (!t) continue;
          const v = outputNumbers(t as never);
          const a = acc.get(s.id)!;
          const K = s.k;
          const dims = v.dims;
          const x = new Float64Array(K);
          if (s.channelAxis === 'last') {
            if (dims[dims.length - 1] !== K) continue;
            for (let r = 0; r < v.values.length / K; r++) accumulate(a.sum, v.values.subarray(r * K, (r + 1) * K), K);
            a.rows += v.values.length / K;
          } else {
            if (dims[1] !== K) continue;
            const inner = dims.slice(2).reduce((p, q) => p * q, 1);
            for (let b = 0; b < dims[0]; b++) for (let p = 0; p < inner; p++) {
              for (let c = 0; c < K; c++) x[c] = v.values[(b * K + c) * inner + p];
              accumulate(a.sum, x, K);
              a.rows++;
            }
          }
        }
      }
    } finally {
      await sess.release();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const res = new Map<string, { k: number; moment: Float64Array }>();
  for (const [id, a] of acc) if (a.rows > 0) res.set(id, { k: a.k, moment: a.sum.map((v) => v / a.rows) });
  return res;
}

function accumulate(sum: Float64Array, x: ArrayLike<number>, K: number): void {
  for (let i = 0; i < K; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    for (let j = 0; j < K; j++) sum[i * K + j] += xi * x[j];
  }
}
