import { dimAdd, dimDiv, dimMul, dimProduct, dimSub, unknownDim, type Dim } from '../../ir/dim';
import { attrInt, attrInts, attrString, type Node } from '../../ir/graph';
import { RuleError, type CostResult, type OpRule, type RuleContext, type RuleTable } from '../types';
import { has, input, numel, perElement, type Shaped } from './util';

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  autoPad: string;
  ceil: boolean;
}

function windowAttrs(node: Node, spatial: number, kernel: number[] | undefined): Window {
  const k = attrInts(node, 'kernel_shape') ?? kernel;
  if (!k || k.length !== spatial) throw new RuleError(`kernel_shape is missing or does not match ${spatial} spatial dims`);
  const pads = attrInts(node, 'pads') ?? new Array(2 * spatial).fill(0);
  return {
    kernel: k,
    strides: attrInts(node, 'strides') ?? new Array(spatial).fill(1),
    dilations: attrInts(node, 'dilations') ?? new Array(spatial).fill(1),
    padsBegin: pads.slice(0, spatial),
    padsEnd: pads.slice(spatial, 2 * spatial),
    autoPad: attrString(node, 'auto_pad', 'NOTSET'),
    ceil: attrInt(node, 'ceil_mode', 0) === 1,
  };
}

/** Output length of a sliding window (Conv, pooling): ONNX auto_pad and ceil_mode semantics. */
export function windowLen(inp: Dim, w: Window, i: number): Dim {
  const eff = (w.kernel[i] - 1) * w.dilations[i] + 1;
  const s = w.strides[i];
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return dimDiv(inp, s, 'ceil');
  const pb = w.autoPad === 'VALID' ? 0 : w.padsBegin[i];
  const pe = w.autoPad === 'VALID' ? 0 : w.padsEnd[i];
  if (typeof inp === 'number') {
    const span = inp + pb + pe - eff;
    let o = (w.ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    // The last window must start inside the input or its left padding (PyTorch / onnxruntime).
    if (w.ceil && (o - 1) * s >= inp + pb) o -= 1;
    return o;
  }
  return dimAdd(dimDiv(dimAdd(inp, pb + pe - eff), s, w.ceil ? 'ceil' : 'floor'), 1);
}

/** Positions of X, W and B among a conv-like node's inputs (QLinearConv interleaves scales). */
interface ConvSlots {
  x: number;
  w: number;
  b: number;
}

/** W is [C_out, C_in/group, k...] (transposed: [C_in, C_out/group, k...]): same rank as X. */
function checkWeightRank(w: readonly Dim[], rank: number): void {
  if (w.length !== rank) throw new RuleError(`weight has rank ${w.length}, the input has rank ${rank}`);
}

function convRule(slots: ConvSlots, outDtype: (ctx: RuleContext) => Shaped['dtype']): OpRule {
  return {
    shape: (ctx) => {
      const x = input(ctx, slots.x);
      const w = input(ctx, slots.w);
      const sp = x.shape.length - 2;
      if (sp < 1) throw new RuleError(`Conv input has rank ${x.shape.length}`);
      checkWeightRank(w.shape, x.shape.length);
      const win = windowAttrs(ctx.node, sp, w.shape.slice(2).every((d) => typeof d === 'number') ? (w.shape.slice(2) as number[]) : undefined);
      const shape = [x.shape[0], w.shape[0], ...x.shape.slice(2).map((d, i) => windowLen(d, win, i))];
      return { outputs: [{ dtype: outDtype(ctx), shape }] };
    },
    cost: (ctx, outs) => {
      const w = input(ctx, slots.w);
      const out = numel(outs[0].shape!);
      const macs = dimMul(out, dimProduct(w.shape.slice(1)));
      const bias = has(ctx, slots.b) ? out : 0;
      return { macs, flops: dimAdd(dimMul(2, macs), bias) };
    },
  };
}

const convTranspose: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const w = input(ctx, 1);
    const sp = x.shape.length - 2;
    if (sp < 1) throw new RuleError(`ConvTranspose input has rank ${x.shape.length}`);
    checkWeightRank(w.shape, x.shape.length);
    const group = attrInt(ctx.node, 'group', 1);
    const k = w.shape.slice(2);
    const win = windowAttrs(ctx.node, sp, k.every((d) => typeof d === 'number') ? (k as number[]) : undefined);
    const outPad = attrInts(ctx.node, 'output_padding') ?? new Array(sp).fill(0);
    const explicit = attrInts(ctx.node, 'output_shape');
    const spatial = x.shape.slice(2).map((d, i): Dim => {
      if (explicit) return explicit[explicit.length - sp + i];
      const s = win.strides[i];
      if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return dimMul(d, s);
      const eff = (win.kernel[i] - 1) * win.dilations[i] + 1;
      const pads = win.autoPad === 'VALID' ? 0 : win.padsBegin[i] + win.padsEnd[i];
      return dimAdd(dimMul(dimSub(d, 1), s), outPad[i] + eff - pads);
    });
    return { outputs: [{ dtype: x.dtype, shape: [x.shape[0], dimMul(w.shape[1], group), ...spatial] }] };
  },
  cost: (ctx, outs) => {
    const x = input(ctx, 0);
    const w = input(ctx, 1);
    // Every input element is multiplied by one (C_out/group) x kernel slice of W.
    const macs = dimMul(numel(x.shape), dimProduct(w.shape.slice(1)));
    const bias = has(ctx, 2) ? numel(outs[0].shape!) : 0;
    return { macs, flops: dimAdd(dimMul(2, macs), bias) };
  },
};

