import type { Motif } from './types';
import { scopeOf } from './scope';
import type { FlowView } from './view';

/**
 * Repeated blocks: sibling name scopes (encoder/layers.0, layers.1, ...) whose layers have the same op
 * sequence. The outermost repetition wins: the heads inside a repeated layer are not listed again.
 * Models without scopes fall back to residual blocks with identical op sequences.
 */
/** A conv+activation pair repeating is not a "block" worth naming. */
const MIN_BLOCK_LAYERS = 4;

export function findRepeated(v: FlowView, residuals: Motif[]): Motif[] {
  const byScope = new Map<string, string[]>();
  const children = new Map<string, Set<string>>();
  for (const l of v.layers) {
    const s = scopeOf(l);
    for (let d = 1; d <= s.length; d++) {
      const key = s.slice(0, d).join('/');
      let list = byScope.get(key);
      if (!list) byScope.set(key, (list = []));
      list.push(l.id);
      const parent = s.slice(0, d - 1).join('/');
      let c = children.get(parent);
      if (!c) children.set(parent, (c = new Set()));
      c.add(key);
    }
  }
  const out: Motif[] = [];
  const visit = (parent: string): void => {
    const kids = [...(children.get(parent) ?? [])];
    const bySig = new Map<string, string[]>();
    for (const k of kids) {
      const sig = signature(v, byScope.get(k) ?? []);
      if (sig === '') continue;
      let g = bySig.get(sig);
      if (!g) bySig.set(sig, (g = []));
      g.push(k);
    }
    const repeated = new Set<string>();
    for (const group of bySig.values()) {
      if (group.length < 2 || (byScope.get(group[0]) ?? []).length < MIN_BLOCK_LAYERS) continue;
      group.forEach((k, index) => {
        repeated.add(k);
        const layers = byScope.get(k) ?? [];
        out.push({
          id: `repeated:${k}`, kind: 'repeated', label: `${k.split('/').pop()} (×${group.length})`,
          layers, anchor: layers[layers.length - 1], repeat: { group: group[0], index, count: group.length },
        });
      });
    }
    for (const k of kids) if (!repeated.has(k)) visit(k);
  };
  visit('');
  if (out.length > 0) return out;

  const bySig = new Map<string, Motif[]>();
  for (const r of residuals) {
    const sig = signature(v, r.layers);
    let g = bySig.get(sig);
    if (!g) bySig.set(sig, (g = []));
    g.push(r);
  }
  for (const group of bySig.values()) {
    if (group.length < 2 || group[0].layers.length < MIN_BLOCK_LAYERS) continue;
    group.forEach((r, index) => {
      out.push({
        id: `repeated:${r.anchor}`, kind: 'repeated', label: `block (×${group.length})`,
        layers: r.layers, anchor: r.anchor,
        repeat: { group: group[0].anchor, index, count: group.length },
      });
    });
  }
  return out;
}

function signature(v: FlowView, ids: string[]): string {
  return [...ids]
    .sort((a, b) => (v.rank.get(a) ?? 0) - (v.rank.get(b) ?? 0))
    .map((id) => v.byId.get(id)?.type ?? '?')
    .join(',');
}
