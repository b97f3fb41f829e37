// Finds the model in any Keras JSON document and normalises it into a tree of models and layers.
import { ModelError } from '../../errors';
import type { SourceRange } from '../../ir/graph';
import { normaliseClass, normaliseConfig, normaliseEndpoints, normaliseInbound, type Inbound, type TensorRef } from './dialect';
import { isKnownLayer } from '../../rules/keras/table';
import { isObject, item, prop, type JsonDoc, type JsonNode } from './json';

type Cfg = Record<string, unknown>;

export interface KLayer {
  className: string;
  /** Class name as written in the file. */
  fileClass: string;
  name: string;
  config: Cfg;
  /** inbound_nodes (functional models); empty for Sequential members and InputLayers. */
  calls: Inbound[];
  source?: SourceRange;
  /** A nested model used as a layer. */
  model?: KModel;
  customReason?: string;
  /** Keras 3 build_config.input_shape: the input the layer was built for. */
  buildInputShape?: unknown;
}

export interface KModel {
  name: string;
  sequential: boolean;
  layers: KLayer[];
  /** Functional: input/output endpoints. Sequential: computed by chaining. */
  inputs: TensorRef[];
  outputs: TensorRef[];
  /** The model's inbound nodes use Keras 3's form (nested-model node indices start at 0). */
  k3Nodes: boolean;
  source?: SourceRange;
  /** Sequential built with model.build(shape) (Keras 2 build_input_shape, Keras 3 build_config). */
  buildInputShape?: unknown;
}

export interface KDocument {
  model: KModel;
  kerasVersion?: string;
  backend?: string;
  dialect: string;
  /** tfjs layers-model weightsManifest, when present. */
  weightsManifest?: unknown;
  /** The whole document when it was a tfjs model.json (format, generatedBy, ...). */
  tfjs?: Cfg;
  warnings: string[];
}

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/** Locates the model config in a Keras JSON document of any dialect. */
export function readDocument(doc: JsonDoc): KDocument {
  const warnings: string[] = [...doc.notes];
  if (doc.doubleEncoded) warnings.push('double-encoded JSON (a JSON string holding the model JSON): layer ranges point into that string');
  let v = doc.value;
  let n: JsonNode | undefined = doc.root;
  let tfjs: Cfg | undefined;
  let weightsManifest: unknown;
  let kerasVersion: string | undefined;
  let backend: string | undefined;
  if (isObject(v) && 'modelTopology' in v) {
    tfjs = v;
    weightsManifest = v.weightsManifest;
    if (v.format !== undefined && v.format !== 'layers-model') throw new ModelError(`TensorFlow.js ${String(v.format)} is not a Keras layers model (graph models hold no Keras layers)`, 'unsupported');
    n = prop(n, 'modelTopology');
    v = v.modelTopology;
  }
  if (isObject(v) && 'model_config' in v && !('class_name' in v)) {
    kerasVersion = typeof v.keras_version === 'string' ? v.keras_version : undefined;
    backend = typeof v.backend === 'string' ? v.backend : undefined;
    n = prop(n, 'model_config');
    v = v.model_config;
    if (typeof v === 'string') throw new ModelError('model_config is a string inside the JSON; decode it first', 'unsupported');
  }
  if (isObject(v)) {
    if (typeof v.keras_version === 'string') kerasVersion = v.keras_version;
    if (typeof v.backend === 'string') backend = v.backend;
  }
  let model: KModel;
  if (Array.isArray(v)) {
    // Keras <= 2.2.2 Sequential.get_config() is the bare layer list.
    model = readSequential('sequential', v, n, doc);
  } else if (isObject(v) && typeof v.class_name === 'string') {
    if (!MODEL_CLASSES.has(v.class_name)) {
      const cfg = v.config;
      if (isObject(cfg) && Object.keys(cfg).length === 0) {
        throw new ModelError(`"${v.class_name}" is a subclassed model saved without an architecture (its config is empty); only its Python code defines the layers`, 'unsupported');
      }
      if (!isObject(cfg) || !Array.isArray(cfg.layers)) throw new ModelError(`JSON is not a Keras model: top-level class_name "${v.class_name}" is not Sequential, Functional or Model and has no layers`);
    }
    model = readModelObject(v, n, doc);
  } else if (isObject(v) && Array.isArray(v.layers)) {
    // A bare model.get_config(): {name, layers, input_layers, output_layers}.
    model = readModelConfig(v.input_layers ? 'Model' : 'Sequential', v, n, doc);
    if (Array.isArray(v.build_input_shape)) model.buildInputShape = v.build_input_shape;
  } else {
    throw new ModelError('JSON is not a Keras model: expected class_name/config, a layers list, or a TensorFlow.js modelTopology');
  }
  const dialect = detectDialect(doc.value, kerasVersion, tfjs);
  return { model, kerasVersion, backend, dialect, weightsManifest, tfjs, warnings };
}

