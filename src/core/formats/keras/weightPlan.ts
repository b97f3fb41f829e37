// Which stored weights a Keras pass rewrite changes, and what goes in their place: shared by the
// writers of tfjs shards, Keras 3 model.weights.h5 and Keras 2 .h5 files. The new values come from the
// pass's IR rewrite; the weights each layer of the edited config creates (local names, Keras order,
// dims) come from reading that config back, and the two must agree layer by layer.
import { ModelError } from '../../errors';
import type { Model, Node } from '../../ir/graph';
import type { LazyTensor } from '../../ir/tensor';
import { readWeights } from '../../passes/weights';
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

export const layerKey = (n: Node): string => [...(n.scope ?? []), n.name].join('/');

/**
 * `newLayers`: node id -> name of the layer the text edits inserted before it (low-rank's factor).
 * Values of new weights are read (they are inline tensors of the rewrite).
 */
export async function planWeights(model: Model, rewritten: Model, editedText: string, file: string, newLayers: Map<string, string>): Promise<WeightPlan> {
  const before = model.graph;
  const after = rewritten.graph;
  const origById = new Map(before.nodes.map((n) => [n.id, n]));
  const ownerOf = new Map<string, string>();
  for (const n of before.nodes) for (const w of n.weights ?? []) ownerOf.set(w, layerKey(n));
  const layout = layerWeights(editedText, file);
  const dropped = new Set<string>();
  const placed = new Map<string, PlannedLayer[]>();
  const byKey = new Map<string, PlannedLayer>();
  const alive = new Set(after.nodes.map((n) => n.id));
  for (const n of before.nodes) if (!alive.has(n.id) && n.weights?.length) dropped.add(layerKey(n));
  for (const n of after.nodes) {
    const o = origById.get(n.id);
    if (o && !changed(o, n, before.initializers, after.initializers)) continue;
    let layer: PlannedLayer;
    if (o) {
      layer = { key: layerKey(o), anchor: layerKey(o), weights: [] };
    } else {
      // A layer the pass inserted: the text named it; it sits before the layer it was split from.
      const consumer = after.nodes.find((c) => c.inputs.includes(n.outputs[0]));
      const name = consumer && newLayers.get(consumer.id);
      const from = consumer && origById.get(consumer.id);
      if (!name || !from) throw new ModelError(`the rewrite added layer ${n.name}, which the JSON edits do not have`, 'unsupported');
      layer = { key: [...(n.scope ?? []), name].join('/'), anchor: layerKey(from), rename: { from: from.name, to: name }, weights: [] };
    }
    // A shared layer (several calls, one set of weights) is planned once.
    if (byKey.has(layer.key)) continue;
    const specs = layout.get(layer.key) ?? [];
    const names = n.weights ?? [];
    if (specs.length !== names.length || specs.some((s, i) => !sameDims(s.dims, after.initializers.get(names[i])?.dims))) {
      throw new ModelError(`layer ${layer.key}: the edited config gives weights [${specs.map((s) => `${s.local} ${s.dims.join('×')}`).join(', ')}], the rewrite [${names.map((w) => after.initializers.get(w)?.dims.join('×')).join(', ')}]`, 'unsupported');
    }
    for (let i = 0; i < names.length; i++) {
      const t = after.initializers.get(names[i])!;
      const unchanged = t === before.initializers.get(names[i]);
      layer.weights.push({ local: specs[i].local, irName: names[i], dims: t.dims, unchanged, values: unchanged ? undefined : await values(t) });
    }
    dropped.add(layer.anchor);
    placed.set(layer.anchor, [...(placed.get(layer.anchor) ?? []), layer]);
    byKey.set(layer.key, layer);
  }
  return { dropped, placed, byKey, ownerOf };
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

function changed(o: Node, n: Node, before: Map<string, LazyTensor>, after: Map<string, LazyTensor>): boolean {
  const a = o.weights ?? [];
  const b = n.weights ?? [];
  return a.length !== b.length || a.some((w, i) => w !== b[i]) || b.some((w) => before.get(w) !== after.get(w));
}

function sameDims(a: readonly number[], b: readonly number[] | undefined): boolean {
  return !!b && a.length === b.length && a.every((d, i) => d === b[i]);
}

async function values(t: LazyTensor): Promise<Float32Array> {
  const v = await readWeights(t);
  if (v.length !== t.dims.reduce((p, d) => p * d, 1)) throw new ModelError(`tensor ${t.name} has ${v.length} values for dims ${t.dims.join('×')}`);
  return v;
}
