import { dimAdd, dimDiv, dimMul, dimProduct, dimSub, unknownDim, type Dim } from '../../ir/dim';
import type { DType } from '../../ir/dtype';
import { attrInt, attrInts, type Node } from '../../ir/graph';
import { RuleError, type ConstValue, type OpRule, type RuleContext, type RuleTable } from '../types';
import { dtypeFromOnnxCode } from './dtypeCodes';
import {
  broadcast, cv, has, input, mapValues, movement, normAxis, numel, propagatable, requireDims, requireInts, staticInts, staticShape, strides, unravel, zeroCost,
} from './util';
import { pushAll } from '../../arrays';

/** Slice ends like INT64_MAX mean "to the end". */
const HUGE = 2 ** 31;

/** An int list given as an attribute before `opset` and as input `i` from it. */
function intsArg(ctx: RuleContext, attr: string, i: number, sinceOpset: number): number[] | undefined {
  if (ctx.opset < sinceOpset) return attrInts(ctx.node, attr);
  if (!has(ctx, i)) return undefined;
  return requireInts(ctx, i, attr);
}

/** Input `i` is given but its value is not known at analysis time. */
function unknownValue(ctx: RuleContext, i: number): boolean {
  return has(ctx, i) && !ctx.values[i];
}

/** Length of a 1-D input whose values are unknown, when its shape says it. */
function knownLength(ctx: RuleContext, i: number): number | undefined {
  const s = ctx.inputs[i]?.shape;
  if (!s) return undefined;
  if (s.length === 0) return 1;
  return typeof s[0] === 'number' ? s[0] : undefined;
}

const unknownDims = (n: number): Dim[] => Array.from({ length: n }, () => unknownDim());

function withDims(v: ConstValue | undefined, dims: readonly Dim[]): ConstValue | undefined {
  const s = staticShape(dims);
  return v && s ? { dtype: v.dtype, dims: s, values: v.values } : undefined;
}

const constant: OpRule = {
  shape: (ctx) => {
    const a = ctx.node.attrs;
    const scalar = (dtype: DType, values: number[], dims: number[]) => ({ outputs: [{ dtype, shape: dims }], values: [cv(dtype, dims, values)] });
    if (a.value?.kind === 'tensor') {
      const t = a.value.value;
      return { outputs: [{ dtype: t.dtype, shape: [...t.dims] }], values: [ctx.readTensor?.(t)] };
    }
    if (a.value_float?.kind === 'float') return scalar('float32', [a.value_float.value], []);
    if (a.value_floats?.kind === 'floats') return scalar('float32', a.value_floats.value, [a.value_floats.value.length]);
    if (a.value_int?.kind === 'int') return scalar('int64', [a.value_int.value], []);
    if (a.value_ints?.kind === 'ints') return scalar('int64', a.value_ints.value, [a.value_ints.value.length]);
    if (a.value_string) return { outputs: [{ dtype: 'string', shape: [] }] };
    if (a.value_strings?.kind === 'strings') return { outputs: [{ dtype: 'string', shape: [a.value_strings.value.length] }] };
    throw new RuleError('Constant without a supported value attribute (sparse constants are not supported)');
  },
  cost: zeroCost,
};

const shapeOp = movement((ctx) => {
  const x = input(ctx, 0);
  const r = x.shape.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = clamp(attrInt(ctx.node, 'start', 0));
  const end = clamp(attrInt(ctx.node, 'end', r));
  const dims = x.shape.slice(start, Math.max(start, end));
  return { outputs: [{ dtype: 'int64', shape: [dims.length] }], values: [cv('int64', [dims.length], dims)] };
});

const size = movement((ctx) => {
  const x = input(ctx, 0);
  return { outputs: [{ dtype: 'int64', shape: [] }], values: [cv('int64', [], [numel(x.shape)])] };
});

/** The readers' rank limit (onnx/limits.ts maxRank): no rule makes a tensor of a higher rank. */
const MAX_OUTPUT_RANK = 64;

