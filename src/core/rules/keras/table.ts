import type { Node, TensorType } from '../../ir/graph';
import { RuleError, type RuleContext, type RuleTable } from '../types';
import { multiHeadAttention } from './attention';
import { conv, convTranspose, depthwise, separable } from './conv';
import { activation, dense, relu, embedding, flatten, identity, inputLayer, layerScale, normalization, permute, prelu, repeatVector, rescaling, reshape, resizing } from './core';
import { DECLARED_OUTPUTS, lambda, opaque } from './custom';
import { concatenate, dot, elementwiseMerge } from './merge';
import { batchNorm, groupNorm, layerNorm } from './norm';
import { globalPool, pool } from './pooling';
import { convLstm, genericRnn, rnn } from './recurrent';
import { attention } from './attention';
import { cropping, cropping1D, upSampling, upSampling1D, zeroPadding, zeroPadding1D } from './spatial';
import { lookup, textVectorization } from './text';
import { tfOpLambda } from './tfop';
import { einsumDense } from './einsum';
import type { KerasConfig, KerasOpRule, LayerRule } from './types';
import { bidirectional, timeDistributed } from './wrappers';
import { table } from '../../tables';

/** Keras layer classes by their Keras 2 class name (the reader maps Keras 1/3 names onto these). */
export const LAYER_RULES: Record<string, LayerRule> = table({
  InputLayer: inputLayer,
  Dense: dense, EinsumDense: einsumDense,
  Conv1D: conv(1), Conv2D: conv(2), Conv3D: conv(3),
  Conv1DTranspose: convTranspose(1), Conv2DTranspose: convTranspose(2), Conv3DTranspose: convTranspose(3),
  DepthwiseConv1D: depthwise(1), DepthwiseConv2D: depthwise(2),
  SeparableConv1D: separable(1), SeparableConv2D: separable(2),
  BatchNormalization: batchNorm, LayerNormalization: layerNorm, GroupNormalization: groupNorm,
  UnitNormalization: identity(3), // square, sum, divide
  MaxPooling1D: pool(1), MaxPooling2D: pool(2), MaxPooling3D: pool(3),
  AveragePooling1D: pool(1), AveragePooling2D: pool(2), AveragePooling3D: pool(3),
  GlobalAveragePooling1D: globalPool, GlobalAveragePooling2D: globalPool, GlobalAveragePooling3D: globalPool,
  GlobalMaxPooling1D: globalPool, GlobalMaxPooling2D: globalPool, GlobalMaxPooling3D: globalPool,
  Embedding: embedding,
  LSTM: rnn('LSTM'), GRU: rnn('GRU'), SimpleRNN: rnn('SimpleRNN'), RNN: genericRnn,
  ConvLSTM1D: convLstm(1), ConvLSTM2D: convLstm(2), ConvLSTM3D: convLstm(3),
  Attention: attention('dot'), AdditiveAttention: attention('additive'),
  MultiHeadAttention: multiHeadAttention,
  Add: elementwiseMerge(), Subtract: elementwiseMerge(), Multiply: elementwiseMerge(),
  Average: elementwiseMerge(1), Maximum: elementwiseMerge(), Minimum: elementwiseMerge(),
  Concatenate: concatenate, Dot: dot,
  Reshape: reshape, Flatten: flatten, Permute: permute, RepeatVector: repeatVector,
  ZeroPadding1D: zeroPadding1D, ZeroPadding2D: zeroPadding(2), ZeroPadding3D: zeroPadding(3),
  Cropping1D: cropping1D, Cropping2D: cropping(2), Cropping3D: cropping(3),
  UpSampling1D: upSampling1D, UpSampling2D: upSampling(2), UpSampling3D: upSampling(3),
  Dropout: identity(0), SpatialDropout1D: identity(0), SpatialDropout2D: identity(0), SpatialDropout3D: identity(0),
  GaussianNoise: identity(0), GaussianDropout: identity(0), AlphaDropout: identity(0),
  ActivityRegularization: identity(0), Masking: identity(0), Identity: identity(0),
  Activation: activation, ReLU: relu, LeakyReLU: identity(2), ELU: identity(3), Softmax: identity(5),
  ThresholdedReLU: identity(1), PReLU: prelu,
  Rescaling: rescaling, Normalization: normalization, Resizing: resizing, CenterCrop: resizing,
  LayerScale: layerScale,
  StringLookup: lookup, IntegerLookup: lookup, TextVectorization: textVectorization,
  Lambda: lambda,
  TFOpLambda: tfOpLambda,
  // Data augmentation is the identity at inference.
  RandomFlip: identity(0), RandomRotation: identity(0), RandomZoom: identity(0), RandomContrast: identity(0),
  RandomTranslation: identity(0), RandomBrightness: identity(0),
});