function detectDialect(v: unknown, kerasVersion: string | undefined, tfjs: Cfg | undefined): string {
  const text = kerasVersion ?? '';
  const base = text.startsWith('1.') ? 'keras1' : text.startsWith('tfjs-layers') ? 'tfjs-layers' : text.startsWith('2.') ? 'keras2' : text.startsWith('3.') ? 'keras3' : JSON.stringify(v).includes('"__keras_tensor__"') ? 'keras3' : 'keras2';
  return tfjs ? `tfjs:${base}` : base;
}

function readModelObject(v: Cfg, n: JsonNode | undefined, doc: JsonDoc): KModel {
  const m = readModelObjectInner(v, n, doc);
  const built = isObject(v.build_config) ? v.build_config.input_shape : isObject(v.config) ? v.config.build_input_shape : undefined;
  if (Array.isArray(built) && !Array.isArray(built[0])) m.buildInputShape = built;
  return m;
}

function readModelObjectInner(v: Cfg, n: JsonNode | undefined, doc: JsonDoc): KModel {
  const cfg = v.config;
  const cn = prop(n, 'config');
  if (v.class_name === 'Sequential') {
    if (Array.isArray(cfg)) return readSequential('sequential', cfg, cn, doc);
    if (isObject(cfg)) return readModelConfig('Sequential', cfg, cn, doc);
  }
  if (!isObject(cfg)) throw new ModelError(`${String(v.class_name)} has no config object`);
  return readModelConfig(String(v.class_name), cfg, cn, doc);
}

function readModelConfig(cls: string, cfg: Cfg, n: JsonNode | undefined, doc: JsonDoc): KModel {
  const name = typeof cfg.name === 'string' ? cfg.name : cls.toLowerCase();
  const layersNode = prop(n, 'layers');
  if (!Array.isArray(cfg.layers)) throw new ModelError(`model "${name}" has no layers list`);
  if (cls === 'Sequential') return readSequential(name, cfg.layers, layersNode, doc);
  const layers = cfg.layers.map((l, i) => readLayer(l, item(layersNode, i), doc, i));
  const k3Nodes = layers.some((l) => l.calls.some((c) => c.k3));
  let inputs = normaliseEndpoints(cfg.input_layers);
  const outputs = normaliseEndpoints(cfg.output_layers);
  if (inputs.length === 0) inputs = layers.filter((l) => l.className === 'InputLayer').map((l) => ({ layer: l.name, node: 0, tensor: 0 }));
  if (outputs.length === 0) throw new ModelError(`model "${name}" has no output_layers`);
  return { name, sequential: false, layers, inputs, outputs, k3Nodes, source: n ? doc.range(n) : undefined };
}

function readSequential(name: string, list: unknown[], n: JsonNode | undefined, doc: JsonDoc): KModel {
  const layers = list.map((l, i) => readLayer(l, item(n, i), doc, i));
  if (layers.length === 0) throw new ModelError(`Sequential model "${name}" has no layers`);
  return { name, sequential: true, layers, inputs: [], outputs: [], k3Nodes: false, source: n ? doc.range(n) : undefined };
}

function readLayer(l: unknown, n: JsonNode | undefined, doc: JsonDoc, index: number): KLayer {
  if (!isObject(l) || typeof l.class_name !== 'string') throw new ModelError(`layer ${index} has no class_name`);
  const rawCfg = isObject(l.config) ? l.config : Array.isArray(l.config) ? { layers: l.config } : {};
  const { className, customReason } = normaliseClass(l, rawCfg);
  const name = typeof l.name === 'string' ? l.name : typeof rawCfg.name === 'string' ? rawCfg.name : `${className.toLowerCase()}_${index}`;
  let reason = customReason;
  if (!reason && !MODEL_CLASSES.has(className) && !isKnownLayer(className)) reason = `unknown layer class ${l.class_name}`;
  const calls = Array.isArray(l.inbound_nodes) ? l.inbound_nodes.map(normaliseInbound) : [];
  const layer: KLayer = { className, fileClass: l.class_name, name, config: {}, calls, source: n ? doc.range(n) : undefined, customReason: reason };
  if (MODEL_CLASSES.has(className) && (Array.isArray(l.config) || Array.isArray(rawCfg.layers))) {
    layer.model = readModelObject({ class_name: l.class_name === 'Sequential' ? 'Sequential' : className, config: l.config }, n, doc);
    layer.model.name = name;
    layer.config = { name, trainable: rawCfg.trainable };
    if (isObject(l.build_config)) layer.buildInputShape = l.build_config.input_shape;
    return layer;
  }
  layer.config = normaliseConfig(l.class_name, className, rawCfg);
  for (const key of ['layer', 'backward_layer']) {
    const w = rawCfg[key];
    if (isObject(w) && typeof w.class_name === 'string') {
      const wc = isObject(w.config) ? w.config : {};
      const norm = normaliseClass(w, wc);
      layer.config[key] = { class_name: norm.className, config: normaliseConfig(w.class_name, norm.className, wc) };
      if (norm.customReason && !layer.customReason) layer.customReason = `wraps ${norm.customReason}`;
    }
  }
  if (isObject(l.build_config)) layer.buildInputShape = l.build_config.input_shape;
  return layer;
}
