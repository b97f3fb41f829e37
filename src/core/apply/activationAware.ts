import { attrInt, type Model } from '../ir/graph';
import { readInputsDir } from '../runtime/calibrationInputs';
import { indexBounds, randomInputs, resolveInputShapes } from '../runtime/inputs';
import { inputMoments, type MomentSite } from '../runtime/activationMoments';

/**
 * Second moments of the inputs of the low-rank layers `ids` (ONNX MatMul / Gemm / 1×1 Conv) over the
 * calibration inputs (`inputsDir`, else `samples` seeded random inputs of the bound shapes), for
 * activation-aware low-rank (RewriteOptions.inputMoments).
 */
export async function lowRankMoments(model: Model, ids: string[], opts: { dims?: Record<string, number>; inputsDir?: string; samples?: number; seed?: number } = {}) {
  const g = model.graph;
  const sites: MomentSite[] = [];
  for (const id of new Set(ids)) {
    const n = g.nodes.find((x) => x.id === id);
    const w = n && g.initializers.get(n.inputs[1]);
    if (!n || !w) continue;
    if (n.opType === 'Conv') sites.push({ id, value: n.inputs[0], k: w.dims[1], channelAxis: 1 });
    else if (n.opType === 'Gemm') sites.push({ id, value: n.inputs[0], k: attrInt(n, 'transB', 0) ? w.dims[1] : w.dims[0], channelAxis: 'last' });
    else if (n.opType === 'MatMul') sites.push({ id, value: n.inputs[0], k: w.dims[0], channelAxis: 'last' });
  }
  const specs = resolveInputShapes(g.inputs, opts.dims ?? {});
  const sets = opts.inputsDir
    ? readInputsDir(opts.inputsDir, specs)
    : Array.from({ length: opts.samples ?? 8 }, (_, k) => randomInputs(specs, (opts.seed ?? 99) + k, indexBounds(g)));
  return inputMoments(model, sites, sets);
}