const reshape = movement((ctx) => {
  const x = input(ctx, 0);
  const allowzero = attrInt(ctx.node, 'allowzero', 0) === 1;
  // Reshape-1 (opset < 5) carries the target as an attribute.
  const attrShape = ctx.opset < 5 ? attrInts(ctx.node, 'shape') : undefined;
  const v = attrShape ? cv('int64', [attrShape.length], attrShape) : ctx.values[1];
  if (!v) {
    const s = input(ctx, 1).shape[0];
    if (typeof s !== 'number') throw new RuleError(`the target shape of Reshape is not known at analysis time`);
    // The output's rank is a count from the file: checked before `s` dims are allocated (10^8 took 3.5 GiB).
    if (s > MAX_OUTPUT_RANK) throw new RuleError(`the target shape of Reshape has ${s} elements: an output rank above ${MAX_OUTPUT_RANK}`);
    return { outputs: [{ dtype: x.dtype, shape: Array.from({ length: s }, () => unknownDim()) }] };
  }
  const out = v.values.map((d, i) => (d === 0 && !allowzero ? x.shape[i] : d));
  const k = out.indexOf(-1);
  if (k >= 0) {
    const known = dimProduct(out.filter((_, i) => i !== k));
    out[k] = dimDiv(numel(x.shape), known);
  }
  return { outputs: [{ dtype: x.dtype, shape: out }], values: [withDims(ctx.values[0], out)] };
});

const flatten = movement((ctx) => {
  const x = input(ctx, 0);
  const r = x.shape.length;
  const axis = attrInt(ctx.node, 'axis', 1);
  const a = axis < 0 ? axis + r : axis;
  const shape = [dimProduct(x.shape.slice(0, a)), dimProduct(x.shape.slice(a))];
  return { outputs: [{ dtype: x.dtype, shape }], values: [withDims(ctx.values[0], shape)] };
});

