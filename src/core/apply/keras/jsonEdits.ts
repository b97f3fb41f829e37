// A pass suggestion applied to Keras JSON text as a few minimal edits (one WorkspaceEdit in the editor):
// only the affected layer objects, the references to them and, for a new layer, one inserted object
// change; every other byte of the file is kept. Works on the file's own dialect (Keras 1/2/3, tfjs).
import { parseTree } from 'jsonc-parser';
import { ModelError } from '../../errors';
import type { Model, Node } from '../../ir/graph';
import { kerasPlan, kerasTypes, prunedCount } from '../../passes/channelPruneKeras';
import { knobValue } from '../../passes/common';
import { separableConfigFromConv } from '../../passes/depthwiseSeparable';
import { GraphIndex } from '../../passes/graphEdit';
import { denseRankForKnobs } from '../../passes/lowRank';
import type { KnobValues, Suggestion } from '../../passes/types';
import { parseJsonDocument, type JsonNode } from '../../formats/keras/json';
import { addProperty, applyTextEdits, detectStyle, normaliseEdits, propertyOf, Raw, removeChild, replaceValue, separatorAt, type JsonStyle, type TextEdit } from '../../formats/keras/textEdit';
import { readDocument, type KLayer, type KModel } from '../../formats/keras/topology';

export { applyTextEdits, invertTextEdits, type TextEdit } from '../../formats/keras/textEdit';

export interface KerasEditOptions {
  /**
   * tfjs model.json whose weightsManifest lists weights the pass changes: 'refuse' (default) throws,
   * since the manifest and shards would no longer match the layers; 'architecture-only' edits the
   * layers and leaves the manifest as it is (the caller rewrites manifest and shards itself).
   */
  weightsManifest?: 'refuse' | 'architecture-only';
  /**
   * low-rank: the rank of each site (node id), when the caller factored the weights already (an
   * energy knob gives each layer its own rank); the knobs' rank or ratio otherwise.
   */
  ranks?: Record<string, number>;
  /** Receives each layer the edits insert: the node id it was split from and the new layer's name. */
  onNewLayer?: (fromNode: string, name: string) => void;
}

/** Passes whose Keras rewrite changes weights (the manifest of a tfjs model.json would go stale). */
export const CHANGES_WEIGHTS = new Set(['low-rank', 'bn-fold', 'depthwise-separable', 'cluster', 'channel-prune']);

/** Layer config keys that declare a Sequential model's input (they must stay on its first layer). */
const INPUT_KEYS = ['batch_input_shape', 'input_shape', 'input_dim', 'batch_shape', 'input_length'];

interface Site {
  layer: KLayer;
  owner: KModel;
  obj: JsonNode;
}

/** Pointers into one inbound reference: [name, node, tensor] (list form or Keras 3 keras_history). */
interface RefNodes {
  name: JsonNode;
  node?: JsonNode;
  tensor?: JsonNode;
  /** Keras 3 writes the referenced tensor's shape. */
  shape?: JsonNode;
}

/**
 * The edits that apply `suggestion` (from a pass's find() on `model`, read from `text`) to the text,
 * sorted and non-overlapping. `knobs` as for the pass's rewrite (low-rank: rank or ratio).
 */
