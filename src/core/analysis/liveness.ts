import { dimAdd, dimDiv, dimMul, dimSub, type Dim } from '../ir/dim';
import { dtypeBits } from '../ir/dtype';
import { subgraphsOf, type TensorType } from '../ir/graph';
import type { NodeRun } from '../rules/engine';
import { probeValue } from './bindDims';
import { numel } from '../rules/onnx/util';

const bytesMemo = new WeakMap<TensorType, Dim>();

/** Bytes of a tensor of this type (sub-byte types rounded up); 0 when unknown. */
export function tensorBytes(t: TensorType | undefined): Dim {
  // A sequence's length is not part of its type: its bytes are unknown (0, as for an unknown shape).
  if (!t?.shape || t.container === 'sequence' || t.container === 'optional-sequence') return 0;
  const memo = bytesMemo.get(t);
  if (memo !== undefined) return memo;
  const bits = dtypeBits(t.dtype);
  if (bits === undefined) return 0;
  const n = numel(t.shape);
  const b = bits % 8 === 0 ? dimMul(bits / 8, n) : dimDiv(dimMul(bits, n), 8, 'ceil');
  bytesMemo.set(t, b);
  return b;
}

/**
 * Peak activation memory along the evaluation order. Counted: graph inputs (live from the start) and
 * every node output, each at its full size, live from its producer through its last consumer (graph
 * outputs to the end; an output nobody reads only during its own node). Not counted: initializers and
 * Constant outputs (model data), tensors of unknown shape or dtype (0), workspace, and any in-place
 * or aliasing reuse a runtime may do (Reshape/Identity outputs count as new tensors). A
 * node's inputs and outputs are live together while it runs. Symbolic sizes are compared with every
 * free dim taken as 128 and the peak step is reported as its expression.
 */
export function peakActivationBytes(runs: NodeRun[], graphInputs: { name: string; type: TensorType | undefined }[], graphOutputs: string[]): Dim {
  const last = new Map<string, number>();
  const end = runs.length;
  runs.forEach((r, i) => {
    for (const n of r.node.inputs) if (n) last.set(n, i);
    for (const g of subgraphsOf(r.node)) for (const sub of g.nodes) for (const n of sub.inputs) if (n) last.set(n, Math.max(last.get(n) ?? i, i));
  });
  for (const o of graphOutputs) last.set(o, end);
  const size = new Map<string, Dim>();
  const freeAt: string[][] = Array.from({ length: end + 1 }, () => []);
  let live: Dim = 0;
  for (const g of graphInputs) {
    const b = tensorBytes(g.type);
    size.set(g.name, b);
    live = dimAdd(live, b);
    const l = last.get(g.name);
    freeAt[l === undefined ? 0 : l].push(g.name);
  }
  let peak: Dim = live;
  let peakProbe = probeValue(live);
  runs.forEach((r, i) => {
    if (r.node.opType !== 'Constant') {
      r.node.outputs.forEach((name, k) => {
        if (!name || size.has(name)) return;
        const b = tensorBytes(r.outputs[k]);
        size.set(name, b);
        live = dimAdd(live, b);
        const l = last.get(name);
        freeAt[l === undefined || l < i ? i : l].push(name);
      });
    }
    const p = probeValue(live);
    if (p > peakProbe) {
      peak = live;
      peakProbe = p;
    }
    for (const name of freeAt[i]) live = dimSub(live, size.get(name) ?? 0);
  });
  return peak;
}
