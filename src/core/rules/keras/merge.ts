import { dimAdd, dimEq, dimMax, dimMul, type Dim } from '../../ir/dim';
import type { TensorType } from '../../ir/graph';
import { RuleError } from '../types';
import type { LayerRule } from './types';
import { elems, normAxis, num, out, shapeOf, ZERO } from './util';
import { maxOf } from '../../arrays';

function broadcast(inputs: TensorType[]): Dim[] {
  if (inputs.length < 1) throw new RuleError('merge layer has no inputs');
  const shapes = inputs.map((t) => shapeOf(t));
  const rank = maxOf(shapes.map((s) => s.length));
  const res: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const x = s[i - (rank - s.length)];
      if (x !== undefined) d = dimMax(d, x);
    }
    res.push(d);
  }
  return res;
}

/** Add/Subtract/Multiply/Average/Maximum/Minimum: (n-1) FLOPs per output element (Average: n). */
export function elementwiseMerge(extraPerElem = 0): LayerRule {
  return {
    shape: (_cfg, inputs) => [out(inputs[0]?.dtype ?? 'float32', broadcast(inputs))],
    cost: (_cfg, inputs, outputs) => ({ macs: 0, flops: dimMul(elems(shapeOf(outputs[0])), inputs.length - 1 + extraPerElem) }),
  };
}

export const concatenate: LayerRule = {
  shape(cfg, inputs) {
    if (inputs.length < 1) throw new RuleError('Concatenate has no inputs');
    const shapes = inputs.map((t) => shapeOf(t));
    const rank = shapes[0].length;
    const ax = normAxis(num(cfg, 'axis', -1), rank);
    const res = [...shapes[0]];
    for (const s of shapes.slice(1)) {
      if (s.length !== rank) throw new RuleError('Concatenate inputs differ in rank');
      res[ax] = dimAdd(res[ax], s[ax]);
    }
    return [out(inputs[0].dtype, res)];
  },
  cost: () => ZERO,
};

/** Dot(axes): batched dot product of two inputs; MACs = out elements * contracted size. */
export const dot: LayerRule = {
  shape(cfg, inputs) {
    if (inputs.length !== 2) throw new RuleError('Dot takes two inputs');
    const [a, b] = inputs.map((t) => shapeOf(t));
    const [ax, bx] = dotAxes(cfg, a.length, b.length);
    const ra = a.filter((_, i) => i !== 0 && i !== ax);
    const rb = b.filter((_, i) => i !== 0 && i !== bx);
    const res = [a[0], ...ra, ...rb];
    return [out(inputs[0].dtype, res.length === 1 ? [a[0], 1] : res)];
  },
  cost(cfg, inputs, outputs) {
    const [a, b] = inputs.map((t) => shapeOf(t));
    const [ax] = dotAxes(cfg, a.length, b.length);
    const macs = dimMul(elems(shapeOf(outputs[0])), a[ax]);
    return { macs, flops: dimMul(macs, 2) };
  },
};

function dotAxes(cfg: Record<string, unknown>, ra: number, rb: number): [number, number] {
  const v = cfg.axes;
  const pair = Array.isArray(v) ? v.map(Number) : [Number(v ?? -1), Number(v ?? -1)];
  return [normAxis(pair[0], ra), normAxis(pair[1], rb)];
}

export function sameShapes(a: Dim[], b: Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => dimEq(d, b[i]));
}
