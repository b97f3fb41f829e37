import type { DType } from '../../ir/dtype';
import { elementCount, tensorByteLength, type LazyTensor } from '../../ir/tensor';
import { int, str, sub, type HfConfig } from './config';

/**
 * Quantized checkpoints store a linear layer's weight as packed integers plus scales: GPTQ / AWQ
 * (`qweight`, `qzeros`, `scales`, `g_idx`), compressed-tensors (`weight_packed`, `weight_scale`,
 * `weight_zero_point`, `weight_shape`) or FP8 with scales (`weight` + `weight_scale`, `input_scale`).
 * The layer keeps its *logical* weight [out, in] (its parameters, and its MACs) and carries what the
 * file holds as `stored` bytes, so parameters and bytes are reported separately.
 */

export interface QuantConfig {
  method: string;
  bits: number;
  groupSize: number;
  /** GPTQ stores g_idx (one int32 per input channel); AWQ does not. */
  gIdx: boolean;
}

export function quantConfig(c: HfConfig): QuantConfig | undefined {
  const q = sub(c, 'quantization_config');
  if (!q) return undefined;
  const method = str(q, 'quant_method') ?? 'unknown';
  if (method !== 'gptq' && method !== 'awq') return { method, bits: int(q, 'bits') ?? 0, groupSize: 0, gIdx: false };
  const bits = int(q, 'bits', 'w_bit') ?? 4;
  const gs = q.group_size ?? q.q_group_size;
  return { method, bits, groupSize: typeof gs === 'number' && gs > 0 ? gs : -1, gIdx: method === 'gptq' };
}

/** Bytes a GPTQ/AWQ layer of [out, in] occupies: packed weights, fp16 scales, packed zeros, g_idx. */
export function estimatedQuantBytes(q: QuantConfig, out: number, inp: number): number | undefined {
  if ((q.method !== 'gptq' && q.method !== 'awq') || !(q.bits > 0)) return undefined;
  const groups = q.groupSize > 0 ? Math.ceil(inp / q.groupSize) : 1;
  return Math.ceil((out * inp * q.bits) / 8) + groups * out * 2 + Math.ceil((groups * out * q.bits) / 8) + (q.gIdx ? inp * 4 : 0);
}

const PACKED_SUFFIXES = ['qweight', 'qzeros', 'scales', 'g_idx'];
const CT_SUFFIXES = ['weight_packed', 'weight_scale', 'weight_zero_point', 'weight_shape', 'weight_g_idx'];
const SCALE_SUFFIXES = ['weight_scale', 'weight_scale_inv', 'input_scale'];

/**
 * The quantized form of linear `module` in the file, if any: a logical [out, in] tensor of `dtype`
 * whose `stored` bytes are the parts' bytes, and the file tensors it consumed. `problem` says when the
 * packing does not match [out, in].
 */
export function quantizedLinear(
  tensors: Map<string, LazyTensor>,
  module: string,
  dims: number[],
  dtype: DType,
  q: QuantConfig | undefined,
): { tensor: LazyTensor; consumed: string[]; problem?: string } | undefined {
  const logical = dims[0] * dims[1];
  const take = (suffixes: string[]) => suffixes.map((s) => `${module}.${s}`).filter((n) => tensors.has(n));
  const bytesOf = (names: string[]) => names.reduce((a, n) => a + (tensorByteLength(tensors.get(n)!) ?? 0), 0);
  const qw = tensors.get(`${module}.qweight`);
  if (qw) {
    const parts = take(PACKED_SUFFIXES);
    const bits = q?.bits && q.bits > 0 ? q.bits : 4;
    const packed = elementCount(qw) * (32 / bits);
    const type = `${q?.method === 'awq' ? 'awq' : 'gptq'}-int${bits}`;
    return {
      tensor: { name: `${module}.weight`, dtype, dims, source: qw.source, stored: { type, bytes: bytesOf(parts) } },
      consumed: parts,
      problem: packed !== logical ? `${module}.qweight [${qw.dims.join(', ')}] packs ${packed} ${bits}-bit values, the layer needs ${logical}` : undefined,
    };
  }
  const wp = tensors.get(`${module}.weight_packed`);
  if (wp) {
    const parts = take(CT_SUFFIXES);
    const bitsRaw = (elementCount(wp) * 32) / logical;
    const bits = Number.isInteger(bitsRaw) ? bitsRaw : 0;
    return {
      tensor: { name: `${module}.weight`, dtype, dims, source: wp.source, stored: { type: `compressed-int${bits || '?'}`, bytes: bytesOf(parts) } },
      consumed: parts,
      problem: bits ? undefined : `${module}.weight_packed [${wp.dims.join(', ')}] does not pack a whole number of bits per value of [${dims.join(', ')}]`,
    };
  }
  const w = tensors.get(`${module}.weight`);
  const scales = take(SCALE_SUFFIXES);
  if (w && scales.length > 0) {
    const parts = [`${module}.weight`, ...scales];
    return { tensor: { ...w, stored: { type: `${w.dtype}+scales`, bytes: bytesOf(parts) } }, consumed: parts };
  }
  return undefined;
}
