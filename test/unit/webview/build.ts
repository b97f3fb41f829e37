/** Tiny hand-written analyses: each layer as [id, type, inputs, outputs, params]. */
import type { Analysis, LayerAnalysis, TensorSummary } from '../../../src/core/analysis/types';

export type Row = [id: string, type: string, inputs: string[], outputs: string[], params?: number, extra?: Partial<LayerAnalysis>];

export function analysisOf(rows: Row[], opts: { inputs?: string[]; outputs?: string[]; shapes?: Record<string, (number | string)[]>; dtypes?: Record<string, string>; format?: 'onnx' | 'keras' } = {}): Analysis {
  const tensor = (name: string): TensorSummary => ({ name, dtype: opts.dtypes?.[name] ?? 'float32', shape: opts.shapes?.[name] ?? null });
  const producers: Record<string, string> = {};
  const layers: LayerAnalysis[] = rows.map(([id, type, ins, outs, params = 0, extra = {}]) => {
    for (const o of outs) producers[o] = id;
    return { id, name: id, type, params, macs: params, flops: 2 * params, weightBytes: 4 * params, inputs: ins.map(tensor), outputs: outs.map(tensor), costed: true, ...extra };
  });
  const byType: Analysis['details']['byType'] = {};
  for (const l of layers) {
    const b = (byType[l.type] ??= { count: 0, params: 0, macs: 0, flops: 0 });
    b.count++;
    b.params += l.params;
  }
  const params = layers.reduce((s, l) => s + l.params, 0);
  return {
    format: opts.format ?? 'onnx', file: '/models/test.onnx',
    inputs: (opts.inputs ?? ['x']).map(tensor), outputs: (opts.outputs ?? []).map(tensor),
    totals: { params, macs: params, flops: 2 * params, weightBytes: 4 * params, peakActivationBytes: 0 },
    layers, notCosted: [],
    details: { constants: 0, nonFloatInitializerElements: 0, weightBytesByDtype: {}, boundDims: {}, freeDims: [], byType, producers, warnings: [] },
  };
}