const squeeze = movement((ctx) => {
  const x = input(ctx, 0);
  const r = x.shape.length;
  if (ctx.opset >= 13 && unknownValue(ctx, 1)) {
    // Unknown axes: k of them, each naming a dim of 1. When exactly k dims are 1 and none is symbolic, those are they.
    const k = knownLength(ctx, 1);
    if (k === undefined) return { outputs: [{ dtype: x.dtype }] };
    const ones = x.shape.filter((d) => d === 1).length;
    const shape = ones === k && x.shape.every((d) => typeof d === 'number') ? x.shape.filter((d) => d !== 1) : unknownDims(r - k);
    return { outputs: [{ dtype: x.dtype, shape }] };
  }
  const axes = intsArg(ctx, 'axes', 1, 13);
  const drop = new Set(axes ? axes.map((a) => normAxis(a, r)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  const shape = x.shape.filter((_, i) => !drop.has(i));
  return { outputs: [{ dtype: x.dtype, shape }], values: [withDims(ctx.values[0], shape)] };
});

const unsqueeze = movement((ctx) => {
  const x = input(ctx, 0);
  if (ctx.opset >= 13 && unknownValue(ctx, 1)) {
    const k = knownLength(ctx, 1);
    // Where the new 1s go is unknown, so is every position; only the rank is known.
    return { outputs: [k === undefined ? { dtype: x.dtype } : { dtype: x.dtype, shape: x.shape.length === 0 ? new Array(k).fill(1) : unknownDims(x.shape.length + k) }] };
  }
  const axes = intsArg(ctx, 'axes', 1, 13);
  if (!axes) throw new RuleError('Unsqueeze without axes');
  const r = x.shape.length + axes.length;
  const ins = new Set(axes.map((a) => normAxis(a, r)));
  const shape: Dim[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) shape.push(ins.has(i) ? 1 : x.shape[k++]);
  return { outputs: [{ dtype: x.dtype, shape }], values: [withDims(ctx.values[0], shape)] };
});

const transpose = movement((ctx) => {
  const x = input(ctx, 0);
  const r = x.shape.length;
  const perm = attrInts(ctx.node, 'perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  if (perm.length !== r) throw new RuleError(`perm has ${perm.length} entries for rank ${r}`);
  const shape = perm.map((p) => x.shape[normAxis(p, r)]);
  const v = ctx.values[0];
  let value: ConstValue | undefined;
  if (v && propagatable(shape)) {
    const outS = shape as number[];
    const inStr = strides(v.dims);
    value = cv(v.dtype, outS, Array.from({ length: outS.reduce((a, b) => a * b, 1) }, (_, i) => {
      const idx = unravel(i, outS);
      return v.values[idx.reduce((acc, o, k) => acc + o * inStr[perm[k]], 0)];
    }));
  }
  return { outputs: [{ dtype: x.dtype, shape }], values: [value] };
});

const concat = movement((ctx) => {
  const ins = ctx.node.inputs.map((_, i) => input(ctx, i));
  const r = ins[0].shape.length;
  const axis = normAxis(attrInt(ctx.node, 'axis', ctx.opset < 4 ? 1 : 0), r);
  const shape = [...ins[0].shape];
  shape[axis] = ins.reduce((acc: Dim, t) => dimAdd(acc, t.shape[axis]), 0);
  let value: ConstValue | undefined;
  const vs = ctx.values;
  if (propagatable(shape) && ins.every((_, i) => vs[i])) {
    const out = shape as number[];
    const outer = out.slice(0, axis).reduce((a, b) => a * b, 1);
    const values: Dim[] = [];
    for (let o = 0; o < outer; o++) {
      for (const v of vs as ConstValue[]) {
        const chunk = v.dims.slice(axis).reduce((a, b) => a * b, 1);
        pushAll(values, v.values.slice(o * chunk, (o + 1) * chunk));
      }
    }
    value = cv(ins[0].dtype, out, values);
  }
  return { outputs: [{ dtype: ins[0].dtype, shape }], values: [value] };
});

const split = movement((ctx) => {
  const x = input(ctx, 0);
  const r = x.shape.length;
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), r);
  const n = ctx.node.outputs.length;
  if (ctx.opset >= 13 && unknownValue(ctx, 1)) return { outputs: Array.from({ length: n }, () => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? unknownDim() : d)) })) };
  let sizes: Dim[] | undefined = intsArg(ctx, 'split', 1, 13);
  if (!sizes) {
    const d = x.shape[axis];
    const parts = attrInt(ctx.node, 'num_outputs', n);
    // A count from the file is checked before anything is allocated from it (num_outputs = 10^8).
    if (parts !== n) throw new RuleError(`Split: num_outputs is ${parts}, the node has ${n} outputs`);
    if (typeof d === 'number') {
      const chunk = Math.ceil(d / parts);
      sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, d - i * chunk)));
    } else sizes = Array.from({ length: parts }, () => dimDiv(d, parts));
  }
  if (sizes.length !== n) throw new RuleError(`Split: ${sizes.length} split sizes for ${n} outputs`);
  const v = ctx.values[0];
  let offset = 0;
  const outputs = sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? s : d)) }));
  const values = sizes.map((s) => {
    if (!v || r !== 1 || typeof s !== 'number') return undefined;
    const part = cv(v.dtype, [s], v.values.slice(offset, offset + s));
    offset += s;
    return part;
  });
  return { outputs, values };
});

interface SliceAxis {
  axis: number;
  start: Dim;
  end: Dim;
  step: number;
}

/** Output length of one sliced axis; symbolic bounds are assumed to lie within the axis. */
function sliceLen(d: Dim, s: Dim, e: Dim, step: number): { len: Dim; start?: number } {
  if (typeof d === 'number' && typeof s === 'number' && typeof e === 'number') {
    const clampS = (v: number) => (v < 0 ? Math.max(v + d, step > 0 ? 0 : -1) : Math.min(v, step > 0 ? d : d - 1));
    const st = clampS(s);
    const en = clampS(e);
    const len = step > 0 ? Math.max(0, Math.ceil((en - st) / step)) : Math.max(0, Math.ceil((st - en) / -step));
    return { len, start: st };
  }
  const norm = (v: Dim): Dim => (typeof v === 'number' ? (v >= HUGE ? d : v <= -HUGE ? 0 : v < 0 ? dimAdd(d, v) : v) : v);
  const st = norm(s);
  const en = norm(e);
  if (step === 1) return { len: dimSub(en, st) };
  if (step > 0) return { len: dimDiv(dimSub(en, st), step, 'ceil') };
  return { len: dimDiv(dimSub(st, en), -step, 'ceil') };
}

