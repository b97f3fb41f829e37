import { dimAdd, dimMul, type Dim } from '../../ir/dim';
import type { TensorType } from '../../ir/graph';
import { RuleError } from '../types';
import type { KerasConfig, LayerRule, WeightSpec } from './types';
import { wrapped } from './recurrent';
import { one, out, shapeOf, str } from './util';

export type RuleLookup = (className: string) => LayerRule | undefined;

function inner(cfg: KerasConfig, lookup: RuleLookup, key = 'layer') {
  const w = wrapped(cfg, key);
  if (!w) throw new RuleError(`wrapper has no ${key} config`);
  const rule = lookup(w.className);
  if (!rule) throw new RuleError(`no rule for wrapped layer class ${w.className}`);
  return { ...w, rule };
}

function prefixed(prefix: string, ws: WeightSpec[]): WeightSpec[] {
  return ws.map((w) => ({ name: `${prefix}/${w.name}`, dims: w.dims }));
}

function innerName(c: KerasConfig, fallback: string): string {
  return typeof c.name === 'string' ? c.name : fallback;
}

/** Bidirectional: a forward and a backward copy of the wrapped RNN, merged by merge_mode. */
export function bidirectional(lookup: RuleLookup): LayerRule {
  const parts = (cfg: KerasConfig) => {
    const f = inner(cfg, lookup);
    const b = cfg.backward_layer ? inner(cfg, lookup, 'backward_layer') : f;
    return { f, b };
  };
  return {
    shape(cfg, inputs) {
      const { f } = parts(cfg);
      const fo = f.rule.shape(f.config, inputs);
      const mode = cfg.merge_mode === null ? null : str(cfg, 'merge_mode', 'concat');
      const main = shapeOf(fo[0]);
      const states = fo.slice(1);
      if (mode === null) return [fo[0], fo[0], ...states, ...states];
      const merged = mode === 'concat' ? [...main.slice(0, -1), dimMul(main[main.length - 1], 2)] : main;
      return [out(fo[0].dtype, merged), ...states, ...states];
    },
    weights(cfg, inputs) {
      const { f, b } = parts(cfg);
      const fw = f.rule.weights?.(f.config, inputs) ?? [];
      const bw = b.rule.weights?.(b.config, inputs) ?? [];
      const fn = innerName(f.config, 'layer');
      return [...prefixed(`forward_${fn}`, fw), ...prefixed(b === f ? `backward_${fn}` : innerName(b.config, `backward_${fn}`), bw)];
    },
    cost(cfg, inputs, outputs) {
      const { f, b } = parts(cfg);
      const fc = f.rule.cost(f.config, inputs, f.rule.shape(f.config, inputs));
      const bc = b.rule.cost(b.config, inputs, b.rule.shape(b.config, inputs));
      const mode = cfg.merge_mode === null ? null : str(cfg, 'merge_mode', 'concat');
      const mergeFlops: Dim = mode === null || mode === 'concat' ? 0 : shapeOf(outputs[0]).reduce((p: Dim, d) => dimMul(p, d), 1 as Dim);
      return { macs: dimAdd(fc.macs, bc.macs), flops: dimAdd(dimAdd(fc.flops, bc.flops), mergeFlops) };
    },
  };
}

/** TimeDistributed: the wrapped layer applied to [batch*steps, ...] and reshaped back. */
export function timeDistributed(lookup: RuleLookup): LayerRule {
  const folded = (inputs: TensorType[]): TensorType[] => {
    const s = one(inputs);
    if (s.length < 3) throw new RuleError('TimeDistributed expects an input of rank >= 3');
    return [out(inputs[0].dtype, [dimMul(s[0], s[1]), ...s.slice(2)])];
  };
  return {
    shape(cfg, inputs) {
      const i = inner(cfg, lookup);
      const s = one(inputs);
      return i.rule.shape(i.config, folded(inputs)).map((t) => out(t.dtype, [s[0], s[1], ...shapeOf(t).slice(1)]));
    },
    weights(cfg, inputs) {
      const i = inner(cfg, lookup);
      return i.rule.weights?.(i.config, folded(inputs)) ?? [];
    },
    cost(cfg, inputs) {
      const i = inner(cfg, lookup);
      const f = folded(inputs);
      return i.rule.cost(i.config, f, i.rule.shape(i.config, f));
    },
  };
}
