// A Keras 2 full-model .h5 rewritten for an edited config. Keras 2 loads these by position:
// `model_weights.attrs.layer_names` must list `model.layers` in order, and each layer group's
// `weight_names` its weights in the layer's order (`trainable_weights + non_trainable_weights`, all of a
// nested model's layers in one list); datasets are at `<layer group>/<weight name>` (`dense/kernel:0`).
import path from 'node:path';
import { h5Get } from './h5';
import { copyAttrs, copyDataset, copyGroup, ensureGroup, isDataset, isGroup, writeFloat32, type H5File, type loadH5wasm } from './h5Io';
import { entryName } from './tfjsShards';
import type { KModel } from './topology';
import { rewriteList, type PlannedLayer, type PlannedWeight, type WeightPlan } from './weightRewrite';

type H5 = Awaited<ReturnType<typeof loadH5wasm>>;
type Group = ReturnType<H5File['create_group']>;

/** A weight of a layer group: copied from `from` (a dataset path in the old file) or new values. */
type Stored = { rel: string; from: string } | { rel: string; dims: readonly number[]; values: Float32Array };

/** A string-list attribute, also in Keras' chunked form for long lists (`name0`, `name1`, ...). */
export function stringList(g: Group, name: string): string[] {
  const one = (n: string): string[] => {
    const v = g.get_attribute(n, true) as unknown;
    return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
  };
  if (Object.prototype.hasOwnProperty.call(g.attrs, name)) return one(name);
  const out: string[] = [];
  for (let i = 0; Object.prototype.hasOwnProperty.call(g.attrs, `${name}${i}`); i++) out.push(...one(`${name}${i}`));
  return out;
}

export function writeKeras2H5(lib: H5, src: H5File, dst: H5File, editedConfig: string, before: KModel, edited: KModel, plan: WeightPlan, matched: Map<string, string>): void {
  // The optimizer's slots belong to the old variables; a changed model is compiled afresh.
  copyGroup(lib, src, dst, new Set(['model_weights', 'optimizer_weights']), new Set(['model_config']));
  dst.create_attribute('model_config', editedConfig);
  const smw = h5Get(lib, src, 'model_weights');
  if (!isGroup(lib, smw)) return;
  const mw = dst.create_group('model_weights');
  const chunked = (n: string) => n === 'layer_names' || /^layer_names\d+$/.test(n);
  copyAttrs(smw, mw, new Set(Object.keys(smw.attrs).filter(chunked)));
  mw.create_attribute('layer_names', edited.layers.map((l) => l.name));
  const oldLayers = new Set(before.layers.map((l) => l.name));
  // Groups that are no layer (top_level_model_weights) are kept.
  for (const k of smw.keys()) {
    const e = h5Get(lib, smw, k);
    if (!oldLayers.has(k) && isGroup(lib, e)) copyGroup(lib, e, mw.create_group(k));
  }
  // Per original layer: one stored name and its local weight name, for naming new weights alike.
  const sample = new Map<string, { name: string; local: string }>();
  const relOf = (full: string, group: string) => full.slice(`/model_weights/${group}/`.length);
  for (const [irName, full] of matched) {
    const owner = plan.ownerOf.get(irName);
    if (owner === undefined || sample.has(owner)) continue;
    sample.set(owner, { name: relOf(full, owner.split('/')[0]), local: irName.slice(owner.length + 1) });
  }
  const ownerOfPath = new Map([...matched].map(([irName, full]) => [full, plan.ownerOf.get(irName)]));
  for (const l of edited.layers) {
    const key = l.name;
    const old = oldLayers.has(key) ? h5Get(lib, smw, key) : undefined;
    const inner = (k: string) => k.startsWith(`${key}/`);
    const touched = plan.byKey.has(key) || [...plan.dropped].some(inner) || [...plan.byKey.keys()].some(inner);
    const g = mw.create_group(key);
    if (!touched && isGroup(lib, old)) {
      copyGroup(lib, old, g);
      continue;
    }
    const emit = (pl: PlannedLayer, w: PlannedWeight): Stored => {
      const from = w.unchanged ? matched.get(w.irName) : undefined;
      if (from) return { rel: relOf(from, key), from };
      return { rel: entryName(sample.get(pl.anchor), w.local, pl.rename), dims: w.dims, values: w.values! };
    };
    let list: Stored[];
    if (l.model) {
      const names = isGroup(lib, old) ? stringList(old, 'weight_names') : [];
      const oldList: Stored[] = names.map((rel) => ({ rel, from: `/model_weights/${key}/${rel}` }));
      list = rewriteList(oldList, (s) => ('from' in s ? ownerOfPath.get(s.from) : undefined), plan, emit);
    } else {
      const pl = plan.byKey.get(key);
      list = pl ? pl.weights.map((w) => emit(pl, w)) : [];
    }
    g.create_attribute('weight_names', list.map((s) => s.rel));
    for (const s of list) {
      const dir = path.posix.dirname(s.rel);
      const at = dir === '.' ? g : ensureGroup(lib, g, dir);
      const base = path.posix.basename(s.rel);
      if ('from' in s) {
        const ds = h5Get(lib, src, s.from);
        if (isDataset(lib, ds)) copyDataset(ds, at, base);
      } else {
        writeFloat32(at, base, s.dims, s.values);
      }
    }
  }
}