const slice = movement((ctx) => {
  const x = input(ctx, 0);
  const r = x.shape.length;
  let starts: Dim[];
  let ends: Dim[];
  let axes: number[];
  let steps: number[];
  if (ctx.opset < 10) {
    starts = attrInts(ctx.node, 'starts') ?? [];
    ends = attrInts(ctx.node, 'ends') ?? [];
    axes = attrInts(ctx.node, 'axes') ?? starts.map((_, i) => i);
    steps = starts.map(() => 1);
  } else {
    // Unknown bounds or steps: the sliced axes (all of them when the axes are unknown too) become unknown.
    if (unknownValue(ctx, 3)) return { outputs: [{ dtype: x.dtype, shape: unknownDims(r) }] };
    if (unknownValue(ctx, 1) || unknownValue(ctx, 2) || unknownValue(ctx, 4)) {
      const sliced = has(ctx, 3) ? requireInts(ctx, 3, 'axes').map((a) => normAxis(a, r)) : undefined;
      const k = sliced ? undefined : knownLength(ctx, ctx.values[1] ? 1 : 2);
      const cut = (i: number) => (sliced ? sliced.includes(i) : k === undefined || i < k);
      return { outputs: [{ dtype: x.dtype, shape: x.shape.map((d, i) => (cut(i) ? unknownDim() : d)) }] };
    }
    starts = requireDims(ctx, 1, 'starts');
    ends = requireDims(ctx, 2, 'ends');
    axes = has(ctx, 3) ? requireInts(ctx, 3, 'axes') : starts.map((_, i) => i);
    steps = has(ctx, 4) ? requireInts(ctx, 4, 'steps') : starts.map(() => 1);
  }
  const spec: SliceAxis[] = axes.map((a, i) => ({ axis: normAxis(a, r), start: starts[i], end: ends[i], step: steps[i] }));
  const shape = [...x.shape];
  const startAt: number[] = new Array(r).fill(0);
  const stepAt: number[] = new Array(r).fill(1);
  let numeric = true;
  for (const s of spec) {
    if (s.step === 0) throw new RuleError('Slice step 0');
    const { len, start } = sliceLen(x.shape[s.axis], s.start, s.end, s.step);
    shape[s.axis] = len;
    if (start === undefined) numeric = false;
    else startAt[s.axis] = start;
    stepAt[s.axis] = s.step;
  }
  const v = ctx.values[0];
  let value: ConstValue | undefined;
  if (v && numeric && propagatable(shape)) {
    const out = shape as number[];
    const inStr = strides(v.dims);
    value = cv(v.dtype, out, Array.from({ length: out.reduce((a, b) => a * b, 1) }, (_, i) => {
      const idx = unravel(i, out);
      return v.values[idx.reduce((acc, o, k) => acc + (startAt[k] + o * stepAt[k]) * inStr[k], 0)];
    }));
  }
  return { outputs: [{ dtype: x.dtype, shape }], values: [value] };
});

const gather = movement((ctx) => {
  const data = input(ctx, 0);
  const idx = input(ctx, 1);
  const r = data.shape.length;
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), r);
  const shape = [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)];
  const dv = ctx.values[0];
  const iv = staticInts(ctx.values[1]);
  // Out-of-range indices are an error in ONNX; propagating them would put undefined dims in shapes.
  const size = data.shape[axis];
  const bad = typeof size === 'number' ? iv?.find((j) => j < -size || j >= size) : undefined;
  if (bad !== undefined) throw new RuleError(`Gather index ${bad} is out of range for axis ${axis} of size ${size}`);
  let value: ConstValue | undefined;
  if (dv && iv && propagatable(shape) && dv.dims.length === r && dv.dims.every((d, k) => d === data.shape[k])) {
    const out = shape as number[];
    const dStr = strides(dv.dims);
    const q = idx.shape.length;
    const ax = dv.dims[axis];
    value = cv(dv.dtype, out, Array.from({ length: out.reduce((a, b) => a * b, 1) }, (_, i) => {
      const o = unravel(i, out);
      const iIdx = o.slice(axis, axis + q);
      let j = iv[iIdx.reduce((acc, v, k) => acc * (idx.shape[k] as number) + v, 0)];
      if (j < 0) j += ax;
      const src = [...o.slice(0, axis), j, ...o.slice(axis + q)];
      return dv.values[src.reduce((acc, v, k) => acc + v * dStr[k], 0)];
    }));
  }
  return { outputs: [{ dtype: data.dtype, shape }], values: [value] };
});

