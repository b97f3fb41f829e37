import { dimAdd, dimMul, type Dim } from '../../ir/dim';
import { attrInt } from '../../ir/graph';
import { RuleError, type OpRule, type RuleContext, type RuleTable } from '../types';
import { channelsLast, onInputs } from './adapt';
import { CONV_RULES } from './convPool';
import { ELEMENTWISE_RULES } from './elementwise';
import { MATMUL_RULES, matmulShape } from './matmul';
import { NORM_RULES } from './norm';
import { REDUCE_RULES } from './reduce';
import { SHAPE_RULES } from './shapeOps';
import { has, input, normAxis, numel } from './util';

/**
 * Quantized contrib ops (domain com.microsoft). Costs are those of the float op each stands for —
 * quantization changes bytes, not the arithmetic the model describes (README "Cost conventions") —
 * and their weights count as the logical parameters (analysis/parameterSlots.ts).
 */

/** Block-quantization layout of MatMulNBits / GatherBlockQuantized: bits and block size, checked. */
export function nbitsLayout(ctx: RuleContext): { bits: number; block: number } {
  const bits = attrInt(ctx.node, 'bits', 4);
  const block = attrInt(ctx.node, 'block_size', 0);
  if (bits < 2 || bits > 8) throw new RuleError(`${ctx.node.opType} bits=${bits} (supported: 2 to 8)`);
  if (ctx.node.opType === 'MatMulNBits' && (block < 16 || (block & (block - 1)) !== 0)) throw new RuleError(`MatMulNBits block_size=${block} is not a power of two >= 16`);
  return { bits, block };
}

/** A [..., K] x dequant(B) [K, N]: B packed as [N, ceil(K/block), block*bits/8] uint8. */
const matMulNBits: OpRule = {
  shape: (ctx) => {
    const a = input(ctx, 0);
    const n = attrInt(ctx.node, 'N');
    const k = attrInt(ctx.node, 'K');
    if (!n || !k) throw new RuleError('MatMulNBits needs its N and K attributes');
    const { bits, block } = nbitsLayout(ctx);
    const kA = a.shape[a.shape.length - 1];
    if (typeof kA === 'number' && kA !== k) throw new RuleError(`MatMulNBits input has ${kA} features, K is ${k}`);
    const b = ctx.inputs[1]?.shape;
    const blocks = Math.ceil(k / block);
    const blob = (block * bits) / 8;
    if (b && b.every((d) => typeof d === 'number')) {
      const want = b.length === 3 ? [n, blocks, blob] : [n * blocks * blob];
      if (b.length !== want.length || want.some((d, i) => d !== b[i])) throw new RuleError(`MatMulNBits weight is [${b.join(', ')}], N=${n} K=${k} bits=${bits} block_size=${block} need [${want.join(', ')}]`);
    }
    return { outputs: [{ dtype: a.dtype, shape: [...a.shape.slice(0, -1), n] }] };
  },
  cost: (ctx, outs) => {
    const k = attrInt(ctx.node, 'K')!;
    const out = numel(outs[0].shape!);
    const macs = dimMul(out, k);
    return { macs, flops: dimAdd(dimMul(2, macs), has(ctx, 5) ? out : 0) };
  },
};

/** Values per stored element of a block-quantized tensor: uint8 packs 8/bits, int4/uint4 dims are logical. */
export function packing(dtype: string, bits: number): number {
  return dtype === 'uint8' || dtype === 'int8' ? Math.floor(8 / bits) : 1;
}

/** Gather from a block-quantized table (the embeddings of int4 LLM exports); dequantized like scales. */
const gatherBlockQuantized: OpRule = {
  shape: (ctx) => {
    const data = input(ctx, 0);
    const idx = input(ctx, 1);
    const scales = input(ctx, 2);
    const { bits } = nbitsLayout(ctx);
    const r = data.shape.length;
    const axis = normAxis(attrInt(ctx.node, 'gather_axis', 0), r);
    const logical: Dim[] = [...data.shape];
    const pack = packing(data.dtype, bits);
    if (pack > 1) logical[r - 1] = dimMul(logical[r - 1], pack);
    return { outputs: [{ dtype: scales.dtype, shape: [...logical.slice(0, axis), ...idx.shape, ...logical.slice(axis + 1)] }] };
  },
  // Dequantization of the gathered rows: subtract the zero point, multiply by the scale.
  cost: (ctx, outs) => ({ macs: 0, flops: dimMul(has(ctx, 3) ? 2 : 1, numel(outs[0].shape!)) }),
};

