import type { RuleTable } from '../types';
import { ATTENTION_RULES } from './attention';
import { CONTROL_RULES } from './control';
import { CONV_RULES } from './convPool';
import { ELEMENTWISE_RULES } from './elementwise';
import { MATMUL_RULES } from './matmul';
import { NORM_RULES } from './norm';
import { QUANT_RULES } from './quant';
import { REDUCE_RULES } from './reduce';
import { RESIZE_RULES } from './resize';
import { RNN_RULES } from './rnn';
import { SHAPE_RULES } from './shapeOps';
import { MICROSOFT_IN_ONNX_DOMAIN } from './microsoft';
import { LOSS_RULES } from './loss';
import { SEQUENCE_RULES } from './sequence';
import { SIGNAL_RULES } from './signal';
import { TEXT_RULES } from './text';
import { UNIQUE_RULES } from './unique';
import { IMAGE_RULES } from './image';

/** The standard ONNX op table (domain '' / ai.onnx), one entry per op type. */
export const ONNX_RULES: RuleTable = {
  ...ELEMENTWISE_RULES,
  ...SHAPE_RULES,
  ...CONV_RULES,
  ...MATMUL_RULES,
  ...RNN_RULES,
  ...NORM_RULES,
  ...REDUCE_RULES,
  ...RESIZE_RULES,
  ...QUANT_RULES,
  ...CONTROL_RULES,
  ...ATTENTION_RULES,
  ...LOSS_RULES,
  ...SEQUENCE_RULES,
  ...SIGNAL_RULES,
  ...TEXT_RULES,
  ...UNIQUE_RULES,
  ...IMAGE_RULES,
  // onnxruntime registers these fused ops in the ONNX domain.
  ...MICROSOFT_IN_ONNX_DOMAIN,
};
