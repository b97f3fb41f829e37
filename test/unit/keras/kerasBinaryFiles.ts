// .keras and Keras 2 .h5 files for tests, written here from a config the way Keras lays them out (coded
// apart from the product's reader and writers, from Keras' saving code), with plausible seeded weights;
// and TensorFlow.js models built from a config with the weights a ModelLens model read from such a file.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { loadH5wasm } from '../../../src/core/formats/keras/h5';
import { toKeras2Json } from '../../../src/core/formats/keras/keras2Json';
import type { KModel } from '../../../src/core/formats/keras/topology';
import { layerWeights } from '../../../src/core/formats/keras/weightRewrite';
import type { Model } from '../../../src/core/ir/graph';
import { tfReady, zeroConfig } from './oracle';
import { plausibleWeight } from './tfjsFiles';

type Json = Record<string, unknown>;
interface Layer { class_name: string; config: Json & { name: string; layers?: Layer[] } }

/** The model object of a config text: a tfjs modelTopology's model_config, or the document itself. */
export function modelJson(configText: string): Json {
  const j = JSON.parse(configText) as Json;
  const t = (j.modelTopology ?? j) as Json;
  return (t.model_config ?? t) as Json;
}

function layersOf(m: Json): Layer[] {
  const c = m.config as { layers?: Layer[] } | Layer[];
  return Array.isArray(c) ? c : c.layers ?? [];
}

const isModel = (l: Layer) => ['Sequential', 'Functional', 'Model'].includes(l.class_name);

