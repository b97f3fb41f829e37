import { dimAdd, dimDiv, dimMul, dimProduct, dimSub, unknownDim } from '../../ir/dim';
import { attrInts } from '../../ir/graph';
import { RuleError, type OpRule, type RuleContext, type RuleTable } from '../types';
import { GRID_SAMPLE_FLOPS } from './costConventions';
import { has, input, normAxis, numel, zeroCost } from './util';

/** Ops of opsets 18-20 on images and grids. */

/**
 * Col2Im (opset 18): input [N, C·prod(block), L], image_shape and block_shape inputs -> [N, C, *image_shape].
 * Overlapping blocks are summed: one add per input element.
 */
const col2Im: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const img = ctx.values[1]?.values;
    const block = ctx.values[2]?.values;
    const k = img?.length ?? ctx.inputs[1]?.shape?.[0];
    if (typeof k !== 'number') return { outputs: [{ dtype: x.dtype }] };
    const c = block ? dimDiv(x.shape[1], dimProduct(block)) : unknownDim();
    return { outputs: [{ dtype: x.dtype, shape: [x.shape[0], c, ...(img ?? Array.from({ length: k }, () => unknownDim()))] }] };
  },
  cost: (ctx) => ({ macs: 0, flops: numel(input(ctx, 0).shape) }),
};

/** CenterCropPad (opset 18): the listed axes (all by default) take the shape input's sizes. */
const centerCropPad: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const r = x.shape.length;
    const axes = (attrInts(ctx.node, 'axes') ?? Array.from({ length: r }, (_, i) => i)).map((a) => normAxis(a, r));
    const sizes = ctx.values[1]?.values;
    return { outputs: [{ dtype: x.dtype, shape: x.shape.map((d, i) => (axes.includes(i) ? sizes?.[axes.indexOf(i)] ?? unknownDim() : d)) }] };
  },
  cost: zeroCost,
};

/**
 * DeformConv (opset 19): Conv whose sampling points move by learned offsets: output as Conv; MACs as
 * Conv, plus bilinear sampling of every input tap (GRID_SAMPLE_FLOPS per sampled value).
 */
function deformDims(ctx: RuleContext) {
  const x = input(ctx, 0);
  const w = input(ctx, 1);
  const sp = x.shape.length - 2;
  if (sp < 1 || w.shape.length !== x.shape.length) throw new RuleError('DeformConv expects X and W of the same rank');
  const k = attrInts(ctx.node, 'kernel_shape') ?? (w.shape.slice(2) as number[]);
  const strides = attrInts(ctx.node, 'strides') ?? new Array(sp).fill(1);
  const dil = attrInts(ctx.node, 'dilations') ?? new Array(sp).fill(1);
  const pads = attrInts(ctx.node, 'pads') ?? new Array(2 * sp).fill(0);
  const spatial = x.shape.slice(2).map((d, i) => dimAdd(dimDiv(dimSub(dimAdd(d, pads[i] + pads[i + sp]), (k[i] - 1) * dil[i] + 1), strides[i], 'floor'), 1));
  return { x, w, shape: [x.shape[0], w.shape[0], ...spatial] };
}

const deformConv: OpRule = {
  shape: (ctx) => {
    const { x, shape } = deformDims(ctx);
    return { outputs: [{ dtype: x.dtype, shape }] };
  },
  cost: (ctx, outs) => {
    const { w } = deformDims(ctx);
    const out = numel(outs[0].shape!);
    const macs = dimMul(out, dimProduct(w.shape.slice(1)));
    const taps = dimMul(out, dimProduct(w.shape.slice(1)));
    return { macs, flops: dimAdd(dimAdd(dimMul(2, macs), dimMul(GRID_SAMPLE_FLOPS, taps)), has(ctx, 3) ? out : 0) };
  },
};

/** AffineGrid (opset 20): theta [N, 2|3, 3|4] and size [N, C, H, W(, D)] -> grid [N, H, W(, D), 2|3]. */
const affineGrid: OpRule = {
  shape: (ctx) => {
    const theta = input(ctx, 0);
    const size = ctx.values[1]?.values;
    const n = ctx.inputs[1]?.shape?.[0];
    const spatial = size ? size.slice(2) : typeof n === 'number' ? Array.from({ length: n - 2 }, () => unknownDim()) : undefined;
    if (!spatial) return { outputs: [{ dtype: theta.dtype }] };
    return { outputs: [{ dtype: theta.dtype, shape: [theta.shape[0], ...spatial, spatial.length] }] };
  },
  // Each grid point is a small matrix-vector product: dims x (dims + 1) multiply-adds.
  cost: (_ctx, outs) => {
    const s = outs[0].shape!;
    const d = s[s.length - 1] as number;
    const macs = dimMul(numel(s.slice(0, -1)), d * (d + 1));
    return { macs: 0, flops: dimMul(2, macs) };
  },
};

/** ImageDecoder (opset 20): encoded bytes -> [H, W, C] uint8; H and W are in the data. */
const imageDecoder: OpRule = {
  shape: (ctx) => {
    const fmt = ctx.node.attrs.pixel_format;
    const c = fmt?.kind === 'string' && fmt.value === 'Grayscale' ? 1 : 3;
    return { outputs: [{ dtype: 'uint8', shape: [unknownDim(), unknownDim(), c] }] };
  },
  cost: (_ctx, outs) => ({ macs: 0, flops: numel(outs[0].shape!) }),
};

export const IMAGE_RULES: RuleTable = {
  Col2Im: col2Im,
  CenterCropPad: centerCropPad,
  DeformConv: deformConv,
  AffineGrid: affineGrid,
  ImageDecoder: imageDecoder,
};