function poolRule(withIndices: boolean): OpRule {
  return {
    shape: (ctx) => {
      const x = input(ctx, 0);
      const sp = x.shape.length - 2;
      const win = windowAttrs(ctx.node, sp, undefined);
      const shape = [x.shape[0], x.shape[1], ...x.shape.slice(2).map((d, i) => windowLen(d, win, i))];
      const outputs = [{ dtype: x.dtype, shape }];
      if (withIndices) outputs.push({ dtype: 'int64', shape });
      return { outputs };
    },
    cost: (ctx, outs): CostResult => {
      const k = attrInts(ctx.node, 'kernel_shape') ?? [];
      return perElement(outs, k.reduce((a, b) => a * b, 1));
    },
  };
}

const globalPool: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    return { outputs: [{ dtype: x.dtype, shape: [...x.shape.slice(0, 2), ...x.shape.slice(2).map(() => 1)] }] };
  },
  cost: (ctx) => ({ macs: 0, flops: numel(input(ctx, 0).shape) }),
};

const maxRoiPool: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const rois = input(ctx, 1);
    const ps = attrInts(ctx.node, 'pooled_shape') ?? [];
    return { outputs: [{ dtype: x.dtype, shape: [rois.shape[0], x.shape[1], ...ps] }] };
  },
  cost: (_ctx, outs) => perElement(outs, 1),
};

/**
 * MaxUnpool (opset 9/11): the inverse of MaxPool; output_shape (input 2) when given, else each spatial
 * dim is (in - 1)·stride + kernel - pads. A scatter: one operation per input element.
 */
const maxUnpool: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const sp = x.shape.length - 2;
    if (sp < 1) throw new RuleError(`MaxUnpool input has rank ${x.shape.length}`);
    if (has(ctx, 2)) {
      const v = ctx.values[2];
      const shape = v && v.values.length === x.shape.length ? v.values : x.shape.map(() => unknownDim());
      return { outputs: [{ dtype: x.dtype, shape }] };
    }
    const w = windowAttrs(ctx.node, sp, undefined);
    const spatial = x.shape.slice(2).map((d, i) => dimAdd(dimMul(dimSub(d, 1), w.strides[i]), w.kernel[i] - w.padsBegin[i] - w.padsEnd[i]));
    return { outputs: [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...spatial] }] };
  },
  cost: (ctx) => ({ macs: 0, flops: numel(input(ctx, 0).shape) }),
};

export const CONV_RULES: RuleTable = {
  MaxUnpool: maxUnpool,
  Conv: convRule({ x: 0, w: 1, b: 2 }, (ctx) => input(ctx, 0).dtype),
  ConvInteger: convRule({ x: 0, w: 1, b: -1 }, () => 'int32'),
  QLinearConv: convRule({ x: 0, w: 3, b: 8 }, (ctx) => ctx.inputs[7]?.dtype ?? 'uint8'),
  ConvTranspose: convTranspose,
  MaxPool: poolRule(true),
  AveragePool: poolRule(false),
  LpPool: poolRule(false),
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  MaxRoiPool: maxRoiPool,
};
