import { attrInt } from '../../ir/graph';
import type { OpRule, RuleTable } from '../types';
import { QUANT_FLOPS } from './costConventions';
import { dtypeFromOnnxCode } from './dtypeCodes';
import { input, perElement } from './util';

const quantize: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const code = attrInt(ctx.node, 'output_dtype', 0);
    const dtype = code ? dtypeFromOnnxCode(code) : ctx.inputs[2]?.dtype ?? 'uint8';
    return { outputs: [{ dtype, shape: x.shape }] };
  },
  cost: (_ctx, outs) => perElement(outs, QUANT_FLOPS),
};

const dequantize: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    const scale = ctx.inputs[1]?.dtype;
    // Opset 23+: output_dtype may name the type; otherwise the scale's (19+), float32 before.
    const code = attrInt(ctx.node, 'output_dtype', 0);
    const dtype = code ? dtypeFromOnnxCode(code) : ctx.opset >= 19 && scale && scale !== 'unknown' ? scale : 'float32';
    return { outputs: [{ dtype, shape: x.shape }] };
  },
  cost: (_ctx, outs) => perElement(outs, QUANT_FLOPS),
};

const dynamicQuantize: OpRule = {
  shape: (ctx) => {
    const x = input(ctx, 0);
    return { outputs: [{ dtype: 'uint8', shape: x.shape }, { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] }] };
  },
  // min/max scan, then scale and round each element.
  cost: (_ctx, outs) => perElement(outs, QUANT_FLOPS + 2),
};

export const QUANT_RULES: RuleTable = {
  QuantizeLinear: quantize,
  DequantizeLinear: dequantize,
  DynamicQuantizeLinear: dynamicQuantize,
};
