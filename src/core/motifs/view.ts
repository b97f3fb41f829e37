import type { Analysis, LayerAnalysis, TensorSummary } from '../analysis/types';

/**
 * A dataflow view of an Analysis: who produces and who consumes each tensor, and a topological rank.
 * Motif rules walk this instead of the IR so that the host can run them on what it already sent.
 */
export interface FlowView {
  layers: LayerAnalysis[];
  byId: Map<string, LayerAnalysis>;
  /** Layer id -> position in a topological order. */
  rank: Map<string, number>;
  producerOf(tensor: string): string | undefined;
  consumersOf(tensor: string): string[];
  /** Float tensors with a producer or from a graph input: activations, not weights or shape values. */
  activationInputs(l: LayerAnalysis): TensorSummary[];
  activationOutputs(l: LayerAnalysis): TensorSummary[];
  isGraphInput(tensor: string): boolean;
  /** preds/succs are asked for the same layers many times by the bounded searches. */
  predCache: Map<string, string[]>;
  succCache: Map<string, string[]>;
}

export function isFloatDtype(dtype: string): boolean {
  return dtype.startsWith('float') || dtype === 'bfloat16' || dtype === 'unknown' || dtype === '';
}

export function buildFlowView(a: Analysis): FlowView {
  const predCache = new Map<string, string[]>();
  const succCache = new Map<string, string[]>();
  const byId = new Map<string, LayerAnalysis>();
  for (const l of a.layers) byId.set(l.id, l);
  const producers = a.details?.producers ?? {};
  const consumers = new Map<string, string[]>();
  for (const l of a.layers) {
    for (const t of l.inputs) {
      if (!t.name) continue;
      let list = consumers.get(t.name);
      if (!list) consumers.set(t.name, (list = []));
      if (list[list.length - 1] !== l.id) list.push(l.id);
    }
  }
  const graphInputs = new Set(a.inputs.map((t) => t.name));
  const producerOf = (t: string): string | undefined => {
    const p = producers[t];
    return p !== undefined && byId.has(p) ? p : undefined;
  };
  const rank = topoRank(a.layers, producerOf);
  const isActivation = (t: TensorSummary): boolean =>
    !!t.name && isFloatDtype(t.dtype) && (producerOf(t.name) !== undefined || graphInputs.has(t.name));
  return {
    layers: a.layers,
    byId,
    rank,
    producerOf,
    consumersOf: (t) => consumers.get(t) ?? [],
    activationInputs: (l) => l.inputs.filter(isActivation),
    activationOutputs: (l) => l.outputs.filter((t) => !!t.name && isFloatDtype(t.dtype)),
    isGraphInput: (t) => graphInputs.has(t),
    predCache,
    succCache,
  };
}

/** Kahn's algorithm; layers in a cycle (malformed input) keep their list position after the rest. */
function topoRank(layers: LayerAnalysis[], producerOf: (t: string) => string | undefined): Map<string, number> {
  const indeg = new Map<string, number>();
  const succ = new Map<string, string[]>();
  for (const l of layers) indeg.set(l.id, 0);
  for (const l of layers) {
    const seen = new Set<string>();
    for (const t of l.inputs) {
      const p = t.name ? producerOf(t.name) : undefined;
      if (p === undefined || p === l.id || seen.has(p)) continue;
      seen.add(p);
      indeg.set(l.id, (indeg.get(l.id) ?? 0) + 1);
      let s = succ.get(p);
      if (!s) succ.set(p, (s = []));
      s.push(l.id);
    }
  }
  const queue: string[] = [];
  for (const l of layers) if (indeg.get(l.id) === 0) queue.push(l.id);
  const rank = new Map<string, number>();
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    rank.set(id, i);
    for (const s of succ.get(id) ?? []) {
      const d = (indeg.get(s) ?? 0) - 1;
      indeg.set(s, d);
      if (d === 0) queue.push(s);
    }
  }
  let next = queue.length;
  for (const l of layers) if (!rank.has(l.id)) rank.set(l.id, next++);
  return rank;
}

/** Activation-producing predecessors of a layer (through float edges only, so shape math is ignored). */
export function preds(v: FlowView, id: string): string[] {
  const hit = v.predCache.get(id);
  if (hit) return hit;
  const l = v.byId.get(id);
  const out: string[] = [];
  if (l) {
    for (const t of v.activationInputs(l)) {
      const p = v.producerOf(t.name);
      if (p !== undefined && !out.includes(p)) out.push(p);
    }
  }
  v.predCache.set(id, out);
  return out;
}

export function succs(v: FlowView, id: string): string[] {
  const hit = v.succCache.get(id);
  if (hit) return hit;
  const l = v.byId.get(id);
  const out: string[] = [];
  if (l) for (const t of v.activationOutputs(l)) for (const c of v.consumersOf(t.name)) if (!out.includes(c)) out.push(c);
  v.succCache.set(id, out);
  return out;
}

/** Layers reachable backwards from `start` (inclusive) within `limit` layers, with their distance. */
export function ancestors(v: FlowView, start: string, limit: number): Map<string, number> {
  const dist = new Map<string, number>([[start, 0]]);
  const queue = [start];
  for (let i = 0; i < queue.length && dist.size < limit; i++) {
    const id = queue[i];
    for (const p of preds(v, id)) {
      if (dist.has(p)) continue;
      dist.set(p, (dist.get(id) ?? 0) + 1);
      queue.push(p);
    }
  }
  return dist;
}

export function sortByRank(v: FlowView, ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort((a, b) => (v.rank.get(a) ?? 0) - (v.rank.get(b) ?? 0));
}

/** Layers on some path from `from` to `to` (both inclusive), searching back from `to` at most `limit` layers. */
export function between(v: FlowView, from: string, to: string, limit: number): string[] {
  const back = ancestors(v, to, limit);
  if (!back.has(from)) return [];
  const fromRank = v.rank.get(from) ?? 0;
  // Forward closure from `from` restricted to the backward set: exactly the layers on from->to paths.
  const on = new Set<string>([from]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const s of succs(v, queue[i])) {
      if (on.has(s) || !back.has(s) || (v.rank.get(s) ?? 0) < fromRank) continue;
      on.add(s);
      queue.push(s);
    }
  }
  return sortByRank(v, on);
}

export function opIs(l: LayerAnalysis | undefined, ...types: string[]): boolean {
  if (!l) return false;
  const t = l.type.toLowerCase();
  return types.some((x) => x.toLowerCase() === t);
}