export function kerasTextEdits(text: string, model: Model, suggestion: Suggestion, knobs: KnobValues = {}, opts: KerasEditOptions = {}): TextEdit[] {
  if (model.format !== 'keras') throw new ModelError('kerasTextEdits needs a Keras model', 'unsupported');
  const doc = parseJsonDocument(text);
  if (doc.doubleEncoded) throw new ModelError('double-encoded Keras JSON (the model JSON inside a JSON string) cannot be edited in place', 'unsupported');
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const src = text.slice(shift);
  const kdoc = readDocument(doc);
  if (CHANGES_WEIGHTS.has(suggestion.pass) && hasWeights(kdoc.weightsManifest) && (opts.weightsManifest ?? 'refuse') === 'refuse') {
    throw new ModelError(`${suggestion.pass} changes weights, and this tfjs model.json lists its weights in weightsManifest: editing the layers alone would make the manifest and shards inconsistent`, 'unsupported');
  }
  const ctx = new Ctx(src, doc.root, kdoc.model, detectStyle(src), kdoc.dialect.includes('keras1'));
  const nodes = suggestion.layers.map((id) => {
    const n = model.graph.nodes.find((x) => x.id === id);
    if (!n) throw new ModelError(`layer ${id} is not in the model`);
    return n;
  });
  let edits: TextEdit[];
  switch (suggestion.pass) {
    case 'cleanup':
      if ((suggestion.detail?.cleanup ?? 'identity') !== 'identity') throw new ModelError(`cleanup "${String(suggestion.detail?.cleanup)}" has no Keras form`, 'unsupported');
      edits = ctx.remove(nodes.map((n) => ctx.site(n, shift)), shift);
      break;
    case 'bn-fold':
      edits = ctx.bnFold(model, nodes.filter((n) => n.opType === 'BatchNormalization'), shift);
      break;
    case 'low-rank':
      edits = nodes.flatMap((n) => ctx.lowRank(model, n, ctx.site(n, shift), knobs, opts));
      break;
    case 'cluster':
      // Only values change, nothing in the config: the caller writes the weights (tfjs shards, .keras, .h5).
      if (opts.weightsManifest !== 'architecture-only') throw new ModelError('cluster changes weight values only, and this Keras JSON holds no weights', 'unsupported');
      edits = [];
      break;
    case 'channel-prune':
      // Which channels go is decided by their L1 norms: without weights there is nothing to rank.
      if (opts.weightsManifest !== 'architecture-only') throw new ModelError('channel-prune ranks channels by the L1 norm of their weights, and this Keras JSON holds no weights', 'unsupported');
      if (ctx.keras1) throw new ModelError('channel-prune: Keras 1 files are not edited', 'unsupported');
      edits = ctx.channelPrune(model, nodes, suggestion, knobs, shift);
      break;
    case 'depthwise-separable':
      if (ctx.keras1) throw new ModelError('depthwise-separable: Keras 1 files are not edited (SeparableConvolution2D spells its arguments differently)', 'unsupported');
      edits = nodes.filter((n) => n.opType === 'Conv2D').flatMap((n) => ctx.separable(ctx.site(n, shift)));
      break;
    default:
      throw new ModelError(`pass ${suggestion.pass} has no Keras JSON form yet`, 'unsupported');
  }
  return normaliseEdits(edits).map((e) => ({ ...e, offset: e.offset + shift }));
}

/** Convenience: the edited text (what the editor shows after applying the WorkspaceEdit). */
export function applyKerasSuggestion(text: string, model: Model, suggestion: Suggestion, knobs: KnobValues = {}, opts: KerasEditOptions = {}): string {
  return applyTextEdits(text, kerasTextEdits(text, model, suggestion, knobs, opts));
}

/** A tfjs weightsManifest that lists at least one weight (the shards hold the model's weights). */
export function hasWeights(manifest: unknown): boolean {
  return Array.isArray(manifest) && manifest.some((g) => g && typeof g === 'object' && Array.isArray((g as { weights?: unknown[] }).weights) && (g as { weights: unknown[] }).weights.length > 0);
}

class Ctx {
  /** Layer and array/object nodes by offset in the text (outermost first). */
  private readonly byOffset = new Map<number, JsonNode>();
  private readonly owners = new Map<KLayer, KModel>();
  private readonly names = new Set<string>();

  constructor(readonly text: string, root: JsonNode, model: KModel, readonly style: JsonStyle, readonly keras1: boolean) {
    const walk = (n: JsonNode) => {
      if ((n.type === 'object' || n.type === 'array') && !this.byOffset.has(n.offset)) this.byOffset.set(n.offset, n);
      n.children?.forEach(walk);
    };
    walk(root);
    const models = (m: KModel) => {
      for (const l of m.layers) {
        this.owners.set(l, m);
        this.names.add(l.name);
        if (l.model) models(l.model);
      }
    };
    models(model);
  }

  site(n: Node, shift: number): Site {
    const off = n.source ? n.source.offset - shift : -1;
    const layer = [...this.owners.keys()].find((l) => l.source && l.source.offset - shift === off && !l.model);
    const obj = this.byOffset.get(off);
    if (!layer || !obj || obj.type !== 'object') throw new ModelError(`layer ${n.id} has no source range in the text`);
    if (layer.calls.length > 1) throw new ModelError(`layer ${layer.name} is shared (called ${layer.calls.length} times); shared layers are not edited`, 'unsupported');
    return { layer, owner: this.owners.get(layer)!, obj };
  }

