// A weight-changing pass applied to a tfjs model.json whose weights live in binary shards: the layer
// edits of writer.ts, plus one edit that points weightsManifest at a new shard, plus that shard's bytes.
import path from 'node:path';
import type { KnobValues, LayerError, Suggestion } from '../../passes/types';
import { prop, parseJsonDocument } from '../../formats/keras/json';
import { passEdits } from './passEdits';
import { modelFromDocument } from '../../formats/keras/reader';
import { detectStyle, lineIndent, normaliseEdits, serialize, type TextEdit } from '../../formats/keras/textEdit';
import { buildShard, entryName, type ShardItem } from '../../formats/keras/tfjsShards';
import { tfjsLocator, type ShardOverlay, type TfjsEntry } from '../../formats/keras/tfjsWeights';
import { readDocument } from '../../formats/keras/topology';
import { planWeights, rewriteList, type PlannedLayer, type PlannedWeight } from './weightPlan';
import { CHANGES_WEIGHTS, hasWeights, kerasTextEdits } from './jsonEdits';

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
 * get the text edits alone; a tfjs model.json with weights also gets a new manifest and shard, in the
 * old manifest's order (entries of untouched layers copied byte for byte, quantization included).
 */
export async function applyKerasText(text: string, file: string, suggestion: Suggestion, knobs: KnobValues, opts: KerasApplyOptions = {}): Promise<KerasApplyResult> {
  const abs = path.resolve(file);
  const doc = parseJsonDocument(text);
  const kdoc = readDocument(doc);
  const weighty = CHANGES_WEIGHTS.has(suggestion.pass) && hasWeights(kdoc.weightsManifest);
  // Tensors spanning two shards are read into memory then: the rewrite may need any of them.
  const loc = kdoc.weightsManifest !== undefined ? tfjsLocator(kdoc.weightsManifest, path.dirname(abs), [], opts.shards, weighty) : undefined;
  const model = modelFromDocument(kdoc, abs, loc ? { locate: loc.locate, absentReason: loc.absentReason } : {});
  if (!loc || !weighty) return { edits: kerasTextEdits(text, model, suggestion, knobs), shards: [], errors: [] };
  const pe = await passEdits(text, model, suggestion, knobs, opts.onProgress);
  const plan = await planWeights(model, pe.rewritten, pe.edited, abs, pe.newLayers);
  const owner = new Map<TfjsEntry, string>();
  const sample = new Map<string, { name: string; local: string }>();
  for (const [irName, e] of loc.matched) {
    const k = plan.ownerOf.get(irName);
    if (k === undefined) continue;
    owner.set(e, k);
    if (!sample.has(k)) sample.set(k, { name: String(e.spec.name), local: irName.slice(k.length + 1) });
  }
  const copy = (e: TfjsEntry): ShardItem => ({ kind: 'copy', entry: e });
  const emit = (l: PlannedLayer, w: PlannedWeight): ShardItem => {
    const kept = w.unchanged ? loc.matched.get(w.irName) : undefined;
    return kept ? copy(kept) : { kind: 'new', name: entryName(sample.get(l.anchor), w.local, l.rename), dims: w.dims, values: w.values! };
  };
  const items = rewriteList<ShardItem>(loc.manifest.entries.map(copy), (it) => (it.kind === 'copy' ? owner.get(it.entry) : undefined), plan, emit);
  // Layers whose anchor had no entry in the manifest go at the end.
  const stored = new Set(owner.values());
  for (const [anchor, layers] of plan.placed) if (!stored.has(anchor)) for (const l of layers) items.push(...l.weights.map((w) => emit(l, w)));
  const shard = buildShard(loc.manifest, items, path.basename(abs).replace(/\.[^.]*$/, ''));
  const node = prop(doc.root, 'weightsManifest')!;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const at = doc.range(node);
  const edits = [...pe.edits, { offset: at.offset, length: at.length, content: serialize(shard.manifest, detectStyle(src), lineIndent(text, at.offset)) }];
  return { edits: normaliseEdits(edits), shards: [{ path: shard.name, bytes: shard.bytes }], errors: pe.errors };
}
