import { unknownDim } from '../../ir/dim';
import type { TensorType } from '../../ir/graph';
import { RuleError } from '../types';
import type { KerasConfig, LayerRule } from './types';
import { one, out } from './util';

/**
 * Output types the reader found declared for a layer whose class has no rule (Keras 3 tensor shapes
 * of consumers, a Lambda's output_shape, build_config): carried on the config under this key.
 */
export const DECLARED_OUTPUTS = '__modellens_declared_outputs';

export function declared(cfg: KerasConfig): TensorType[] | undefined {
  const d = cfg[DECLARED_OUTPUTS];
  return Array.isArray(d) && d.length > 0 ? (d as TensorType[]) : undefined;
}

/**
 * Lambda and unknown/custom layers: their Python code is never run. The shape comes from what the
 * file declares (the reader adds what it can infer, e.g. an assumed identity for a Lambda, with a
 * warning); the cost is unknown.
 */
export function opaque(reason: (cfg: KerasConfig) => string): LayerRule {
  return {
    shape(cfg, inputs) {
      const d = declared(cfg);
      if (d) return d;
      const os = cfg.output_shape;
      if (Array.isArray(os) && os.every((x) => x === null || typeof x === 'number') && inputs.length > 0) {
        const s = one(inputs);
        return [out(inputs[0].dtype, [s[0], ...os.map((x) => (x === null ? unknownDim() : (x as number)))])];
      }
      throw new RuleError(`${reason(cfg)}; its output shape is not declared`);
    },
    cost(cfg) {
      throw new RuleError(reason(cfg));
    },
  };
}

export const lambda = opaque(() => 'Lambda layer: its Python code is never run, so it is not costed');
