import { dimMul, type Dim } from '../../ir/dim';
import { RuleError } from '../types';
import type { LayerRule } from './types';
import { bool, convOutLen, elems, joinChannels, one, out, product, shapeOf, splitChannels, str, tuple, ZERO } from './util';

/** Max/AveragePooling{1,2,3}D: strides default to the pool size; FLOPs = out elements * window. */
export function pool(rank: number): LayerRule {
  const geo = (cfg: Record<string, unknown>, s: Dim[]) => {
    if (s.length !== rank + 2) throw new RuleError(`pooling ${rank}D expects a rank-${rank + 2} input, got rank ${s.length}`);
    const size = tuple(cfg, 'pool_size', rank, 2);
    const st = cfg.strides === null || cfg.strides === undefined ? size : tuple(cfg, 'strides', rank, 1);
    return { size, st, padding: str(cfg, 'padding', 'valid').toLowerCase(), ...splitChannels(s, cfg) };
  };
  return {
    shape(cfg, inputs) {
      const s = one(inputs);
      const g = geo(cfg, s);
      const sp = g.spatial.map((d, i) => convOutLen(d, g.size[i], g.padding, g.st[i], 1));
      return [out(inputs[0].dtype, joinChannels(s[0], sp, g.channels, g.first))];
    },
    cost(cfg, inputs, outputs) {
      const g = geo(cfg, one(inputs));
      return { macs: 0, flops: dimMul(elems(shapeOf(outputs[0])), product(g.size)) };
    },
  };
}

/** Global pooling: reduce every spatial axis (kept as 1 with keepdims); FLOPs = input elements. */
export const globalPool: LayerRule = {
  shape(cfg, inputs) {
    const s = one(inputs);
    const { spatial, channels, first } = splitChannels(s, cfg);
    if (bool(cfg, 'keepdims', false)) return [out(inputs[0].dtype, joinChannels(s[0], spatial.map(() => 1), channels, first))];
    return [out(inputs[0].dtype, [s[0], channels])];
  },
  cost: (_cfg, inputs) => ({ macs: 0, flops: elems(one(inputs)) }),
};

export const noCost = (): typeof ZERO => ZERO;
