import { dimAdd, dimMul, dimProduct, type Dim } from '../../ir/dim';
import { RuleError } from '../types';
import type { LayerRule, KerasConfig, WeightSpec } from './types';
import { activationFlops, bool, convOutLen, deconvOutLen, elems, joinChannels, macCost, num, one, out, product, shapeOf, splitChannels, staticDim, str, tuple } from './util';

function geometry(cfg: KerasConfig, s: Dim[], rank: number, name: string) {
  if (s.length !== rank + 2) throw new RuleError(`${name} expects a rank-${rank + 2} input (batch included), got rank ${s.length}`);
  const { spatial, channels, first } = splitChannels(s, cfg);
  return {
    spatial, channels, first,
    k: tuple(cfg, 'kernel_size', rank, 1),
    strides: tuple(cfg, 'strides', rank, 1),
    dil: tuple(cfg, 'dilation_rate', rank, 1),
    padding: str(cfg, 'padding', 'valid').toLowerCase(),
  };
}

function outSpatial(g: ReturnType<typeof geometry>): Dim[] {
  return g.spatial.map((d, i) => convOutLen(d, g.k[i], g.padding, g.strides[i], g.dil[i]));
}

function biasExtra(cfg: KerasConfig, outElems: Dim): Dim {
  return dimMul(outElems, (bool(cfg, 'use_bias', true) ? 1 : 0) + activationFlops(cfg));
}

/** Conv1D/2D/3D: kernel [...k, in/groups, filters]; MACs = out elements * in/groups * prod(k). */
export function conv(rank: number): LayerRule {
  const name = `Conv${rank}D`;
  return {
    shape(cfg, inputs) {
      const s = one(inputs);
      const g = geometry(cfg, s, rank, name);
      return [out(inputs[0].dtype, joinChannels(s[0], outSpatial(g), num(cfg, 'filters', 0), g.first))];
    },
    weights(cfg, inputs) {
      const s = one(inputs);
      const g = geometry(cfg, s, rank, name);
      const groups = num(cfg, 'groups', 1);
      const cin = staticDim(g.channels, 'input channels');
      const w: WeightSpec[] = [{ name: 'kernel', dims: [...g.k, cin / groups, num(cfg, 'filters', 0)] }];
      if (bool(cfg, 'use_bias', true)) w.push({ name: 'bias', dims: [num(cfg, 'filters', 0)] });
      return w;
    },
    cost(cfg, inputs, outputs) {
      const g = geometry(cfg, one(inputs), rank, name);
      const oe = elems(shapeOf(outputs[0]));
      const macs = dimMul(oe, dimMul(g.channels, product(g.k) / num(cfg, 'groups', 1)));
      return macCost(macs, biasExtra(cfg, oe));
    },
  };
}

/** Conv*Transpose: kernel [...k, filters, in]; MACs = input elements * filters * prod(k) (scatter form). */
export function convTranspose(rank: number): LayerRule {
  const name = `Conv${rank}DTranspose`;
  const outPad = (cfg: KerasConfig): (number | undefined)[] => {
    const v = cfg.output_padding;
    if (v === undefined || v === null) return Array(rank).fill(undefined);
    return tuple(cfg, 'output_padding', rank, 0);
  };
  return {
    shape(cfg, inputs) {
      const s = one(inputs);
      const g = geometry(cfg, s, rank, name);
      const op = outPad(cfg);
      const sp = g.spatial.map((d, i) => deconvOutLen(d, g.k[i], g.padding, g.strides[i], g.dil[i], op[i]));
      return [out(inputs[0].dtype, joinChannels(s[0], sp, num(cfg, 'filters', 0), g.first))];
    },
    weights(cfg, inputs) {
      const g = geometry(cfg, one(inputs), rank, name);
      const w: WeightSpec[] = [{ name: 'kernel', dims: [...g.k, num(cfg, 'filters', 0), staticDim(g.channels, 'input channels')] }];
      if (bool(cfg, 'use_bias', true)) w.push({ name: 'bias', dims: [num(cfg, 'filters', 0)] });
      return w;
    },
    cost(cfg, inputs, outputs) {
      const g = geometry(cfg, one(inputs), rank, name);
      const macs = dimMul(elems(one(inputs)), num(cfg, 'filters', 0) * product(g.k));
      return macCost(macs, biasExtra(cfg, elems(shapeOf(outputs[0]))));
    },
  };
}

/** DepthwiseConv1D/2D: depthwise_kernel [...k, in, depth_multiplier]; MACs = out elements * prod(k). */
export function depthwise(rank: number): LayerRule {
  const name = `DepthwiseConv${rank}D`;
  return {
    shape(cfg, inputs) {
      const s = one(inputs);
      const g = geometry(cfg, s, rank, name);
      return [out(inputs[0].dtype, joinChannels(s[0], outSpatial(g), dimMul(g.channels, num(cfg, 'depth_multiplier', 1)), g.first))];
    },
    weights(cfg, inputs) {
      const g = geometry(cfg, one(inputs), rank, name);
      const cin = staticDim(g.channels, 'input channels');
      const dm = num(cfg, 'depth_multiplier', 1);
      const w: WeightSpec[] = [{ name: 'depthwise_kernel', dims: [...g.k, cin, dm] }];
      if (bool(cfg, 'use_bias', true)) w.push({ name: 'bias', dims: [cin * dm] });
      return w;
    },
    cost(cfg, inputs, outputs) {
      const g = geometry(cfg, one(inputs), rank, name);
      const oe = elems(shapeOf(outputs[0]));
      return macCost(dimMul(oe, product(g.k)), biasExtra(cfg, oe));
    },
  };
}

/** SeparableConv1D/2D: depthwise [...k, in, dm] then pointwise [1.., in*dm, filters]. */
export function separable(rank: number): LayerRule {
  const name = `SeparableConv${rank}D`;
  return {
    shape(cfg, inputs) {
      const s = one(inputs);
      const g = geometry(cfg, s, rank, name);
      return [out(inputs[0].dtype, joinChannels(s[0], outSpatial(g), num(cfg, 'filters', 0), g.first))];
    },
    weights(cfg, inputs) {
      const g = geometry(cfg, one(inputs), rank, name);
      const cin = staticDim(g.channels, 'input channels');
      const dm = num(cfg, 'depth_multiplier', 1);
      const filters = num(cfg, 'filters', 0);
      const w: WeightSpec[] = [
        { name: 'depthwise_kernel', dims: [...g.k, cin, dm] },
        { name: 'pointwise_kernel', dims: [...Array(rank).fill(1), cin * dm, filters] },
      ];
      if (bool(cfg, 'use_bias', true)) w.push({ name: 'bias', dims: [filters] });
      return w;
    },
    cost(cfg, inputs, outputs) {
      const s = one(inputs);
      const g = geometry(cfg, s, rank, name);
      const o = shapeOf(outputs[0]);
      const spatialOut = dimMul(o[0], dimProduct(outSpatial(g)));
      const mid = dimMul(g.channels, num(cfg, 'depth_multiplier', 1));
      const dwMacs = dimMul(dimMul(spatialOut, mid), product(g.k));
      const pwMacs = dimMul(elems(o), mid);
      return macCost(dimAdd(dwMacs, pwMacs), biasExtra(cfg, elems(o)));
    },
  };
}
