// A normalised model tree written as Keras 3 `to_json()` (module/registered_name, DTypePolicy,
// `__keras_tensor__` inbound nodes, batch_shape, nested-model calls numbered from 0). It is the
// inverse of the dialect normaliser: tests use it to make the Keras 3 twin of a Keras 1/2 model.
import { nestedNodeOffsets } from './build';
import type { TensorRef } from './dialect';
import { isObject } from './json';
import type { KLayer, KModel } from './topology';
import { table } from '../../tables';

type Json = Record<string, unknown>;

const RENAMED: Record<string, string> = table({ Orthogonal: 'OrthogonalInitializer', Identity: 'IdentityInitializer' });

function keras3Object(v: unknown, module: string): unknown {
  if (Array.isArray(v)) return v.map((x) => keras3Object(x, module));
  if (!isObject(v)) return v;
  if (typeof v.class_name === 'string' && 'config' in v) {
    let cls = RENAMED[v.class_name] ?? v.class_name;
    let config = v.config;
    if (cls === 'L1L2' && isObject(config) && !config.l1) { cls = 'L2'; config = { l2: config.l2 ?? 0 }; }
    return { module, class_name: cls, config: isObject(config) ? Object.fromEntries(Object.entries(config).map(([k, x]) => [k, keras3Object(x, module)])) : config, registered_name: null };
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keras3Object(x, module)]));
}

function policy(dtype: unknown): unknown {
  return typeof dtype === 'string' ? { module: 'keras', class_name: 'DTypePolicy', config: { name: dtype }, registered_name: null } : dtype;
}

function layerConfig(l: KLayer): Json {
  const c: Json = {};
  for (const [k, v] of Object.entries(l.config)) {
    if (k === 'layer' || k === 'backward_layer') {
      const w = v as { class_name: string; config: Json };
      c[k] = { module: 'keras.layers', class_name: w.class_name, config: { ...(keras3Object(w.config, 'keras.initializers') as Json), dtype: policy(w.config.dtype) }, registered_name: null };
    } else if (k.endsWith('_initializer')) c[k] = keras3Object(v, 'keras.initializers');
    else if (k.endsWith('_regularizer')) c[k] = keras3Object(v, 'keras.regularizers');
    else if (k.endsWith('_constraint')) c[k] = keras3Object(v, 'keras.constraints');
    else c[k] = v;
  }
  if ('dtype' in c) c.dtype = policy(c.dtype);
  if (l.className === 'InputLayer' && 'batch_input_shape' in c) {
    c.batch_shape = c.batch_input_shape;
    delete c.batch_input_shape;
  }
  return c;
}

export function toKeras3Json(m: KModel): Json {
  return { module: 'keras', class_name: m.sequential ? 'Sequential' : 'Functional', config: modelConfig(m), registered_name: null };
}

function modelConfig(m: KModel): Json {
  if (m.sequential) {
    const layers: Json[] = [];
    const first = m.layers[0];
    const shape = first.className !== 'InputLayer' ? first.config.batch_input_shape : undefined;
    if (shape !== undefined) layers.push({ module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: shape, dtype: 'float32', sparse: false, name: `${first.name}_input` }, registered_name: null });
    for (const l of m.layers) {
      const j = layerJson(l, undefined);
      if (l === first && isObject(j.config)) delete (j.config as Json).batch_input_shape;
      layers.push(j);
    }
    return { name: m.name, trainable: true, layers };
  }
  const offsets = m.k3Nodes ? new Map<string, number>() : nestedNodeOffsets(m);
  const hist = (r: TensorRef) => [r.layer, r.node - (offsets.get(r.layer) ?? 0), r.tensor];
  const tensor = (r: TensorRef) => ({ class_name: '__keras_tensor__', config: { shape: r.shape ?? null, dtype: r.dtype ?? 'float32', keras_history: hist(r) } });
  const endpoints = (rs: TensorRef[]) => (rs.length === 1 ? hist(rs[0]) : rs.map(hist));
  return {
    name: m.name,
    trainable: true,
    layers: m.layers.map((l) =>
      layerJson(l, l.calls.map((c) => ({ args: c.refs.length > 1 && !['MultiHeadAttention', 'Attention'].includes(l.className) ? [c.refs.map(tensor)] : c.refs.map(tensor), kwargs: c.kwargs ?? {} }))),
    ),
    input_layers: endpoints(m.inputs),
    output_layers: endpoints(m.outputs),
  };
}

function layerJson(l: KLayer, inbound: unknown[] | undefined): Json {
  const j: Json = l.model
    ? { module: 'keras.src.models.functional', class_name: l.model.sequential ? 'Sequential' : 'Functional', config: modelConfig(l.model), registered_name: l.model.sequential ? null : 'Functional' }
    : { module: l.customReason ? '__main__' : 'keras.layers', class_name: l.customReason ? l.fileClass : l.className, config: layerConfig(l), registered_name: l.customReason ? l.fileClass : null };
  if (l.model && isObject(j.config)) (j.config as Json).name = l.name;
  if (Array.isArray(l.buildInputShape)) j.build_config = { input_shape: l.buildInputShape };
  j.name = l.name;
  if (inbound) j.inbound_nodes = inbound;
  return j;
}
