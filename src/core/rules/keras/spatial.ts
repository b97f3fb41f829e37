import { dimAdd, dimMul, dimSub, type Dim } from '../../ir/dim';
import { RuleError } from '../types';
import type { KerasConfig, LayerRule } from './types';
import { elementwise, joinChannels, one, out, splitChannels, str, tuple, ZERO } from './util';

/** ((before, after), ...) per spatial axis from an int, a per-axis int list or per-axis pairs. */
function pairs(cfg: KerasConfig, key: string, rank: number, dflt: number): [number, number][] {
  const v = cfg[key];
  if (typeof v === 'number') return Array(rank).fill([v, v]);
  if (Array.isArray(v)) {
    if (v.length === rank && v.every((x) => typeof x === 'number')) return v.map((x) => [x as number, x as number]);
    if (rank === 1 && v.length === 2 && v.every((x) => typeof x === 'number')) return [[v[0] as number, v[1] as number]];
    if (v.length === rank && v.every((x) => Array.isArray(x) && x.length === 2)) return v.map((x) => [Number((x as unknown[])[0]), Number((x as unknown[])[1])]);
  }
  if (v === undefined || v === null) return Array(rank).fill([dflt, dflt]);
  throw new RuleError(`cannot read ${key}`);
}

function spatialLayer(rank: number, f: (d: Dim, i: number, cfg: KerasConfig) => Dim): LayerRule['shape'] {
  return (cfg, inputs) => {
    const s = one(inputs);
    if (s.length !== rank + 2) throw new RuleError(`expects a rank-${rank + 2} input, got rank ${s.length}`);
    const { spatial, channels, first } = splitChannels(s, cfg);
    return [out(inputs[0].dtype, joinChannels(s[0], spatial.map((d, i) => f(d, i, cfg)), channels, first))];
  };
}

export function zeroPadding(rank: number): LayerRule {
  return {
    shape: spatialLayer(rank, (d, i, cfg) => { const p = pairs(cfg, 'padding', rank, 1)[i]; return dimAdd(d, p[0] + p[1]); }),
    cost: () => ZERO,
  };
}

export function cropping(rank: number): LayerRule {
  return {
    shape: spatialLayer(rank, (d, i, cfg) => { const p = pairs(cfg, 'cropping', rank, 0)[i]; return dimSub(d, p[0] + p[1]); }),
    cost: () => ZERO,
  };
}

/** UpSampling: nearest is a copy; bilinear 3 FLOPs per output element per resized axis (ONNX Resize). */
export function upSampling(rank: number): LayerRule {
  return {
    shape: spatialLayer(rank, (d, i, cfg) => dimMul(d, tuple(cfg, rank === 1 ? 'size' : 'size', rank, 2)[i])),
    cost: (cfg, _inputs, outputs) => (str(cfg, 'interpolation', 'nearest') === 'nearest' ? ZERO : elementwise(outputs, 3 * rank)),
  };
}

/** UpSampling1D works on [batch, steps, features] whatever data_format says. */
export const upSampling1D: LayerRule = {
  shape(cfg, inputs) {
    const s = one(inputs);
    return [out(inputs[0].dtype, [s[0], dimMul(s[1], tuple(cfg, 'size', 1, 2)[0]), ...s.slice(2)])];
  },
  cost: () => ZERO,
};

export const cropping1D: LayerRule = {
  shape(cfg, inputs) {
    const s = one(inputs);
    const p = pairs(cfg, 'cropping', 1, 0)[0];
    return [out(inputs[0].dtype, [s[0], dimSub(s[1], p[0] + p[1]), ...s.slice(2)])];
  },
  cost: () => ZERO,
};

export const zeroPadding1D: LayerRule = {
  shape(cfg, inputs) {
    const s = one(inputs);
    const p = pairs(cfg, 'padding', 1, 1)[0];
    return [out(inputs[0].dtype, [s[0], dimAdd(s[1], p[0] + p[1]), ...s.slice(2)])];
  },
  cost: () => ZERO,
};
