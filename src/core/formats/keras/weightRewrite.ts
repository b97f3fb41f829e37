// The plan of a Keras weight rewrite as the byte writers take it (tfjs shards, Keras 3
// model.weights.h5, Keras 2 .h5): which stored layers are replaced, what goes in their place, and how an
// ordered list of stored weights changes. The plan itself is made above formats (apply/keras/weightPlan.ts),
// from the pass's IR rewrite; this file only reads Keras configs and reorders lists.
import { parseJsonDocument } from './json';
import { modelFromDocument } from './reader';
import { readDocument } from './topology';

export interface PlannedWeight {
  /** Keras' name for it within the layer: kernel, bias, depthwise_kernel, gamma, ... */
  local: string;
  /** The weight's name in the rewritten IR. */
  irName: string;
  dims: readonly number[];
  /** The very tensor of the original model: copy what is stored. Else `values` are new. */
  unchanged: boolean;
  values?: Float32Array;
}

export interface PlannedLayer {
  /** Layer path in the edited config: [...nested model names, layer name].join('/'). */
  key: string;
  /** The original layer whose stored weights this one takes the place of (itself, or the layer it was split from). */
  anchor: string;
  /** An inserted layer: it is named `to` where its anchor is named `from` (stored names follow the anchor's). */
  rename?: { from: string; to: string };
  weights: PlannedWeight[];
}

export interface WeightPlan {
  /** Original layer keys whose stored weights are replaced (see `placed`) or removed. */
  dropped: Set<string>;
  /** By anchor: the layers written where the anchor's weights were, in order. */
  placed: Map<string, PlannedLayer[]>;
  /** By key in the edited config. */
  byKey: Map<string, PlannedLayer>;
  /** Original IR weight name -> key of the layer owning it. */
  ownerOf: Map<string, string>;
}

/**
 * An ordered list of stored weights (a tfjs manifest, an .h5 group's weight_names) with the plan
 * applied: weights of untouched layers stay where they are; at the first weight of a rewritten layer
 * come the layers placed there (an inserted factor, then the layer itself); removed layers' go.
 * Planned layers whose anchor stored nothing in this list are not added (the caller places them).
 */
export function rewriteList<T>(list: readonly T[], ownerOf: (t: T) => string | undefined, plan: WeightPlan, emit: (layer: PlannedLayer, w: PlannedWeight) => T): T[] {
  const out: T[] = [];
  const emitted = new Set<string>();
  for (const t of list) {
    const k = ownerOf(t);
    if (k === undefined || !plan.dropped.has(k)) {
      out.push(t);
    } else if (!emitted.has(k)) {
      emitted.add(k);
      for (const l of plan.placed.get(k) ?? []) for (const w of l.weights) out.push(emit(l, w));
    }
  }
  return out;
}

/** The weights each layer of `text` creates (Keras order, local names, dims), keyed by layer path. */
export function layerWeights(text: string, file: string): Map<string, { local: string; dims: number[] }[]> {
  const out = new Map<string, { local: string; dims: number[] }[]>();
  modelFromDocument(readDocument(parseJsonDocument(text)), file, {
    locate: (name, dims, _layer, local) => {
      const key = name.slice(0, name.length - local.length - 1);
      out.set(key, [...(out.get(key) ?? []), { local, dims }]);
      return { source: { kind: 'absent', reason: 'layout only' } };
    },
    absentReason: 'layout only',
  });
  return out;
}
