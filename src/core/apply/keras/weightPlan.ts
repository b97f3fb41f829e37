// Which stored weights a Keras pass rewrite changes, and what goes in their place: shared by the
// writers of tfjs shards, Keras 3 model.weights.h5 and Keras 2 .h5 files. The new values come from the
// pass's IR rewrite; the weights each layer of the edited config creates (local names, Keras order,
// dims) come from reading that config back, and the two must agree layer by layer.
import { ModelError } from '../../errors';
import type { Model, Node } from '../../ir/graph';
import type { LazyTensor } from '../../ir/tensor';
import { layerWeights, type PlannedLayer, type WeightPlan } from '../../formats/keras/weightRewrite';
import { readWeights } from '../../passes/weights';

export { layerWeights, rewriteList, type PlannedLayer, type PlannedWeight, type WeightPlan } from '../../formats/keras/weightRewrite';

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
