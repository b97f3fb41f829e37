// TensorFlow.js as the Keras oracle: builds a model from Keras 2 JSON and reports per-layer output
// shapes and countParams(). Initializers are set to Zeros first so that building takes milliseconds.
import * as tf from '@tensorflow/tfjs';
import { toKeras2Json } from '../../../src/core/formats/keras/keras2Json';
import type { KModel } from '../../../src/core/formats/keras/topology';
import { tensorBackend } from '../../../src/core/tensor/backend';
import { registerStandIns } from './standins';

let ready: Promise<void> | undefined;
export function tfReady(): Promise<void> {
  ready ??= (async () => {
    // The product's backend choice (tfjs is one global): forcing another here would switch it under
    // every later user of tensorBackend() in the same process.
    await tensorBackend();
    registerStandIns();
    await tf.ready();
  })();
  return ready;
}

type Json = Record<string, unknown>;

/** Zeros initializers; no regularizers/constraints (tfjs lacks some Keras 3 ones, and they do not change shapes). */
export function zeroConfig(_cls: string, cfg: Json): Json {
  const c: Json = { ...cfg };
  // Keras 3 spells swish "silu"; tfjs knows only "swish" (the same function).
  if (c.activation === 'silu') c.activation = 'swish';
  for (const k of Object.keys(c)) {
    if (k.endsWith('_initializer')) c[k] = { class_name: 'Zeros', config: {} };
    else if (k.endsWith('_regularizer') || k.endsWith('_constraint')) c[k] = null;
  }
  return c;
}

/**
 * tfjs ignores Conv2D `groups` (it builds a full kernel). A Conv2D with groups == filters == input
 * channels (ConvNeXt's depthwise conv) is, for Keras, a DepthwiseConv2D: kernel [k, k, 1, C] + bias [C]
 * either way, so the oracle gets it in that form; other grouped convs cannot be checked by tfjs.
 */
function depthwiseForGroups(j: Json): Json {
  const walk = (layers: Json[]) => {
    for (const l of layers) {
      const c = l.config as Json;
      if (Array.isArray(c?.layers)) walk(c.layers as Json[]);
      if (l.class_name === 'Conv2D' && typeof c.groups === 'number' && c.groups > 1) {
        if (c.groups !== c.filters) throw new Error(`tfjs cannot build grouped Conv2D ${String(c.name)} (groups ${c.groups})`);
        l.class_name = 'DepthwiseConv2D';
        l.config = { name: c.name, kernel_size: c.kernel_size, strides: c.strides, padding: c.padding, data_format: c.data_format, dilation_rate: c.dilation_rate, depth_multiplier: 1, use_bias: c.use_bias, activation: c.activation, depthwise_initializer: { class_name: 'Zeros', config: {} }, bias_initializer: { class_name: 'Zeros', config: {} } };
      }
    }
  };
  const cfg = j.config as Json;
  if (Array.isArray(cfg.layers)) walk(cfg.layers as Json[]);
  return j;
}

export interface OracleLayer {
  name: string;
  className: string;
  /** One entry per call (inbound node): the output shapes. */
  outputShapes: (number | null)[][][];
  params: number;
  nested: boolean;
}

export interface OracleResult {
  params: number;
  layers: OracleLayer[];
}

function shapesOf(s: unknown): (number | null)[][] {
  return Array.isArray(s) && Array.isArray(s[0]) ? (s as (number | null)[][]) : [s as (number | null)[]];
}

function collect(layers: tf.layers.Layer[], acc: OracleLayer[]): void {
  for (const l of layers) {
    const nodes = (l as unknown as { inboundNodes: { outputShapes: unknown }[] }).inboundNodes;
    const inner = (l as unknown as { layers?: tf.layers.Layer[] }).layers;
    acc.push({ name: l.name, className: l.getClassName(), outputShapes: nodes.map((n) => shapesOf(n.outputShapes)), params: l.countParams(), nested: Array.isArray(inner) });
    if (Array.isArray(inner)) collect(inner, acc);
  }
}

export async function tfjsOracle(model: KModel): Promise<OracleResult> {
  await tfReady();
  const topology = depthwiseForGroups(toKeras2Json(model, { mapConfig: zeroConfig }));
  const m = await tf.models.modelFromJSON({ modelTopology: topology } as unknown as tf.io.ModelJSON);
  const layers: OracleLayer[] = [];
  collect(m.layers, layers);
  const params = m.countParams();
  m.dispose();
  return { params, layers };
}
