/**
 * Build-time stand-in for src/core/analysis/analyze.ts while that engine does not exist yet
 * (scripts/build.mjs substitutes it only when the real module is missing). It lists the graph's nodes
 * without costs, so the graph view and lenses can be exercised; every layer says "not costed".
 */
import type { Analysis, TensorSummary } from '../core/analysis/types';
import { dimJson } from '../core/ir/dim';
import type { Model, ValueInfo } from '../core/ir/graph';

export function analyzeModel(model: Model, _opts: { dims?: Record<string, number> } = {}): Analysis {
  const g = model.graph;
  const summary = (v: ValueInfo | { name: string }): TensorSummary => {
    const vi = 'dtype' in v ? v : g.valueInfo.get(v.name);
    return { name: v.name, dtype: String(vi?.dtype ?? 'unknown'), shape: vi?.shape ? vi.shape.map(dimJson) : null };
  };
  const producers: Record<string, string> = {};
  for (const n of g.nodes) for (const o of n.outputs) if (o) producers[o] = n.id;
  const layers = g.nodes.map((n) => ({
    id: n.id, name: n.name, type: n.opType, params: 0, macs: 0, flops: 0, weightBytes: 0,
    inputs: n.inputs.filter(Boolean).map((name) => summary({ name })),
    outputs: n.outputs.filter(Boolean).map((name) => summary({ name })),
    costed: false, scope: n.scope, source: n.source,
  }));
  return {
    format: model.format, file: model.file,
    inputs: g.inputs.map(summary), outputs: g.outputs.map(summary),
    totals: { params: 0, macs: 0, flops: 0, weightBytes: 0, peakActivationBytes: 0 },
    layers,
    notCosted: layers.map((l) => ({ name: l.name, type: l.type, reason: 'the analysis engine is not built in yet' })),
    details: {
      constants: 0, nonFloatInitializerElements: 0, weightBytesByDtype: {}, boundDims: {}, freeDims: [],
      byType: {}, producers, opsets: model.opsets, producer: model.producer, warnings: ['analysis engine missing: costs not computed'],
    },
  };
}
