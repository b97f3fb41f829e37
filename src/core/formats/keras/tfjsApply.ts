// A weight-changing pass applied to a tfjs model.json whose weights live in binary shards: the layer
// edits of writer.ts, plus one edit that points weightsManifest at a new shard, plus that shard's bytes.
// The new weights come from the pass's own IR rewrite (the same math as for ONNX); the edited text is
// read back to learn the weights tfjs will create per layer (names and order), and the two must agree.
import path from 'node:path';
import { ModelError } from '../../errors';
import type { Model, Node } from '../../ir/graph';
import type { LazyTensor } from '../../ir/tensor';
import { passByName } from '../../passes/registry';
import type { KnobValues, LayerError, Suggestion } from '../../passes/types';
import { readWeights } from '../../passes/weights';
import { prop, parseJsonDocument } from './json';
import { modelFromDocument } from './reader';
import { detectStyle, lineIndent, normaliseEdits, serialize, type TextEdit } from './textEdit';
import { buildShard, entryName, type ShardItem } from './tfjsShards';
import { tfjsLocator, type ShardOverlay, type TfjsEntry } from './tfjsWeights';
import { readDocument } from './topology';
import { applyTextEdits, CHANGES_WEIGHTS, hasWeights, kerasTextEdits } from './writer';

export interface KerasApplyResult {
  /** Sorted, non-overlapping edits of the model.json text (one WorkspaceEdit). */
  edits: TextEdit[];
  /** Shard files the edited manifest needs, by path relative to the model.json (written on save). */
  shards: { path: string; bytes: Uint8Array }[];
  /** Measured weight error per rewritten layer (approximate passes). */
  errors: LayerError[];
}

export interface KerasApplyOptions {
  /** Shards of an earlier apply that are not saved yet (absolute path → bytes). */
  shards?: ShardOverlay;
  onProgress?: (fraction: number, message: string) => void;
}

/**
 * Applies `suggestion` to a Keras JSON text. Architecture-only files and passes that change no weights
 * get the text edits alone; a tfjs model.json with weights also gets a new manifest and shard.
 */
export async function applyKerasText(text: string, file: string, suggestion: Suggestion, knobs: KnobValues, opts: KerasApplyOptions = {}): Promise<KerasApplyResult> {
  const abs = path.resolve(file);
  const doc = parseJsonDocument(text);
  const kdoc = readDocument(doc);
  const loc = kdoc.weightsManifest !== undefined ? tfjsLocator(kdoc.weightsManifest, path.dirname(abs), [], opts.shards) : undefined;
  const model = modelFromDocument(kdoc, abs, loc ? { locate: loc.locate, absentReason: loc.absentReason } : {});
  if (!loc || !CHANGES_WEIGHTS.has(suggestion.pass) || !hasWeights(kdoc.weightsManifest)) {
    return { edits: kerasTextEdits(text, model, suggestion, knobs), shards: [], errors: [] };
  }
  const pass = passByName(suggestion.pass);
  if (!pass) throw new ModelError(`unknown pass ${suggestion.pass}`);
  const errors: LayerError[] = [];
  const rewritten = await pass.rewrite(model, suggestion, knobs, { withWeights: true, onError: (e) => errors.push(e), onProgress: opts.onProgress });
  const newLayers = new Map<string, string>();
  const edits = kerasTextEdits(text, model, suggestion, knobs, {
    weightsManifest: 'architecture-only',
    ranks: suggestion.pass === 'low-rank' ? ranksOf(rewritten, suggestion.layers) : undefined,
    onNewLayer: (from, name) => newLayers.set(from, name),
  });
  const items = await shardItems(model, rewritten, applyTextEdits(text, edits), abs, newLayers, loc.manifest.entries, loc.matched);
  const shard = buildShard(loc.manifest, items, path.basename(abs).replace(/\.[^.]*$/, ''));
  const node = prop(doc.root, 'weightsManifest')!;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const at = doc.range(node);
  edits.push({ offset: at.offset, length: at.length, content: serialize(shard.manifest, detectStyle(src), lineIndent(text, at.offset)) });
  return { edits: normaliseEdits(edits), shards: [{ path: shard.name, bytes: shard.bytes }], errors };
}