const gatherElements = movement((ctx) => {
  const data = input(ctx, 0);
  return { outputs: [{ dtype: data.dtype, shape: input(ctx, 1).shape }] };
});

const gatherND = movement((ctx) => {
  const data = input(ctx, 0);
  const idx = input(ctx, 1);
  const b = attrInt(ctx.node, 'batch_dims', 0);
  const last = idx.shape[idx.shape.length - 1];
  if (typeof last !== 'number') throw new RuleError('GatherND index depth is not static');
  return { outputs: [{ dtype: data.dtype, shape: [...idx.shape.slice(0, -1), ...data.shape.slice(b + last)] }] };
});

const likeData = movement((ctx) => {
  const x = input(ctx, 0);
  return { outputs: [{ dtype: x.dtype, shape: x.shape }] };
});

const expand = movement((ctx) => {
  const x = input(ctx, 0);
  if (unknownValue(ctx, 1)) {
    // Broadcast against an unknown shape: a dim of X other than 1 survives; the rest is unknown.
    const k = knownLength(ctx, 1);
    if (k === undefined) return { outputs: [{ dtype: x.dtype }] };
    const r = Math.max(k, x.shape.length);
    return { outputs: [{ dtype: x.dtype, shape: Array.from({ length: r }, (_, i) => {
      const d = x.shape[i - (r - x.shape.length)];
      return typeof d === 'number' && d !== 1 ? d : unknownDim();
    }) }] };
  }
  const target = requireDims(ctx, 1, 'shape');
  const shape = broadcast([x.shape, target]);
  const v = ctx.values[0];
  const value = v && propagatable(shape) ? mapValues([v], shape as number[], v.dtype, ([a]) => a) : undefined;
  return { outputs: [{ dtype: x.dtype, shape }], values: [value] };
});

const tile = movement((ctx) => {
  const x = input(ctx, 0);
  if (unknownValue(ctx, 1)) return { outputs: [{ dtype: x.dtype, shape: x.shape.map((d) => (d === 0 ? 0 : unknownDim())) }] };
  const reps = requireDims(ctx, 1, 'repeats');
  return { outputs: [{ dtype: x.dtype, shape: x.shape.map((d, i) => dimMul(d, reps[i] ?? 1)) }] };
});

const pad = movement((ctx) => {
  const x = input(ctx, 0);
  const r = x.shape.length;
  if (ctx.opset >= 18 && unknownValue(ctx, 3)) return { outputs: [{ dtype: x.dtype, shape: unknownDims(r) }] };
  const axes = ctx.opset >= 18 && has(ctx, 3) ? requireInts(ctx, 3, 'axes').map((a) => normAxis(a, r)) : Array.from({ length: r }, (_, i) => i);
  // Unknown pads: every padded axis is unknown, the others stay.
  if (ctx.opset >= 11 && unknownValue(ctx, 1)) return { outputs: [{ dtype: x.dtype, shape: x.shape.map((d, i) => (axes.includes(i) ? unknownDim() : d)) }] };
  const pads: Dim[] = ctx.opset < 11 ? attrInts(ctx.node, 'pads') ?? [] : requireDims(ctx, 1, 'pads');
  const shape = [...x.shape];
  axes.forEach((a, i) => (shape[a] = dimAdd(dimAdd(shape[a], pads[i] ?? 0), pads[i + axes.length] ?? 0)));
  return { outputs: [{ dtype: x.dtype, shape }] };
});

