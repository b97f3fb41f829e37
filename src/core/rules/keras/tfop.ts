import type { TensorType } from '../../ir/graph';
import { RuleError } from '../types';
import { opaque } from './custom';
import { elementwiseMerge } from './merge';
import type { KerasConfig, LayerRule } from './types';
import { elementwise, one, out } from './util';
import { table } from '../../tables';

/** Unary TF ops (FLOPs per element, ONNX table) that Keras 2 wraps as TFOpLambda layers. */
const UNARY: Record<string, number> = table({
  'nn.relu': 1, 'nn.relu6': 2, 'math.sigmoid': 4, 'nn.sigmoid': 4, 'math.tanh': 1, 'nn.tanh': 1, 'math.exp': 1,
  'math.log': 1, 'math.sqrt': 1, 'math.rsqrt': 2, 'math.abs': 1, 'math.negative': 1, 'math.square': 1,
  'nn.silu': 5, 'nn.swish': 5, 'nn.gelu': 5, 'nn.elu': 3, 'nn.selu': 4, 'nn.softplus': 3, 'math.softplus': 3,
  'nn.softmax': 5, 'math.reciprocal': 1, 'identity': 0, 'cast': 0, 'stop_gradient': 0,
});

/** Binary elementwise TF ops (x op y, y a tensor or a scalar kwarg): one FLOP per output element. */
const BINARY = new Set([
  '__operators__.add', 'math.add', 'math.multiply', 'math.subtract', 'math.truediv', 'math.divide', 'math.maximum',
  'math.minimum', 'math.pow', '__operators__.sub', '__operators__.mul', '__operators__.truediv',
]);

function fn(cfg: KerasConfig): string {
  return typeof cfg.function === 'string' ? cfg.function : '';
}

const unknownOp = opaque((cfg) => `TF op layer ${fn(cfg) || String(cfg.name)}: no rule for this TensorFlow op, so it is not costed`);
const binary = elementwiseMerge();

/** Keras 2 TFOpLambda: TensorFlow ops used on Keras tensors. Elementwise ones are costed; others opaque. */
export const tfOpLambda: LayerRule = {
  shape(cfg, inputs) {
    const f = fn(cfg);
    if (f in UNARY) return [out(inputs[0]?.dtype ?? 'float32', one(inputs))];
    if (BINARY.has(f)) return binary.shape(cfg, inputs);
    return unknownOp.shape(cfg, inputs);
  },
  cost(cfg, inputs: TensorType[], outputs) {
    const f = fn(cfg);
    if (f in UNARY) return elementwise(outputs, UNARY[f]);
    if (BINARY.has(f)) return elementwise(outputs, 1);
    if (!f) throw new RuleError('TFOpLambda without a function name');
    return unknownOp.cost(cfg, inputs, outputs);
  },
};