/** Keras' naming.to_snake_case. */
function snake(name: string): string {
  return name.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * A Keras 3 .keras: config.json, metadata.json and model.weights.h5, where saving_lib puts a layer's
 * variables at `layers/<snake class>[_n]/vars/<i>` (a Sequential's InputLayer is not in `model.layers`).
 * `config` is the model object (class_name/config/...). Weight values: plausibleWeight(<layer key>/<local>).
 */
export async function writeKerasArchive(config: Json, out: string, seed = 3): Promise<void> {
  const lib = await loadH5wasm();
  const configText = JSON.stringify(config);
  const weights = layerWeights(configText, out);
  const h5 = `${out}.weights.tmp.h5`;
  const f = new lib.File(h5, 'w');
  f.create_group('vars');
  const walk = (m: Json, base: string, scope: string[]) => {
    const used = new Map<string, number>();
    let layers = layersOf(m);
    if (m.class_name === 'Sequential' && layers[0]?.class_name === 'InputLayer') layers = layers.slice(1);
    for (const l of layers) {
      const s = snake(l.class_name);
      const n = used.has(s) ? used.get(s)! + 1 : 0;
      used.set(s, n);
      const p = `${base}layers/${n ? `${s}_${n}` : s}`;
      const key = [...scope, l.config.name].join('/');
      let g = f as unknown as ReturnType<typeof f.create_group>;
      for (const part of p.split('/')) g = (g.get(part) as typeof g) ?? g.create_group(part);
      const vars = g.create_group('vars');
      (weights.get(key) ?? []).forEach((w, i) => vars.create_dataset({ name: String(i), data: plausibleWeight(`${key}/${w.local}`, w.dims, seed), shape: w.dims, dtype: '<f' }));
      if (isModel(l)) walk(l as unknown as Json, `${p}/`, [...scope, l.config.name]);
    }
  };
  walk(config, '', []);
  // Training state as Keras writes it for a compiled model: the optimizer's iteration count.
  f.create_group('optimizer').create_group('vars').create_dataset({ name: '0', data: BigInt64Array.of(7n), shape: [], dtype: '<q' });
  f.close();
  const zip = zipSync({
    'metadata.json': [new TextEncoder().encode(JSON.stringify({ keras_version: '3.10.0', date_saved: '2025-01-01@00:00:00' })), { level: 0 }],
    'config.json': [new TextEncoder().encode(configText), { level: 0 }],
    'model.weights.h5': [new Uint8Array(readFileSync(h5)), { level: 0 }],
  });
  rmSync(h5);
  writeFileSync(out, zip);
}

/**
 * A Keras 2 full-model .h5: `model_config`, and `model_weights/<layer>/` with `weight_names` in the
 * layer's order — for a nested model all its layers' trainable weights, then the non-trainable ones
 * (BatchNormalization's moving statistics) — and datasets at `<layer>/<weight name>:0`.
 */
export async function writeKeras2File(config: Json, out: string, seed = 3): Promise<void> {
  const lib = await loadH5wasm();
  const configText = JSON.stringify(config);
  const weights = layerWeights(configText, out);
  const f = new lib.File(out, 'w');
  f.create_attribute('model_config', configText);
  f.create_attribute('keras_version', '2.15.0');
  f.create_attribute('backend', 'tensorflow');
  f.create_attribute('training_config', JSON.stringify({ loss: 'categorical_crossentropy' }));
  const mw = f.create_group('model_weights');
  const top = layersOf(config);
  mw.create_attribute('layer_names', top.map((l) => l.config.name));
  mw.create_attribute('backend', 'tensorflow');
  mw.create_attribute('keras_version', '2.15.0');
  const nonTrainable = (local: string) => local === 'moving_mean' || local === 'moving_variance';
  const collect = (l: Layer, scope: string[], acc: { trainable: boolean; name: string; key: string; local: string; dims: number[] }[]) => {
    const key = [...scope, l.config.name].join('/');
    if (isModel(l)) for (const x of layersOf(l as unknown as Json)) collect(x, [...scope, l.config.name], acc);
    else for (const w of weights.get(key) ?? []) acc.push({ trainable: !nonTrainable(w.local), name: `${l.config.name}/${w.local}:0`, key, local: w.local, dims: w.dims });
    return acc;
  };
  for (const l of top) {
    const g = mw.create_group(l.config.name);
    const all = collect(l, [], []);
    const ordered = [...all.filter((w) => w.trainable), ...all.filter((w) => !w.trainable)];
    // A weightless layer's list is empty (h5py writes np.asarray([]): float64, shape [0]).
    if (ordered.length) g.create_attribute('weight_names', ordered.map((w) => w.name));
    else g.create_attribute('weight_names', new Float64Array(0), [0], '<d');
    for (const w of ordered) {
      const [dir, base] = w.name.split('/');
      const sub = (g.get(dir) as typeof g) ?? g.create_group(dir);
      sub.create_dataset({ name: base, data: plausibleWeight(`${w.key}/${w.local}`, w.dims, seed), shape: w.dims, dtype: '<f' });
    }
  }
  // The optimizer state a compiled model carries: dropped by a rewrite (its slots are the old variables').
  f.create_group('optimizer_weights').create_dataset({ name: 'iter:0', data: BigInt64Array.of(7n), shape: [], dtype: '<q' });
  f.close();
}

/** The fixture's value of a weight (what a reader must give back). */
export function fixtureWeight(key: string, local: string, dims: number[], seed = 3): Float32Array {
  return plausibleWeight(`${key}/${local}`, dims, seed);
}

/**
 * TensorFlow.js model of a config (through the Keras 2 form, as the oracle builds Keras 1/3) with
 * every layer's weights set from `model` (a ModelLens model whose weights are readable).
 */
export async function tfjsWithWeights(kmodel: KModel, model: Model): Promise<tf.LayersModel> {
  await tfReady();
  const m = await tf.models.modelFromJSON({ modelTopology: toKeras2Json(kmodel, { mapConfig: zeroConfig }) } as unknown as tf.io.ModelJSON);
  const byKey = new Map(model.graph.nodes.map((n) => [[...(n.scope ?? []), n.name].join('/'), n]));
  const set = (layers: tf.layers.Layer[], scope: string[]) => {
    for (const l of layers) {
      const inner = (l as unknown as { layers?: tf.layers.Layer[] }).layers;
      if (Array.isArray(inner)) {
        set(inner, [...scope, l.name]);
        continue;
      }
      const current = l.getWeights();
      if (!current.length) continue;
      const n = byKey.get([...scope, l.name].join('/'));
      if (!n?.weights || n.weights.length !== current.length) throw new Error(`layer ${[...scope, l.name].join('/')}: tfjs has ${current.length} weights, the model ${n?.weights?.length ?? 'no layer'}`);
      const vals = n.weights.map((w) => model.graph.initializers.get(w)!);
      l.setWeights(vals.map((t, i) => {
        if (t.dims.join() !== current[i].shape.join()) throw new Error(`${t.name}: shape [${t.dims}] vs tfjs [${current[i].shape}]`);
        return tf.tensor(syncFloat32(t), [...t.dims]);
      }));
    }
  };
  set(m.layers, []);
  return m;
}

function syncFloat32(t: Model['graph']['initializers'] extends Map<string, infer T> ? T : never): Float32Array {
  if (t.source.kind !== 'inline') throw new Error(`${t.name}: weights not read (${t.source.kind === 'absent' ? t.source.reason : 'file'})`);
  const b = t.source.bytes;
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