LAYER_RULES.Bidirectional = bidirectional((c) => LAYER_RULES[c]);
LAYER_RULES.TimeDistributed = timeDistributed((c) => LAYER_RULES[c]);

const unknownLayer = opaque((cfg) => (typeof cfg.__modellens_reason === 'string' ? cfg.__modellens_reason : `custom layer ${String(cfg.__modellens_class ?? '')}: no rule, its code is never run, so it is not costed`));

/** The rule for a class, or the opaque rule (declared shapes, not costed) for custom/unknown classes. */
export function layerRuleFor(className: string): LayerRule {
  return LAYER_RULES[className] ?? unknownLayer;
}

export function isKnownLayer(className: string): boolean {
  return Object.hasOwn(LAYER_RULES, className);
}

/** Config the rules see: the node's normalised config plus any declared output types. */
export function nodeConfig(node: Node): KerasConfig {
  const a = node.attrs.config;
  const cfg = (a && a.kind === 'json' && a.value && typeof a.value === 'object' ? a.value : {}) as KerasConfig;
  const d = node.attrs.declared_outputs;
  const extra: KerasConfig = { __modellens_class: node.opType };
  if (d && d.kind === 'json') extra[DECLARED_OUTPUTS] = d.value;
  const r = node.attrs.not_costed_reason;
  if (r && r.kind === 'string') extra.__modellens_reason = r.value;
  return { ...cfg, ...extra };
}

function known(inputs: (TensorType | undefined)[]): TensorType[] {
  return inputs.map((t, i) => {
    if (!t) throw new RuleError(`input ${i} type is unknown`);
    return t;
  });
}

export function toOpRule(layer: LayerRule): KerasOpRule {
  return {
    layer,
    shape: (ctx: RuleContext) => ({ outputs: layer.shape(nodeConfig(ctx.node), known(ctx.inputs)) }),
    cost: (ctx: RuleContext, outputs: TensorType[]) => layer.cost(nodeConfig(ctx.node), known(ctx.inputs), outputs),
  };
}

/**
 * The Keras rule table for the analysis engine, keyed by node.opType (canonical Keras 2 class name).
 * Any other class (custom layers, Lambda-like third-party layers) resolves to the opaque rule, so the
 * engine reports why it is not costed and takes its declared output shape: the table answers every
 * key, including through the hasOwnProperty check the registry makes.
 */
const KNOWN: RuleTable = Object.fromEntries(Object.entries(LAYER_RULES).map(([k, v]) => [k, toOpRule(v)]));

/** For opTypes not in the table (custom layers): declared shapes, not costed. */
export const kerasFallbackRule: KerasOpRule = toOpRule(unknownLayer);

export const kerasRules: RuleTable = new Proxy(KNOWN, {
  get: (t, k) => (typeof k === 'string' ? t[k] ?? kerasFallbackRule : undefined),
  has: () => true,
  getOwnPropertyDescriptor: (t, k) => (typeof k === 'string' ? { value: t[k] ?? kerasFallbackRule, writable: false, enumerable: k in t, configurable: true } : undefined),
});
