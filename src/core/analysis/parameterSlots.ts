import { attrInt, type Node } from '../ir/graph';
import { elementCount, type LazyTensor } from '../ir/tensor';

/**
 * Ops whose parameters are not simply "the float initializers they read", by domain and op type: the
 * input slots that hold parameters (every other initializer is bytes, not parameters) and, for packed
 * layouts, how many logical parameters a stored tensor holds.
 *   - quantized weights: the integer data counts; scales and zero points are quantization metadata,
 *     so storing a weight as int8 or int4 keeps the model's parameter count and shrinks only its bytes;
 *   - rotary embeddings: the cos/sin caches are precomputed tables (buffers in the checkpoint, not
 *     weights), so an ONNX LLM export counts what its safetensors folder counts.
 */
export interface ParameterSlots {
  /** Input slots whose initializers are parameters (float or not); every other slot is metadata. */
  slots: number[];
  /** Logical parameters of the tensor at `slot` when its elements are not them (bit-packed blocks). */
  logical?: (n: Node, t: LazyTensor, slot: number) => number | undefined;
  /** What the bytes of the tensor at `slot` are, for weight bytes by type (packed int4 is not "uint8"). */
  storedAs?: (n: Node, t: LazyTensor, slot: number) => string | undefined;
}

const packedBits = (n: Node, t: LazyTensor) => (t.dtype === 'uint8' || t.dtype === 'int8' ? `int${attrInt(n, 'bits', 4)} blocks` : undefined);

const TABLE: Record<string, Record<string, ParameterSlots>> = {
  '': {
    DequantizeLinear: { slots: [0] },
    QLinearConv: { slots: [3, 8] },
    QLinearMatMul: { slots: [3] },
    MatMulInteger: { slots: [1] },
    ConvInteger: { slots: [1] },
    RotaryEmbedding: { slots: [] },
  },
  'com.microsoft': {
    QLinearConv: { slots: [3, 8] },
    QGemm: { slots: [3, 6] },
    QOrderedMatMul: { slots: [2, 5] },
    DynamicQuantizeMatMul: { slots: [1, 4] },
    MatMulIntegerToFloat: { slots: [1, 6] },
    DequantizeLinear: { slots: [0] },
    // B is [N, ceil(K/block), block*bits/8] bytes: the layer's parameters are N x K; bias (slot 5) is float.
    MatMulNBits: {
      slots: [1, 5],
      logical: (n, _t, slot) => (slot === 1 ? (attrInt(n, 'N') ?? 0) * (attrInt(n, 'K') ?? 0) || undefined : undefined),
      storedAs: (n, t, slot) => (slot === 1 ? packedBits(n, t) : undefined),
    },
    // uint8 tables pack 8/bits values per byte along the last axis; int4/uint4 dims are already logical.
    // cos_cache / sin_cache (7, 8) are tables; head_sink (11) and the q/k norm weights (14, 15) are learned.
    GroupQueryAttention: { slots: [11, 14, 15] },
    RotaryEmbedding: { slots: [] },
    GatherBlockQuantized: {
      slots: [0],
      logical: (n, t, slot) => (slot === 0 && (t.dtype === 'uint8' || t.dtype === 'int8') ? elementCount(t) * Math.floor(8 / attrInt(n, 'bits', 4)) : undefined),
      storedAs: (n, t, slot) => (slot === 0 ? packedBits(n, t) : undefined),
    },
  },
};

export function parameterSlotsOf(n: Node): ParameterSlots | undefined {
  const t = TABLE[n.domain === 'ai.onnx' ? '' : n.domain];
  return t && Object.prototype.hasOwnProperty.call(t, n.opType) ? t[n.opType] : undefined;
}