const constantOfShape = movement((ctx) => {
  const a = ctx.node.attrs.value;
  const t = a?.kind === 'tensor' ? a.value : undefined;
  const dtype: DType = t?.dtype ?? 'float32';
  if (unknownValue(ctx, 0)) {
    const k = ctx.inputs[0]?.shape?.[0];
    return { outputs: [typeof k === 'number' ? { dtype, shape: unknownDims(k) } : { dtype }] };
  }
  const shape = requireDims(ctx, 0, 'shape');
  const fill = t ? ctx.readTensor?.(t)?.values[0] : 0;
  const value = fill !== undefined && propagatable(shape) ? cv(dtype, shape as number[], new Array((shape as number[]).reduce((x, y) => x * y, 1)).fill(fill)) : undefined;
  return { outputs: [{ dtype, shape }], values: [value] };
});

const range = movement((ctx) => {
  const dtype = input(ctx, 0).dtype;
  // Unknown bounds: a 1-D tensor of unknown length.
  if ([0, 1, 2].some((i) => !ctx.values[i] || ctx.values[i]!.values.length !== 1)) return { outputs: [{ dtype, shape: [unknownDim()] }] };
  const scalar = (i: number): Dim => ctx.values[i]!.values[0];
  const [start, limit, delta] = [scalar(0), scalar(1), scalar(2)];
  let n: Dim;
  if (typeof start === 'number' && typeof limit === 'number' && typeof delta === 'number') n = Math.max(0, Math.ceil((limit - start) / delta));
  else if (delta === 1) n = dimSub(limit, start);
  else if (typeof delta === 'number' && delta > 0) n = dimDiv(dimSub(limit, start), delta, 'ceil');
  else n = unknownDim();
  const value = typeof n === 'number' && n <= 4096 ? cv(dtype, [n], Array.from({ length: n }, (_, i) => dimAdd(start, dimMul(i, delta)))) : undefined;
  return { outputs: [{ dtype, shape: [n] }], values: [value] };
});

const nonZero = movement((ctx) => {
  const x = input(ctx, 0);
  return { outputs: [{ dtype: 'int64', shape: [x.shape.length, unknownDim()] }] };
});

const eyeLike = movement((ctx) => {
  const x = input(ctx, 0);
  const dt = attrInt(ctx.node, 'dtype');
  return { outputs: [{ dtype: dt === undefined ? x.dtype : dtypeFromOnnxCode(dt), shape: x.shape }] };
});

const oneHot: OpRule = {
  shape: (ctx) => {
    const idx = input(ctx, 0);
    const dv = ctx.values[1]?.values.length === 1 ? ctx.values[1].values[0] : undefined;
    const depth = typeof dv === 'number' ? Math.trunc(dv) : dv ?? unknownDim();
    const r = idx.shape.length + 1;
    const axis = normAxis(attrInt(ctx.node, 'axis', -1), r);
    const shape = [...idx.shape];
    shape.splice(axis, 0, depth);
    return { outputs: [{ dtype: ctx.inputs[2]?.dtype ?? 'float32', shape }] };
  },
  cost: zeroCost,
};

function blockRule(toDepth: boolean): OpRule {
  return movement((ctx) => {
    const x = input(ctx, 0);
    const b = attrInt(ctx.node, 'blocksize', 1);
    const [n, c, h, w] = x.shape;
    const shape = toDepth ? [n, dimMul(c, b * b), dimDiv(h, b), dimDiv(w, b)] : [n, dimDiv(c, b * b), dimMul(h, b), dimMul(w, b)];
    return { outputs: [{ dtype: x.dtype, shape }] };
  });
}

/** Nodes whose attributes alone fix the output (e.g. RandomNormal). */
function fromShapeAttr(node: Node): Dim[] {
  const s = attrInts(node, 'shape');
  if (!s) throw new RuleError('no shape attribute');
  return s;
}