  private fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** The config object of a layer object node. */
  private config(obj: JsonNode): JsonNode {
    const c = propertyOf(obj, 'config')?.value;
    if (!c || c.type !== 'object') throw new ModelError('layer has no config object');
    return c;
  }

  /** The JSON node of a model's functional config, or undefined for a Sequential. */
  private modelConfig(m: KModel, shiftless: number | undefined): JsonNode | undefined {
    return m.sequential || shiftless === undefined ? undefined : this.byOffset.get(shiftless);
  }

  /** Removes identity-like layers (Dropout, a folded BatchNorm) and points their consumers at their input. */
  remove(sites: Site[], shift = 0): TextEdit[] {
    const edits: TextEdit[] = [];
    const byModel = new Map<KModel, Site[]>();
    for (const s of sites) byModel.set(s.owner, [...(byModel.get(s.owner) ?? []), s]);
    for (const [m, list] of byModel) {
      const removed = new Map<string, RefNodes>();
      for (const s of list) {
        const arr = s.obj.parent!;
        edits.push(removeChild(arr, arr.children!.indexOf(s.obj)));
        if (m.sequential) {
          const cfg = propertyOf(s.obj, 'config')?.value;
          if (arr.children![0] === s.obj && INPUT_KEYS.some((k) => propertyOf(cfg, k))) throw new ModelError(`layer ${s.layer.name} declares the model's input shape; it is not removed`, 'unsupported');
          continue;
        }
        const refs = refsIn(propertyOf(s.obj, 'inbound_nodes')?.value);
        if (refs.length !== 1) throw new ModelError(`layer ${s.layer.name} has ${refs.length} inputs; only single-input layers are removed`, 'unsupported');
        removed.set(s.layer.name, refs[0]);
      }
      if (m.sequential) continue;
      // Consumers (and the model's outputs) now read what the removed layer read; chains resolve through.
      const target = (name: string): RefNodes => {
        let r = removed.get(name)!;
        while (removed.has(String(r.name.value))) r = removed.get(String(r.name.value))!;
        return r;
      };
      const gone = new Set(list.map((s) => s.obj));
      const holders: JsonNode[] = [];
      for (const l of m.layers) {
        const obj = l.source ? this.byOffset.get(l.source.offset - shift) : undefined;
        if (obj && !gone.has(obj)) {
          const inb = propertyOf(obj, 'inbound_nodes')?.value;
          if (inb) holders.push(inb);
        }
      }
      const cfg = this.modelConfig(m, m.source ? m.source.offset - shift : undefined);
      const outs = propertyOf(cfg, 'output_layers')?.value;
      if (outs) holders.push(outs);
      for (const h of holders) {
        for (const r of refsIn(h)) {
          if (!removed.has(String(r.name.value))) continue;
          const t = target(String(r.name.value));
          edits.push(this.raw(r.name, t.name));
          if (r.node && t.node) edits.push(this.raw(r.node, t.node));
          if (r.tensor && t.tensor) edits.push(this.raw(r.tensor, t.tensor));
        }
      }
    }
    return edits;
  }

  private raw(at: JsonNode, from: JsonNode): TextEdit {
    return { offset: at.offset, length: at.length, content: this.text.slice(from.offset, from.offset + from.length) };
  }

  bnFold(model: Model, bns: Node[], shift: number): TextEdit[] {
    const edits: TextEdit[] = [];
    const sites = bns.map((bn) => this.site(bn, shift));
    for (const bn of bns) {
      const prod = model.graph.nodes.find((n) => n.outputs.includes(bn.inputs[0]));
      if (!prod) throw new ModelError(`BatchNormalization ${bn.id} has no producing layer`);
      const p = this.site(prod, shift);
      edits.push(...this.setConfig(this.text, p.obj, this.keras1 ? ['bias', 'use_bias'] : ['use_bias'], true));
    }
    return [...edits, ...this.remove(sites, shift)];
  }

  /** Sets a config key (the first of `keys` present, else adds the last one). */
  private setConfig(text: string, obj: JsonNode, keys: string[], v: unknown): TextEdit[] {
    const cfg = this.config(obj);
    for (const k of keys) {
      const p = propertyOf(cfg, k);
      if (p) return JSON.stringify(p.value.value) === JSON.stringify(v) && p.value.type !== 'object' ? [] : [replaceValue(text, this.style, p.value, v)];
    }
    return [addProperty(text, this.style, cfg, keys[keys.length - 1], v)];
  }

