import type { Motif } from './types';
import { ancestors, between, opIs, type FlowView } from './view';

const POOL = ['GlobalAveragePool', 'ReduceMean', 'GlobalAveragePooling2D', 'GlobalAveragePooling1D', 'GlobalMaxPool'];

/**
 * Squeeze-excitation: x is pooled to a vector, passed through small weighted layers to a gate,
 * and the gate multiplies x itself. The pool reading exactly the tensor that the Mul scales is the tell.
 */
export function findSqueezeExcite(v: FlowView): Motif[] {
  const out: Motif[] = [];
  for (const l of v.layers) {
    if (!opIs(l, 'Mul', 'Multiply')) continue;
    const ins = v.activationInputs(l);
    if (ins.length !== 2 || ins[0].name === ins[1].name) continue;
    for (const [x, g] of [[ins[0], ins[1]], [ins[1], ins[0]]]) {
      const gp = v.producerOf(g.name);
      if (gp === undefined) continue;
      const up = ancestors(v, gp, 16);
      const pool = [...up.keys()].find((id) => {
        const p = v.byId.get(id);
        return opIs(p, ...POOL) && !!p && v.activationInputs(p).some((t) => t.name === x.name);
      });
      if (pool === undefined) continue;
      const layers = between(v, pool, l.id, 64);
      if (!layers.some((id) => (v.byId.get(id)?.params ?? 0) > 0)) continue;
      out.push({ id: `se:${l.id}`, kind: 'squeeze-excitation', label: 'SE gate', layers, anchor: l.id });
      break;
    }
  }
  return out;
}
