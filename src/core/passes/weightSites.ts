import type { Model, Node } from '../ir/graph';
import { attrInt } from '../ir/graph';
import type { LazyTensor } from '../ir/tensor';
import { elementCount } from '../ir/tensor';
import { initializer } from './graphEdit';
import { WRITABLE_FLOATS } from '../tensor/bytes';

/** A float weight (see weightSites), with the axis of its output channels / rows. */
export interface WeightSite {
  node: Node;
  tensor: LazyTensor;
  /** Axis whose slices are per-output-channel (per-channel quantization). */
  axis: number;
}

const RNN = new Set(['LSTM', 'GRU', 'RNN']);

/**
 * Float weights of Conv / ConvTranspose / Gemm / MatMul (input 1), embedding tables (Gather input 0)
 * and recurrent W / R, each tensor once, with at least `minElements` elements.
 */
export function weightSites(model: Model, minElements = 256): WeightSite[] {
  const g = model.graph;
  const seen = new Set<string>();
  const out: WeightSite[] = [];
  const add = (node: Node, t: LazyTensor | undefined, axis: number) => {
    if (!t || !WRITABLE_FLOATS.has(t.dtype) || seen.has(t.name) || elementCount(t) < minElements) return;
    seen.add(t.name);
    out.push({ node, tensor: t, axis });
  };
  for (const node of g.nodes) {
    if (node.domain !== '') continue;
    // Embedding tables (Gather of a 2-D initializer): one scale per row, the unit a lookup reads.
    if (node.opType === 'Gather' && attrInt(node, 'axis', 0) === 0 && initializer(g, node.inputs[0])?.dims.length === 2) {
      add(node, initializer(g, node.inputs[0]), 0);
      continue;
    }
    // Recurrent weights W [dirs, gates·H, in] and R [dirs, gates·H, H]: one scale per gate row.
    if (RNN.has(node.opType)) {
      for (const slot of [1, 2]) {
        const w = initializer(g, node.inputs[slot]);
        if (w?.dims.length === 3) add(node, w, 1);
      }
      continue;
    }
    const t = initializer(g, node.inputs[1]);
    if (!t) continue;
    let axis: number | undefined;
    if (node.opType === 'Conv' && t.dims.length >= 3) axis = 0;
    else if (node.opType === 'ConvTranspose' && t.dims.length >= 3 && attrInt(node, 'group', 1) === 1) axis = 1;
    else if (node.opType === 'Gemm' && t.dims.length === 2) axis = attrInt(node, 'transB', 0) ? 0 : 1;
    else if (node.opType === 'MatMul' && t.dims.length === 2) axis = 1;
    if (axis !== undefined) add(node, t, axis);
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