  /** Dense(units) → Dense(r, linear, no bias, name X_lowrank, the name the preview (passes/lowRank.ts) shows) + Dense(units) named X, reading the first. */
  lowRank(model: Model, n: Node, s: Site, knobs: KnobValues, opts: KerasEditOptions): TextEdit[] {
    const kernel = n.weights?.find((w) => /kernel/.test(w));
    const dims = kernel ? model.graph.initializers.get(kernel)?.dims : undefined;
    if (n.opType !== 'Dense' || !dims || dims.length !== 2) throw new ModelError(`low-rank: ${n.id} is not a Dense layer with a known kernel`, 'unsupported');
    const r = opts.ranks?.[n.id] ?? denseRankForKnobs(dims[0], dims[1], knobs);
    if (r === undefined) throw new ModelError('low-rank: the energy knob needs the weights; a Keras JSON edit takes a rank or ratio', 'unsupported');
    const name = this.fresh(`${s.layer.name}_lowrank`);
    opts.onNewLayer?.(n.id, name);
    const t = this.text;
    const edits: TextEdit[] = [];
    // The new layer: a copy of X's own text (its formatting, initializers and inbound call) with a few values changed.
    const indent = /^[ \t]*/.exec(t.slice(t.lastIndexOf('\n', s.obj.offset - 1) + 1, s.obj.offset))![0];
    const copy = indent + t.slice(s.obj.offset, s.obj.offset + s.obj.length);
    const root = parseTree(copy)!;
    const ce: TextEdit[] = [];
    const top = propertyOf(root, 'name');
    if (top) ce.push(replaceValue(copy, this.style, top.value, name));
    ce.push(...this.setConfig(copy, root, ['name'], name));
    ce.push(...this.setConfig(copy, root, this.keras1 ? ['output_dim', 'units'] : ['units'], r));
    ce.push(...this.setConfig(copy, root, ['activation'], 'linear'));
    ce.push(...this.setConfig(copy, root, this.keras1 ? ['bias', 'use_bias'] : ['use_bias'], false));
    const act = propertyOf(this.config(root), 'activity_regularizer');
    if (act && act.value.type !== 'null') ce.push(replaceValue(copy, this.style, act.value, null));
    const newLayer = applyTextEdits(copy, normaliseEdits(ce)).slice(indent.length);
    edits.push({ offset: s.obj.offset, length: 0, content: newLayer + separatorAt(t, this.style, s.obj) });
    // X now reads the new layer: its inbound reference, Keras 3's declared shape and build_config.
    const cfg = this.config(s.obj);
    if (s.owner.sequential) {
      for (const k of INPUT_KEYS) {
        const p = propertyOf(cfg, k);
        if (p) edits.push(removeChild(cfg, p.index));
      }
    } else {
      const refs = refsIn(propertyOf(s.obj, 'inbound_nodes')?.value);
      if (refs.length !== 1) throw new ModelError(`low-rank: ${s.layer.name} has ${refs.length} inputs`, 'unsupported');
      const ref = refs[0];
      edits.push(replaceValue(t, this.style, ref.name, name));
      if (ref.node) edits.push(replaceValue(t, this.style, ref.node, 0));
      if (ref.tensor) edits.push(replaceValue(t, this.style, ref.tensor, 0));
      const last = ref.shape?.children?.[ref.shape.children.length - 1];
      if (last) edits.push(replaceValue(t, this.style, last, r));
    }
    const built = propertyOf(propertyOf(s.obj, 'build_config')?.value, 'input_shape')?.value;
    const lastDim = built?.type === 'array' ? built.children?.[built.children.length - 1] : undefined;
    if (lastDim && lastDim.type === 'number') edits.push(replaceValue(t, this.style, lastDim, r));
    return edits;
  }