/** The float op's rule on the data inputs of a QLinear op, output typed like the quantized input. */
const q = (rule: OpRule, slots: number[] | ((ctx: RuleContext) => number[]), opset?: number): OpRule => onInputs(rule, slots, { opset, dtype: (ctx) => ctx.inputs[typeof slots === 'function' ? slots(ctx)[0] : slots[0]]?.dtype ?? 'uint8' });
const isChannelsLast = (ctx: RuleContext) => attrInt(ctx.node, 'channels_last', 0) === 1;

/** QLinearConcat: Y_scale, Y_zero_point, then (X, scale, zero point) per input. */
const concatSlots = (ctx: RuleContext) => {
  const n = ctx.node.inputs.length - 2;
  if (n < 3 || n % 3 !== 0) throw new RuleError(`QLinearConcat has ${ctx.node.inputs.length} inputs (expected 2 + 3 per tensor)`);
  return Array.from({ length: n / 3 }, (_, i) => 2 + 3 * i);
};

/** QGemm: A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp; float output without y_scale. */
const qGemm: OpRule = {
  shape: (ctx) => {
    const r = onInputs(MATMUL_RULES.Gemm, [0, 3, 6]).shape(ctx);
    return { outputs: [{ ...r.outputs[0], dtype: has(ctx, 7) ? ctx.inputs[8]?.dtype ?? ctx.inputs[0]?.dtype ?? 'uint8' : 'float32' }] };
  },
  cost: (ctx, outs) => onInputs(MATMUL_RULES.Gemm, [0, 3, 6]).cost(ctx, outs),
};

/** QOrderedMatMul (CUDA, int8 in cublasLt orders): A [.., M, K] x B [K, N] + bias, int8 out. */
const qOrderedMatMul: OpRule = {
  shape: (ctx) => ({ outputs: [{ dtype: 'int8', shape: matmulShape(input(ctx, 0).shape, input(ctx, 2).shape).shape }] }),
  cost: (ctx, outs) => {
    const k = input(ctx, 0).shape.at(-1)!;
    const out = numel(outs[0].shape!);
    const macs = dimMul(out, k);
    return { macs, flops: dimAdd(dimAdd(dimMul(2, macs), has(ctx, 5) ? out : 0), has(ctx, 6) ? out : 0) };
  },
};

const matmulToFloat = (bSlot: number, biasSlot: number): OpRule => ({
  shape: (ctx) => {
    const out = ctx.node.opType === 'MatMulIntegerToFloat' ? ctx.inputs[2]?.dtype ?? 'float32' : ctx.inputs[0]?.dtype ?? 'float32';
    return { outputs: [{ dtype: out, shape: matmulShape(input(ctx, 0).shape, input(ctx, bSlot).shape).shape }] };
  },
  cost: (ctx, outs) => {
    const { k } = matmulShape(input(ctx, 0).shape, input(ctx, bSlot).shape);
    const out = numel(outs[0].shape!);
    const macs = dimMul(out, k);
    return { macs, flops: dimAdd(dimMul(2, macs), has(ctx, biasSlot) ? out : 0) };
  },
});

export const MS_QUANT_RULES: RuleTable = {
  MatMulNBits: matMulNBits,
  GatherBlockQuantized: gatherBlockQuantized,
  QOrderedMatMul: qOrderedMatMul,
  QGemm: qGemm,
  DynamicQuantizeMatMul: matmulToFloat(1, 4),
  MatMulIntegerToFloat: matmulToFloat(1, 6),
  QLinearAdd: q(ELEMENTWISE_RULES.Add, [0, 3]),
  QLinearMul: q(ELEMENTWISE_RULES.Mul, [0, 3]),
  QLinearSigmoid: q(ELEMENTWISE_RULES.Sigmoid, [0]),
  QLinearLeakyRelu: q(ELEMENTWISE_RULES.LeakyRelu, [0]),
  QLinearSoftmax: q(NORM_RULES.Softmax, [0], 13),
  QLinearWhere: onInputs(ELEMENTWISE_RULES.Where, [0, 1, 4], { dtype: (ctx) => ctx.inputs[1]?.dtype ?? 'uint8' }),
  QLinearConcat: q(SHAPE_RULES.Concat, concatSlots),
  // Axes as an attribute (the opset-13 form of ReduceMean).
  QLinearReduceMean: q(REDUCE_RULES.ReduceMean, [0], 13),
  QLinearAveragePool: channelsLast(q(CONV_RULES.AveragePool, [0]), 0, isChannelsLast),
  QLinearGlobalAveragePool: channelsLast(q(CONV_RULES.GlobalAveragePool, [0]), 0, isChannelsLast),
  QLinearConv: channelsLast(CONV_RULES.QLinearConv, 0, isChannelsLast),
};

