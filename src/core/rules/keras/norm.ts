import type { LayerRule, KerasConfig } from './types';
import { bool, elementwise, normAxis, one, staticDim } from './util';
import { identity } from './core';

function axes(cfg: KerasConfig, dflt: number): number[] {
  const a = cfg.axis;
  if (typeof a === 'number') return [a];
  if (Array.isArray(a)) return a.map(Number);
  return [dflt];
}

/**
 * BatchNormalization: gamma/beta (when scale/center) and the moving mean/variance, all [C]. Keras'
 * count_params counts the non-trainable moving statistics too. Inference cost: a fused scale and shift.
 */
export const batchNorm: LayerRule = {
  shape: identity(0).shape,
  weights(cfg, inputs) {
    const s = one(inputs);
    const dims = axes(cfg, -1).map((a) => staticDim(s[normAxis(a, s.length)], 'BatchNormalization axis'));
    const w = [];
    if (bool(cfg, 'scale', true)) w.push({ name: 'gamma', dims });
    if (bool(cfg, 'center', true)) w.push({ name: 'beta', dims });
    w.push({ name: 'moving_mean', dims }, { name: 'moving_variance', dims });
    return w;
  },
  cost: (_cfg, _inputs, outputs) => elementwise(outputs, 2),
};

/** LayerNormalization: gamma/beta over the normalised axes. */
export const layerNorm: LayerRule = {
  shape: identity(0).shape,
  weights(cfg, inputs) {
    const s = one(inputs);
    const ax = axes(cfg, -1).map((a) => normAxis(a, s.length));
    const dims = ax.length === 1 ? [staticDim(s[ax[0]], 'LayerNormalization axis')] : [ax.reduce((p, a) => p * staticDim(s[a], 'LayerNormalization axis'), 1)];
    const w = [];
    if (bool(cfg, 'scale', true)) w.push({ name: 'gamma', dims });
    if (bool(cfg, 'center', true)) w.push({ name: 'beta', dims });
    return w;
  },
  cost: (cfg, _inputs, outputs) => elementwise(outputs, affineNormFlops(cfg)),
};

/** ONNX convention: 5 per element (mean, sub, square, var, scale) + 1 per affine term. */
function affineNormFlops(cfg: KerasConfig): number {
  return 5 + (bool(cfg, 'scale', true) ? 1 : 0) + (bool(cfg, 'center', true) ? 1 : 0);
}

/** GroupNormalization: gamma/beta [C]. */
export const groupNorm: LayerRule = {
  shape: identity(0).shape,
  weights(cfg, inputs) {
    const s = one(inputs);
    const dims = [staticDim(s[normAxis(axes(cfg, -1)[0], s.length)], 'GroupNormalization axis')];
    const w = [];
    if (bool(cfg, 'scale', true)) w.push({ name: 'gamma', dims });
    if (bool(cfg, 'center', true)) w.push({ name: 'beta', dims });
    return w;
  },
  cost: (cfg, _inputs, outputs) => elementwise(outputs, affineNormFlops(cfg)),
};
