import { dimAdd, dimDiv, dimMul, dimSub, unknownDim, type Dim } from '../../ir/dim';
import { attrInt } from '../../ir/graph';
import { RuleError, type OpRule, type RuleContext, type RuleTable } from '../types';
import { FFT_FLOPS_PER_POINT_LOG2, WINDOW_FLOPS } from './costConventions';
import { dtypeFromOnnxCode } from './dtypeCodes';
import { has, input, normAxis, numel, perElement } from './util';

/** A scalar input's value, or undefined when it is not known at analysis time. */
function scalarAt(ctx: RuleContext, i: number): Dim | undefined {
  if (!has(ctx, i)) return undefined;
  const v = ctx.values[i];
  return v && v.values.length === 1 ? v.values[0] : undefined;
}

const half = (n: Dim): Dim => dimAdd(dimDiv(n, 2, 'floor'), 1);

/** FLOPs of radix-2 FFTs: 5·N·log2(N) per transform of length N (the usual count for complex FFTs). */
function fftFlops(n: Dim, transforms: Dim): Dim {
  if (typeof n !== 'number') throw new RuleError('FFT length is not known at analysis time');
  const perTransform = n <= 1 ? 0 : Math.ceil(FFT_FLOPS_PER_POINT_LOG2 * n * Math.log2(n));
  return dimMul(perTransform, transforms);
}

/**
 * DFT (opset 17; from 20 the axis is input 2): input [batch, ..., n, 1|2] (real or complex), optional
 * dft_length; output [..., m, 2] with m = dft_length (onesided: floor(m/2) + 1) along `axis`.
 */
function dftDims(ctx: RuleContext) {
  const x = input(ctx, 0);
  const r = x.shape.length;
  const axisIn = ctx.opset >= 20 && has(ctx, 2) ? scalarAt(ctx, 2) : attrInt(ctx.node, 'axis', ctx.opset >= 20 ? -2 : 1);
  if (axisIn !== undefined && typeof axisIn !== 'number') throw new RuleError('symbolic DFT axis');
  // The last axis holds the real/imaginary parts: the signal axis is one before it at most.
  const axis = axisIn === undefined ? undefined : normAxis(axisIn, r);
  if (axis === r - 1) throw new RuleError('DFT axis is the real/imaginary axis');
  const len = has(ctx, 1) ? scalarAt(ctx, 1) ?? unknownDim() : axis === undefined ? unknownDim() : x.shape[axis];
  const onesided = attrInt(ctx.node, 'onesided', 0) === 1;
  const shape = [...x.shape.slice(0, -1), 2];
  if (axis === undefined) return { x, shape: shape.map((d, i) => (i < r - 1 ? unknownDim() : d)), len, axis };
  shape[axis] = onesided ? half(len) : len;
  return { x, shape, len, axis };
}

const dft: OpRule = {
  shape: (ctx) => {
    const { x, shape } = dftDims(ctx);
    return { outputs: [{ dtype: x.dtype, shape }] };
  },
  cost: (ctx) => {
    const { x, len, axis } = dftDims(ctx);
    if (axis === undefined) throw new RuleError('DFT axis is not known at analysis time');
    return { macs: 0, flops: fftFlops(len, numel(x.shape.filter((_, i) => i !== axis && i !== x.shape.length - 1))) };
  },
};

/** STFT (opset 17): signal [batch, length, 1|2], frame_step, window?, frame_length? -> [batch, frames, bins, 2]. */
function stftDims(ctx: RuleContext) {
  const x = input(ctx, 0);
  if (x.shape.length !== 3) throw new RuleError(`STFT signal of rank ${x.shape.length}`);
  const step = scalarAt(ctx, 1);
  const win = has(ctx, 2) ? ctx.inputs[2]?.shape?.[0] : undefined;
  const frameLen = scalarAt(ctx, 3) ?? win;
  const frames = step !== undefined && frameLen !== undefined ? dimAdd(dimDiv(dimSub(x.shape[1], frameLen), step, 'floor'), 1) : unknownDim();
  const onesided = attrInt(ctx.node, 'onesided', 1) === 1;
  const bins = frameLen === undefined ? unknownDim() : onesided ? half(frameLen) : frameLen;
  return { x, frames, frameLen, shape: [x.shape[0], frames, bins, 2] };
}

const stft: OpRule = {
  shape: (ctx) => {
    const { x, shape } = stftDims(ctx);
    return { outputs: [{ dtype: x.dtype, shape }] };
  },
  cost: (ctx) => {
    const { x, frames, frameLen } = stftDims(ctx);
    if (frameLen === undefined) throw new RuleError('STFT frame length is not known at analysis time');
    // Windowing (one multiply per sample of each frame) plus one FFT per frame.
    const perFrames = dimMul(x.shape[0], frames);
    return { macs: 0, flops: dimAdd(fftFlops(frameLen, perFrames), dimMul(has(ctx, 2) ? frameLen : 0, perFrames)) };
  },
};

/** Blackman / Hamming / Hann windows (opset 17): a 1-D tensor of `size` values of output_datatype. */
const windowOp: OpRule = {
  shape: (ctx) => {
    const n = scalarAt(ctx, 0);
    return { outputs: [{ dtype: dtypeFromOnnxCode(attrInt(ctx.node, 'output_datatype', 1)), shape: [n ?? unknownDim()] }] };
  },
  cost: (_ctx, outs) => perElement(outs, WINDOW_FLOPS),
};

/** MelWeightMatrix (opset 17): [floor(dft_length/2) + 1, num_mel_bins]. */
const melWeightMatrix: OpRule = {
  shape: (ctx) => {
    const bins = scalarAt(ctx, 0);
    const dftLen = scalarAt(ctx, 1);
    return { outputs: [{ dtype: dtypeFromOnnxCode(attrInt(ctx.node, 'output_datatype', 1)), shape: [dftLen === undefined ? unknownDim() : half(dftLen), bins ?? unknownDim()] }] };
  },
  // Each weight is a triangle evaluation: a few operations per element.
  cost: (_ctx, outs) => perElement(outs, WINDOW_FLOPS),
};

export const SIGNAL_RULES: RuleTable = {
  DFT: dft,
  STFT: stft,
  BlackmanWindow: windowOp,
  HammingWindow: windowOp,
  HannWindow: windowOp,
  MelWeightMatrix: melWeightMatrix,
};