/** low-rank: the rank each site got (the second layer's kernel is r×n), so the text writes the same r. */
function ranksOf(rewritten: Model, layers: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of layers) {
    const n = rewritten.graph.nodes.find((x) => x.id === id);
    const k = n?.weights?.[0] ? rewritten.graph.initializers.get(n.weights[0]) : undefined;
    if (k && k.dims.length === 2) out[id] = k.dims[0];
  }
  return out;
}

const keyOf = (n: Node) => [...(n.scope ?? []), n.name].join('/');

/** The weights each layer of `text` creates (Keras order, local names, dims), keyed by layer path. */
function layerWeights(text: string, file: string): Map<string, { local: string; dims: number[] }[]> {
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

/**
 * The new manifest in the old one's order: entries of untouched layers are copied; at the first entry
 * of a rewritten layer come the layers the pass put there (an inserted low-rank factor, then the layer
 * itself) with their new weights; entries of removed layers (a folded BatchNorm) are dropped.
 */
async function shardItems(
  model: Model, rewritten: Model, edited: string, file: string, newLayers: Map<string, string>,
  entries: TfjsEntry[], matched: Map<string, TfjsEntry>,
): Promise<ShardItem[]> {
  const before = model.graph;
  const after = rewritten.graph;
  const origById = new Map(before.nodes.map((n) => [n.id, n]));
  const owner = new Map<TfjsEntry, string>();
  const sample = new Map<string, { name: string; local: string }>();
  for (const n of before.nodes) {
    for (const w of n.weights ?? []) {
      const e = matched.get(w);
      if (!e) continue;
      owner.set(e, keyOf(n));
      if (!sample.has(keyOf(n))) sample.set(keyOf(n), { name: String(e.spec.name), local: w.slice(keyOf(n).length + 1) });
    }
  }
  const layout = layerWeights(edited, file);
  const dropped = new Set<string>();
  const placed = new Map<string, ShardItem[]>();
  const alive = new Set(after.nodes.map((n) => n.id));
  for (const n of before.nodes) if (!alive.has(n.id) && n.weights?.length) dropped.add(keyOf(n));
  for (const n of after.nodes) {
    const o = origById.get(n.id);
    if (o && !changed(o, n, before.initializers, after.initializers)) continue;
    let anchor: string;
    let key: string;
    let rename: { from: string; to: string } | undefined;
    if (o) {
      anchor = key = keyOf(o);
    } else {
      // A layer the pass inserted: the text named it; it sits before the layer it was split from.
      const consumer = after.nodes.find((c) => c.inputs.includes(n.outputs[0]));
      const name = consumer && newLayers.get(consumer.id);
      const from = consumer && origById.get(consumer.id);
      if (!name || !from) throw new ModelError(`the rewrite added layer ${n.name}, which the JSON edits do not have`, 'unsupported');
      anchor = keyOf(from);
      key = [...(n.scope ?? []), name].join('/');
      rename = { from: from.name, to: name };
    }
    dropped.add(anchor);
    const specs = layout.get(key) ?? [];
    const names = n.weights ?? [];
    if (specs.length !== names.length || specs.some((s, i) => !sameDims(s.dims, after.initializers.get(names[i])?.dims))) {
      throw new ModelError(`layer ${key}: the edited JSON gives weights [${specs.map((s) => `${s.local} ${s.dims.join('×')}`).join(', ')}], the rewrite [${names.map((w) => after.initializers.get(w)?.dims.join('×')).join(', ')}]`, 'unsupported');
    }
    const list = placed.get(anchor) ?? [];
    for (let i = 0; i < names.length; i++) {
      const t = after.initializers.get(names[i])!;
      const kept = t === before.initializers.get(names[i]) ? matched.get(names[i]) : undefined;
      list.push(kept ? { kind: 'copy', entry: kept } : { kind: 'new', name: entryName(sample.get(anchor), specs[i].local, rename), dims: t.dims, values: await values(t) });
    }
    placed.set(anchor, list);
  }
  const items: ShardItem[] = [];
  const emitted = new Set<string>();
  for (const e of entries) {
    const k = owner.get(e);
    if (k === undefined || !dropped.has(k)) {
      items.push({ kind: 'copy', entry: e });
    } else if (!emitted.has(k)) {
      emitted.add(k);
      items.push(...(placed.get(k) ?? []));
    }
  }
  for (const [k, list] of placed) if (!emitted.has(k)) items.push(...list);
  return items;
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
