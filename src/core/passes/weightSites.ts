import type { Model, Node } from '../ir/graph';
import { attrInt } from '../ir/graph';
import type { LazyTensor } from '../ir/tensor';
import { elementCount } from '../ir/tensor';
import { initializer } from './graphEdit';
import { WRITABLE_FLOATS } from '../tensor/bytes';

/** A float weight of a Conv / Gemm / MatMul / ConvTranspose, with the axis of its output channels. */
export interface WeightSite {
  node: Node;
  tensor: LazyTensor;
  /** Axis whose slices are per-output-channel (per-channel quantization). */
  axis: number;
}

export function weightSites(model: Model, minElements = 256): WeightSite[] {
  const g = model.graph;
  const seen = new Set<string>();
  const out: WeightSite[] = [];
  for (const node of g.nodes) {
    if (node.domain !== '') continue;
    const t = initializer(g, node.inputs[1]);
    if (!t || !WRITABLE_FLOATS.has(t.dtype) || seen.has(t.name) || elementCount(t) < minElements) continue;
    let axis: number | undefined;
    if (node.opType === 'Conv' && t.dims.length >= 3) axis = 0;
    else if (node.opType === 'ConvTranspose' && t.dims.length >= 3 && attrInt(node, 'group', 1) === 1) axis = 1;
    else if (node.opType === 'Gemm' && t.dims.length === 2) axis = attrInt(node, 'transB', 0) ? 0 : 1;
    else if (node.opType === 'MatMul' && t.dims.length === 2) axis = 1;
    if (axis === undefined) continue;
    seen.add(t.name);
    out.push({ node, tensor: t, axis });
  }
  return out;
}

/** Visits a tensor's elements by channel along `axis`: calls fn(channel, flatIndex). */
export function channelOf(dims: readonly number[], axis: number): (i: number) => number {
  let inner = 1;
  for (let d = axis + 1; d < dims.length; d++) inner *= dims[d];
  const c = dims[axis];
  return (i) => Math.floor(i / inner) % c;
}
