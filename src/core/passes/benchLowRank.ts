import { analyzeModel } from '../analysis/analyze';
import type { Graph, Model } from '../ir/graph';
import { f32Tensor, newNode } from './graphEdit';
import { lowRank } from './lowRank';
import { combine } from './combine';
import type { LayerError } from './types';

export interface LowRankBench {
  layers: { name: string; m: number; n: number }[];
  ratio: number;
  findSeconds: number;
  rewriteSeconds: number;
  errors: LayerError[];
  paramsBefore: number;
  paramsAfter: number;
}

/** VGG-16's classifier (25088→4096→4096→1000 Gemms) with random weights: the issue's timing target. */
export function vggClassifier(seed = 1): Model {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const dims: [number, number][] = [[4096, 25088], [4096, 4096], [1000, 4096]];
  const g: Graph = { name: 'vgg16_classifier', nodes: [], inputs: [{ name: 'x', dtype: 'float32', shape: [1, 25088] }], outputs: [{ name: 'y', dtype: 'float32', shape: [1, 1000] }], initializers: new Map(), valueInfo: new Map() };
  let cur = 'x';
  dims.forEach(([n, k], i) => {
    const w = new Float32Array(n * k);
    const scale = Math.sqrt(6 / k);
    for (let j = 0; j < w.length; j++) w[j] = rand() * scale;
    g.initializers.set(`fc${i}.weight`, f32Tensor(`fc${i}.weight`, [n, k], w));
    g.initializers.set(`fc${i}.bias`, f32Tensor(`fc${i}.bias`, [n], new Float32Array(n)));
    const out = i === 2 ? 'y' : `h${i}`;
    g.nodes.push(newNode(`fc${i}`, 'Gemm', [cur, `fc${i}.weight`, `fc${i}.bias`], [i === 2 ? out : `${out}_pre`], { transB: { kind: 'int', value: 1 } }));
    if (i < 2) g.nodes.push(newNode(`relu${i}`, 'Relu', [`${out}_pre`], [out]));
    cur = out;
  });
  return { format: 'onnx', file: '/bench/vgg16_classifier.onnx', graph: g, opsets: { '': 13 }, metadata: {}, warnings: [] };
}

/** Low-rank on all three Gemms at `ratio` of their weights kept, weights included (randomized SVD). */
export async function benchLowRankVgg(ratio = 0.25, onProgress?: (f: number, msg: string) => void): Promise<LowRankBench> {
  const model = vggClassifier();
  const before = analyzeModel(model);
  let t = Date.now();
  const found = await lowRank.find(model, before);
  const findSeconds = (Date.now() - t) / 1000;
  const s = combine(found, undefined, 'low-rank');
  const errors: LayerError[] = [];
  t = Date.now();
  const out = await lowRank.rewrite(model, s, { ratio }, { withWeights: true, onError: (e) => errors.push(e), onProgress });
  const rewriteSeconds = (Date.now() - t) / 1000;
  return {
    layers: found.map((x) => ({ name: x.layers[0], m: x.detail!.m as number, n: x.detail!.n as number })),
    ratio,
    findSeconds,
    rewriteSeconds,
    errors,
    paramsBefore: before.totals.params,
    paramsAfter: analyzeModel(out).totals.params,
  };
}
