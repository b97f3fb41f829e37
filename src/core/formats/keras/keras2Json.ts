// A normalised model tree written back as Keras 2 JSON (the form tf.keras 2 and TensorFlow.js read).
// Used to hand Keras 1/3 models to tfjs (the test oracle) and as the base of dialect conversion.
import type { TensorRef } from './dialect';
import type { KLayer, KModel } from './topology';

type Json = Record<string, unknown>;

export interface Keras2Options {
  /** Rewrites every layer config on the way out (tests zero the initializers). */
  mapConfig?: (className: string, config: Json) => Json;
}

export function toKeras2Json(m: KModel, opts: Keras2Options = {}): Json {
  return { class_name: m.sequential ? 'Sequential' : 'Model', config: modelConfig(m, opts), keras_version: '2.15.0', backend: 'tensorflow' };
}

function modelConfig(m: KModel, opts: Keras2Options): Json {
  if (m.sequential) {
    let layers = m.layers;
    let batchShape: unknown;
    if (layers[0]?.className === 'InputLayer' && layers.length > 1) {
      batchShape = layers[0].config.batch_input_shape;
      layers = layers.slice(1);
    }
    const out = layers.map((l) => layerJson(l, opts, undefined));
    if (batchShape !== undefined) {
      const first = out[0].config as Json;
      if (first.layers === undefined) first.batch_input_shape = batchShape;
      else {
        // A nested model first: give tfjs the input through an explicit InputLayer instead.
        out.unshift({ class_name: 'InputLayer', config: { batch_input_shape: batchShape, dtype: 'float32', name: `${m.name}_input`, sparse: false } });
      }
    } else if (layers[0] && !layers[0].model && layers[0].config.batch_input_shape === undefined) {
      const built = Array.isArray(layers[0].buildInputShape) ? layers[0].buildInputShape : m.buildInputShape;
      if (Array.isArray(built)) (out[0].config as Json).batch_input_shape = built;
    }
    return { name: m.name, layers: out };
  }
  const byName = new Map(m.layers.map((l) => [l.name, l]));
  // Keras 2 (and tfjs) number a nested model's calls from 1; Keras 3 from 0.
  const shift = (r: TensorRef): number => (m.k3Nodes && byName.get(r.layer)?.model && hasOwnInput(byName.get(r.layer)!.model!) ? r.node + 1 : r.node);
  const ref = (r: TensorRef) => [r.layer, shift(r), r.tensor];
  // Keras 3 declares every tensor's shape; a Lambda's becomes its Keras 2 output_shape (batch dropped).
  const declared = new Map<string, unknown[]>();
  for (const l of m.layers) for (const c of l.calls) for (const r of c.refs) if (r.shape && r.node === 0 && r.tensor === 0) declared.set(r.layer, r.shape.slice(1));
  return {
    name: m.name,
    layers: m.layers.map((l) => {
      const j = layerJson(l, opts, (c) => c.refs.map((r) => [...ref(r), c.kwargs ?? {}]));
      const cfg = j.config as Json;
      if (l.className === 'Lambda' && (cfg.output_shape === undefined || cfg.output_shape === null) && declared.has(l.name) && l.calls.length === 1) cfg.output_shape = declared.get(l.name);
      return j;
    }),
    input_layers: m.inputs.map(ref),
    output_layers: m.outputs.map(ref),
  };
}

function hasOwnInput(m: KModel): boolean {
  return !m.sequential || m.layers[0]?.className === 'InputLayer' || m.layers[0]?.config.batch_input_shape !== undefined;
}

function layerJson(l: KLayer, opts: Keras2Options, inbound: ((c: KLayer['calls'][number]) => unknown[]) | undefined): Json {
  const j: Json = { name: l.name };
  if (l.model) {
    j.class_name = l.model.sequential ? 'Sequential' : 'Model';
    j.config = modelConfig(l.model, opts);
  } else {
    j.class_name = l.customReason ? l.fileClass : l.className;
    const cfg: Json = { ...l.config };
    for (const key of ['layer', 'backward_layer']) {
      const w = cfg[key] as { class_name: string; config: Json } | undefined;
      if (w && typeof w === 'object') cfg[key] = { class_name: w.class_name, config: opts.mapConfig ? opts.mapConfig(w.class_name, { ...w.config }) : w.config };
    }
    j.config = opts.mapConfig ? opts.mapConfig(l.className, cfg) : cfg;
  }
  if (inbound) j.inbound_nodes = l.calls.map(inbound);
  if (l.buildInputShape !== undefined) j.build_config = { input_shape: l.buildInputShape };
  return j;
}