const randomFixed = movement((ctx) => ({ outputs: [{ dtype: dtypeFromOnnxCode(attrInt(ctx.node, 'dtype', 1)), shape: fromShapeAttr(ctx.node) }] }));
const randomLike = movement((ctx) => {
  const x = input(ctx, 0);
  const dt = attrInt(ctx.node, 'dtype');
  return { outputs: [{ dtype: dt === undefined ? x.dtype : dtypeFromOnnxCode(dt), shape: x.shape }] };
});

/** Outputs whose length depends on the data (selected boxes, kept elements): a fresh unknown dim. */
const nms = movement(() => ({ outputs: [{ dtype: 'int64', shape: [unknownDim(), 3] }] }));

const compress = movement((ctx) => {
  const x = input(ctx, 0);
  const axis = attrInt(ctx.node, 'axis');
  if (axis === undefined) return { outputs: [{ dtype: x.dtype, shape: [unknownDim()] }] };
  const a = normAxis(axis, x.shape.length);
  return { outputs: [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? unknownDim() : d)) }] };
});

const gridSample: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const grid = input(ctx, 1);
    return { outputs: [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...grid.shape.slice(1, -1)] }] };
  },
  // Bilinear by default: about 8 operations per output element.
  cost: (_ctx, outs) => ({ macs: 0, flops: dimMul(8, numel(outs[0].shape!)) }),
};

const roiAlign: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const rois = input(ctx, 1);
    return { outputs: [{ dtype: x.dtype, shape: [rois.shape[0], x.shape[1], attrInt(ctx.node, 'output_height', 1), attrInt(ctx.node, 'output_width', 1)] }] };
  },
  cost: (ctx, outs) => ({ macs: 0, flops: dimMul(8 * Math.max(1, attrInt(ctx.node, 'sampling_ratio', 1)) ** 2, numel(outs[0].shape!)) }),
};

const det: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    return { outputs: [{ dtype: x.dtype, shape: x.shape.slice(0, -2) }] };
  },
  cost: (ctx) => {
    const x = input(ctx, 0);
    const n = x.shape[x.shape.length - 1];
    // LU decomposition: about n^3/3 multiply-adds per matrix (FLOPs only: no weights involved).
    const perMatrix = typeof n === 'number' ? Math.ceil((n * n * n) / 3) : dimMul(dimMul(n, n), n);
    return { macs: 0, flops: dimMul(2, dimMul(numel(x.shape.slice(0, -2)), perMatrix)) };
  },
};

/** Multinomial (opset 7): [batch, classes] -> [batch, sample_size] of `dtype` (int32 by default). */
const multinomial: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    return { outputs: [{ dtype: dtypeFromOnnxCode(attrInt(ctx.node, 'dtype', 6)), shape: [x.shape[0], attrInt(ctx.node, 'sample_size', 1)] }] };
  },
  // Each sample draws once and searches the cumulative distribution: about `classes` operations.
  cost: (ctx, outs) => ({ macs: 0, flops: dimMul(numel(outs[0].shape!), input(ctx, 0).shape[1]) }),
};

export const SHAPE_RULES: RuleTable = {
  Multinomial: multinomial,
  // TensorScatter (opset 24): writes `update` into a copy of the cache at the given positions.
  TensorScatter: likeData,
  NonMaxSuppression: nms,
  Compress: compress,
  GridSample: gridSample,
  RoiAlign: roiAlign,
  Det: det,
  Constant: constant,
  Shape: shapeOp,
  Size: size,
  Reshape: reshape,
  Flatten: flatten,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  ScatterND: likeData,
  ScatterElements: likeData,
  Scatter: likeData,
  Trilu: likeData,
  ReverseSequence: likeData,
  Expand: expand,
  Tile: tile,
  Pad: pad,
  ConstantOfShape: constantOfShape,
  Range: range,
  NonZero: nonZero,
  EyeLike: eyeLike,
  OneHot: oneHot,
  DepthToSpace: blockRule(false),
  SpaceToDepth: blockRule(true),
  RandomNormal: randomFixed,
  RandomUniform: randomFixed,
  RandomNormalLike: randomLike,
  RandomUniformLike: randomLike,
  Bernoulli: randomLike,
};
