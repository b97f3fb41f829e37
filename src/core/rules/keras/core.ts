import { dimDiv, dimEq, dimMul, dimProduct, isStatic, type Dim } from '../../ir/dim';
import { RuleError } from '../types';
import type { KerasConfig, LayerRule, WeightSpec } from './types';
import { activationCost, activationFlops, bool, elementwise, elems, macCost, normAxis, num, one, out, shapeOf, staticDim, ZERO } from './util';

/** Dense on the last axis: kernel [in, units]; MACs = out elements * in. */
export const dense: LayerRule = {
  shape(cfg, inputs) {
    const s = one(inputs);
    if (s.length < 2) throw new RuleError('Dense expects an input of rank >= 2');
    return [out(inputs[0].dtype, [...s.slice(0, -1), num(cfg, 'units', 0)])];
  },
  weights(cfg, inputs) {
    const s = one(inputs);
    const units = num(cfg, 'units', 0);
    const w: WeightSpec[] = [{ name: 'kernel', dims: [staticDim(s[s.length - 1], 'Dense input features'), units] }];
    if (bool(cfg, 'use_bias', true)) w.push({ name: 'bias', dims: [units] });
    return w;
  },
  cost(cfg, inputs, outputs) {
    const s = one(inputs);
    const oe = elems(shapeOf(outputs[0]));
    return macCost(dimMul(oe, s[s.length - 1]), dimMul(oe, (bool(cfg, 'use_bias', true) ? 1 : 0) + activationFlops(cfg)));
  },
};

/** Shape-preserving layers with `perElem` FLOPs per element (activations) or none (Dropout). */
export function identity(perElem: number): LayerRule {
  return {
    shape: (_cfg, inputs) => [out(inputs[0]?.dtype ?? 'float32', one(inputs))],
    cost: (_cfg, _inputs, outputs) => (perElem ? elementwise(outputs, perElem) : ZERO),
  };
}

/** Activation: FLOPs per element by activation function (linear is free). */
export const activation: LayerRule = {
  shape: identity(0).shape,
  cost: (cfg, _inputs, outputs) => elementwise(outputs, activationFlops(cfg)),
};

/** PReLU: alpha over the non-batch dims, with shared_axes collapsed to 1. */
export const prelu: LayerRule = {
  ...identity(2),
  weights(cfg, inputs) {
    const s = one(inputs);
    const dims = s.slice(1).map((d, i) => staticDim(d, 'PReLU input dim'));
    const shared = cfg.shared_axes;
    const axes = Array.isArray(shared) ? shared : typeof shared === 'number' ? [shared] : [];
    for (const a of axes) if (typeof a === 'number') dims[a - 1] = 1;
    return [{ name: 'alpha', dims }];
  },
};

/** Embedding: embeddings [input_dim, output_dim]; a gather, no arithmetic. */
export const embedding: LayerRule = {
  shape: (cfg, inputs) => [out('float32', [...one(inputs), num(cfg, 'output_dim', 0)])],
  weights: (cfg) => [{ name: 'embeddings', dims: [num(cfg, 'input_dim', 0), num(cfg, 'output_dim', 0)] }],
  cost: () => ZERO,
};

export const flatten: LayerRule = {
  shape(_cfg, inputs) {
    const s = one(inputs);
    return [out(inputs[0].dtype, [s[0], dimProduct(s.slice(1))])];
  },
  cost: () => ZERO,
};

/** Reshape(target_shape) with at most one -1, resolved from the input's element count. */
export const reshape: LayerRule = {
  shape(cfg, inputs) {
    const s = one(inputs);
    const t = cfg.target_shape;
    if (!Array.isArray(t)) throw new RuleError('Reshape needs target_shape');
    const dims = t.map((d) => (typeof d === 'number' ? d : -1));
    const unknown = dims.indexOf(-1);
    if (unknown >= 0) {
      const known = dims.filter((d, i) => i !== unknown).reduce((a, b) => a * b, 1);
      const total = dimProduct(s.slice(1));
      const res: Dim[] = dims;
      res[unknown] = dimDiv(total, known);
      return [out(inputs[0].dtype, [s[0], ...res])];
    }
    return [out(inputs[0].dtype, [s[0], ...dims])];
  },
  cost: () => ZERO,
};

/** Permute(dims): 1-based permutation of the non-batch axes. */
export const permute: LayerRule = {
  shape(cfg, inputs) {
    const s = one(inputs);
    const p = cfg.dims;
    if (!Array.isArray(p)) throw new RuleError('Permute needs dims');
    return [out(inputs[0].dtype, [s[0], ...p.map((a) => s[Number(a)])])];
  },
  cost: () => ZERO,
};

export const repeatVector: LayerRule = {
  shape(cfg, inputs) {
    const s = one(inputs);
    return [out(inputs[0].dtype, [s[0], num(cfg, 'n', 1), ...s.slice(1)])];
  },
  cost: () => ZERO,
};

/** ReLU with max_value clips (2 FLOPs per element, as ONNX Clip); plain ReLU 1. */
export const relu: LayerRule = {
  shape: identity(0).shape,
  cost: (cfg, _inputs, outputs) => elementwise(outputs, cfg.max_value === null || cfg.max_value === undefined ? 1 : 2),
};

/** Rescaling: x*scale + offset. */
export const rescaling = identity(2);

/**
 * Normalization: with mean/variance given in the config Keras stores constants (no weights);
 * otherwise it owns mean and variance over the kept axes plus a scalar count, which Keras'
 * count_params includes (hence EfficientNet's +7). count is an int64 variable in Keras; it is
 * recorded as float32 so that the weight count matches count_params.
 */
export const normalization: LayerRule = {
  ...identity(2),
  weights(cfg, inputs) {
    if (cfg.mean !== undefined && cfg.mean !== null) return [];
    const s = one(inputs);
    const ax = cfg.axis === undefined ? [-1] : cfg.axis === null ? [] : Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis];
    const dims = ax.map((a) => staticDim(s[normAxis(Number(a), s.length)], 'Normalization axis'));
    return [{ name: 'mean', dims }, { name: 'variance', dims }, { name: 'count', dims: [] }];
  },
};

/** Resizing / CenterCrop: spatial size from the config. */
export const resizing: LayerRule = {
  shape(cfg, inputs) {
    const s = one(inputs);
    const first = cfg.data_format === 'channels_first';
    const h = num(cfg, 'height', 0);
    const w = num(cfg, 'width', 0);
    return [out(inputs[0].dtype, first ? [s[0], s[1], h, w] : [...s.slice(0, -3), h, w, s[s.length - 1]])];
  },
  cost: (_cfg, _inputs, outputs) => elementwise(outputs, 6), // bilinear: 3 per element per resized axis
};

/** Keras application custom layer (ConvNeXt LayerScale): gamma [projection_dim], x * gamma. */
export const layerScale: LayerRule = {
  ...identity(1),
  weights: (cfg, inputs) => {
    const s = one(inputs);
    return [{ name: 'gamma', dims: [num(cfg, 'projection_dim', isStatic(s[s.length - 1]) ? (s[s.length - 1] as number) : 0)] }];
  },
};

/** Keras InputLayer as a node (rare: a nested model's input inside a Sequential). */
export const inputLayer = identity(0);

export function sameDims(a: Dim[], b: Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => dimEq(d, b[i]));
}

export function cfgList(cfg: KerasConfig, key: string): unknown[] {
  const v = cfg[key];
  return Array.isArray(v) ? v : [];
}
