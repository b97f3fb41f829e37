import type { LayerAnalysis } from '../analysis/types';
import type { Motif } from './types';
import { between, opIs, preds, succs, type FlowView } from './view';

const MATMUL = ['MatMul', 'Einsum', 'BatchMatMul', 'Dot'];
/** Ops allowed between Q·Kᵀ and softmax (scale, mask) and between softmax and ·V (dropout, casts). */
const PASS_THROUGH = ['Div', 'Mul', 'Add', 'Sub', 'Where', 'Cast', 'Dropout', 'Identity', 'Reshape', 'Transpose', 'Masking'];
const FUSED = ['MultiHeadAttention', 'Attention', 'AdditiveAttention', 'GroupQueryAttention'];

function isActMatMul(v: FlowView, l: LayerAnalysis | undefined): boolean {
  // Q·Kᵀ and ·V multiply two activations; a MatMul with a weight is a projection instead.
  return !!l && opIs(l, ...MATMUL) && v.activationInputs(l).length >= 2;
}

function walk(v: FlowView, start: string, dir: 'back' | 'fwd', steps: number, hit: (id: string) => boolean): string | undefined {
  let frontier = [start];
  const seen = new Set(frontier);
  for (let s = 0; s < steps; s++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const n of dir === 'back' ? preds(v, id) : succs(v, id)) {
        if (seen.has(n)) continue;
        seen.add(n);
        if (hit(n)) return n;
        if (opIs(v.byId.get(n), ...PASS_THROUGH)) next.push(n);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** Scaled dot-product attention: MatMul(Q, Kᵀ) -> (scale, mask) -> Softmax -> MatMul(·, V). */
export function findAttention(v: FlowView): Motif[] {
  const out: Motif[] = [];
  for (const l of v.layers) {
    if (opIs(l, ...FUSED)) {
      out.push({ id: `attention:${l.id}`, kind: 'attention', label: 'attention', layers: [l.id], anchor: l.id });
      continue;
    }
    if (!opIs(l, 'Softmax')) continue;
    const qk = walk(v, l.id, 'back', 4, (id) => isActMatMul(v, v.byId.get(id)));
    const av = walk(v, l.id, 'fwd', 3, (id) => isActMatMul(v, v.byId.get(id)));
    if (qk === undefined || av === undefined) continue;
    out.push({ id: `attention:${l.id}`, kind: 'attention', label: 'attention', layers: between(v, qk, av, 200), anchor: l.id });
  }
  return out;
}
