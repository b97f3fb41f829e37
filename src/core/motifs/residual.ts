import type { Motif } from './types';
import { ancestors, between, opIs, type FlowView } from './view';

const SEARCH_LIMIT = 400;

/**
 * A residual block: an Add whose two activation inputs descend from one fork, one side carrying the
 * weighted body. Only float edges are followed, so position-embedding sums fed by integer ids and
 * bias/epsilon additions (one side a weight or constant) are not residuals.
 */
export function findResiduals(v: FlowView): Motif[] {
  const out: Motif[] = [];
  for (const l of v.layers) {
    if (!opIs(l, 'Add', 'Sum')) continue;
    const ins = v.activationInputs(l);
    if (ins.length !== 2 || ins[0].name === ins[1].name) continue;
    const pa = v.producerOf(ins[0].name);
    const pb = v.producerOf(ins[1].name);
    if (pa === undefined || pb === undefined) continue;
    const fork = nearestCommonAncestor(v, pa, pb);
    if (fork === undefined) continue;
    const body = between(v, fork, l.id, SEARCH_LIMIT).filter((id) => id !== fork);
    if (body.length < 2) continue;
    const weighted = body.some((id) => (v.byId.get(id)?.params ?? 0) > 0);
    if (!weighted) continue;
    out.push({ id: `residual:${l.id}`, kind: 'residual', label: 'residual', layers: body, anchor: l.id });
  }
  return out;
}

function nearestCommonAncestor(v: FlowView, a: string, b: string): string | undefined {
  const aa = ancestors(v, a, SEARCH_LIMIT);
  const bb = ancestors(v, b, SEARCH_LIMIT);
  let best: string | undefined;
  let bestRank = -1;
  for (const id of aa.keys()) {
    if (!bb.has(id)) continue;
    const r = v.rank.get(id) ?? -1;
    if (r > bestRank) {
      bestRank = r;
      best = id;
    }
  }
  return best;
}