  /**
   * channel-prune: the pruned layers' `filters`/`units`, and where the file declares shapes (Keras 3:
   * `build_config.input_shape`, the `shape` of a `__keras_tensor__` reference) the last dimension of
   * every value whose channels shrink. Layers that only read the channels keep their config.
   */
  channelPrune(model: Model, producers: Node[], suggestion: Suggestion, knobs: KnobValues, shift: number): TextEdit[] {
    const knob = suggestion.knobs.find((k) => k.name === 'ratio');
    if (!knob) throw new ModelError('channel-prune: the suggestion has no ratio knob', 'unsupported');
    // The same value (default, range check) the pass's rewrite takes, so text and weights agree.
    const ratio = knobValue(knobs, knob);
    const ix = new GraphIndex(model.graph);
    const tys = kerasTypes(model);
    const edits: TextEdit[] = [];
    /** value -> [size before, channels removed] */
    const shrink = new Map<string, [number, number]>();
    for (const n of producers) {
      const p = kerasPlan(model, ix, tys, n, [0]);
      if (!p) throw new ModelError(`channel-prune: layer ${n.id} cannot be pruned in this model`, 'unsupported');
      const count = prunedCount(p.channels, ratio);
      const s = this.site(n, shift);
      edits.push(...this.setConfig(this.text, s.obj, [n.opType === 'Dense' ? 'units' : 'filters'], p.channels - count));
      for (const [v, before] of p.values) {
        const cur = shrink.get(v) ?? [before, 0];
        // A flattened value loses `count` features per position.
        shrink.set(v, [before, cur[1] + (count * before) / p.channels]);
      }
    }
    for (const [v, [before, gone]] of shrink) {
      for (const u of ix.uses(v)) {
        const s = this.site(u, shift);
        const slot = u.inputs.indexOf(v);
        const dim = before - gone;
        const built = propertyOf(propertyOf(s.obj, 'build_config')?.value, 'input_shape')?.value;
        const shape = u.inputs.length === 1 ? built : built?.children?.[slot];
        const last = shape?.type === 'array' ? shape.children?.[shape.children.length - 1] : undefined;
        if (last?.type === 'number') edits.push(replaceValue(this.text, this.style, last, dim));
        const refs = refsIn(propertyOf(s.obj, 'inbound_nodes')?.value);
        const ref = refs.length === u.inputs.length ? refs[slot] : undefined;
        const rl = ref?.shape?.children?.[ref.shape.children.length - 1];
        if (rl?.type === 'number') edits.push(replaceValue(this.text, this.style, rl, dim));
      }
    }
    return edits;
  }

  /** Conv2D → SeparableConv2D of the same filters/kernel/strides/padding/activation/bias (depth_multiplier 1). */
  separable(s: Site): TextEdit[] {
    const t = this.text;
    const edits: TextEdit[] = [];
    const cls = propertyOf(s.obj, 'class_name');
    if (!cls) throw new ModelError(`layer ${s.layer.name} has no class_name`);
    edits.push(replaceValue(t, this.style, cls.value, 'SeparableConv2D'));
    const reg = propertyOf(s.obj, 'registered_name');
    if (reg && reg.value.value === 'Conv2D') edits.push(replaceValue(t, this.style, reg.value, 'SeparableConv2D'));
    // Values are copied as written (Raw), so only the renamed/added keys differ from the file.
    const cfgNode = this.config(s.obj);
    const raw: Record<string, unknown> = {};
    for (const p of cfgNode.children ?? []) raw[String(p.children![0].value)] = new Raw(t.slice(p.children![1].offset, p.children![1].offset + p.children![1].length));
    edits.push(replaceValue(t, this.style, cfgNode, separableConfigFromConv(raw)));
    return edits;
  }
}

/** Every tensor reference under a JSON node: list refs [name, node, tensor, kwargs?] and Keras 3 __keras_tensor__ objects. */
function refsIn(n: JsonNode | undefined, acc: RefNodes[] = []): RefNodes[] {
  if (!n) return acc;
  if (n.type === 'object') {
    if (propertyOf(n, 'class_name')?.value.value === '__keras_tensor__') {
      const cfg = propertyOf(n, 'config')?.value;
      const h = propertyOf(cfg, 'keras_history')?.value;
      if (h?.children?.[0]?.type === 'string') acc.push({ name: h.children[0], node: h.children[1], tensor: h.children[2], shape: propertyOf(cfg, 'shape')?.value });
      return acc;
    }
    for (const p of n.children ?? []) refsIn(p.children?.[1], acc);
    return acc;
  }
  if (n.type === 'array' && n.children) {
    const [a, b, c] = n.children;
    if (a?.type === 'string' && b?.type === 'number') {
      acc.push({ name: a, node: b, tensor: c?.type === 'number' ? c : undefined });
      for (const x of n.children.slice(3)) refsIn(x, acc);
      return acc;
    }
    for (const x of n.children) refsIn(x, acc);
  }
  return acc;
}
