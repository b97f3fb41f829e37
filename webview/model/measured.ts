/**
 * Measured per-node times (a benchmark's MeasuredTimes) mapped onto the layers of the analysis the
 * view shows: the "measured time" heat and the details panel read this. Ids that are no layer of this
 * analysis are counted and left out (a time must never land on the wrong node); pure, unit-tested.
 */
import type { Analysis } from '../../src/core/analysis/types';
import type { MeasuredTimes } from '../protocol';

/** What the measurement says about one layer. */
export type LayerTime =
  | { kind: 'measured'; ms: number; fused: string[] }
  /** Its kernel was fused into another layer's: its time is inside that one's. */
  | { kind: 'fused'; into: string }
  /** A nested model measured as a whole (TensorFlow.js times the outer layer). */
  | { kind: 'inside'; scope: string; ms: number }
  /** The runtime ran no kernel for it (folded or removed by its optimiser). */
  | { kind: 'noKernel' }
  | { kind: 'none' };

export interface MeasuredIndex {
  times: MeasuredTimes;
  /** Layer id -> ms, only for layers of the analysis. */
  ms: Map<string, number>;
  /** Fused layer id -> the layer whose kernel ran it. */
  fusedInto: Map<string, string>;
  /** Measured ids that are a scope (nested model) of the analysis, with their time. */
  scopes: Map<string, number>;
  noKernel: Set<string>;
  /** Measured entries that landed on a layer (or a scope). */
  mapped: number;
  /** Measured entries whose id is no layer or scope of this analysis. */
  ignored: number;
  /** Sum of the mapped times, ms (the share a layer takes is of this). */
  mappedMs: number;
}

export function indexMeasured(a: Analysis, t: MeasuredTimes): MeasuredIndex {
  const layers = new Set(a.layers.map((l) => l.id));
  const scopeIds = new Set<string>();
  for (const l of a.layers) {
    const parts = l.id.split('/');
    for (let i = 1; i < parts.length; i++) scopeIds.add(parts.slice(0, i).join('/'));
  }
  const ms = new Map<string, number>();
  const fusedInto = new Map<string, string>();
  const scopes = new Map<string, number>();
  let ignored = 0;
  let mappedMs = 0;
  for (const n of t.nodes) {
    if (layers.has(n.id)) {
      ms.set(n.id, n.ms);
      mappedMs += n.ms;
      for (const f of n.fused ?? []) if (layers.has(f) && f !== n.id) fusedInto.set(f, n.id);
    } else if (scopeIds.has(n.id)) {
      scopes.set(n.id, n.ms);
      mappedMs += n.ms;
    } else ignored++;
  }
  // A layer with its own kernel is not "fused" even if another kernel also lists it.
  for (const id of ms.keys()) fusedInto.delete(id);
  return {
    times: t, ms, fusedInto, scopes, mappedMs, ignored,
    noKernel: new Set(t.noKernel.filter((id) => layers.has(id))),
    mapped: ms.size + scopes.size,
  };
}

/** What the measurement says about a layer (details panel, tooltips). */
export function layerTime(ix: MeasuredIndex, id: string): LayerTime {
  const ms = ix.ms.get(id);
  if (ms !== undefined) {
    const fused = [...ix.fusedInto].filter(([, host]) => host === id).map(([f]) => f);
    return { kind: 'measured', ms, fused };
  }
  const into = ix.fusedInto.get(id);
  if (into !== undefined) return { kind: 'fused', into };
  const parts = id.split('/');
  for (let i = parts.length - 1; i >= 1; i--) {
    const scope = parts.slice(0, i).join('/');
    const s = ix.scopes.get(scope);
    if (s !== undefined) return { kind: 'inside', scope, ms: s };
  }
  if (ix.noKernel.has(id)) return { kind: 'noKernel' };
  return { kind: 'none' };
}

/** 0.0123 -> "12.3 µs", 1.234 -> "1.23 ms", 1234 -> "1.23 s". */
export function msText(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const p = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (ms >= 1000) return `${p(ms / 1000)} s`;
  if (ms >= 1 || ms === 0) return `${p(ms)} ms`;
  return `${p(ms * 1000)} µs`;
}

/** The run in one line, for the legend: "onnxruntime-node cpu · 20 runs · median 1.23 ms · p90 1.40 ms". */
export function runText(t: MeasuredTimes): string {
  return `${t.runtime} ${t.backend} · ${t.runs} runs · median ${msText(t.medianMs)} · p90 ${msText(t.p90Ms)}`;
}
