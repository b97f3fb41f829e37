import type { DType } from '../../ir/dtype';

/**
 * ggml tensor types: id (as stored in a GGUF tensor info) → name, elements per block, bytes per block,
 * and the logical element type the IR counts parameters in. One entry per type, checked against
 * ggml's `type_traits` (src/ggml.c: `blck_size`, `type_size = sizeof(block_*)`) and the block structs'
 * static_asserts in src/ggml-common.h (ggml d99724f, 2026-08). ggml requires a row (ne[0]) to be a
 * whole number of blocks, so a tensor's bytes are exactly elements / block × bytes per block.
 *
 * Sizes, with QK_K = 256 and ggml_half = 2 bytes:
 *   Q4_0  d + qs[16]                       = 18      Q4_1  d, m + qs[16]            = 20
 *   Q5_0  d + qh[4] + qs[16]               = 22      Q5_1  d, m + qh[4] + qs[16]    = 24
 *   Q8_0  d + qs[32]                       = 34      Q8_1  d, s + qs[32]            = 36
 *   Q2_K  d, dmin + scales[16] + qs[64]    = 84      Q3_K  hmask[32]+qs[64]+sc[12]+d = 110
 *   Q4_K  d, dmin + scales[12] + qs[128]   = 144     Q5_K  + qh[32]                 = 176
 *   Q6_K  ql[128] + qh[64] + sc[16] + d    = 210     Q8_K  f32 d + qs[256] + bsums[16]×i16 = 292
 *   IQ2_XXS d + qs[32]×u16 = 66   IQ2_XS d + qs[32]×u16 + scales[8] = 74   IQ2_S d + qs[64] + qh+sc[16] = 82
 *   IQ3_XXS d + 3×32 = 98         IQ3_S d + 13×8 + scales[4] = 110         IQ1_S d + qs[32] + qh[16] = 50
 *   IQ1_M qs[32] + qh[16] + scales[8] = 56   IQ4_NL d + qs[16] = 18 (32 per block)
 *   IQ4_XS d + scales_h(u16) + scales_l[4] + qs[128] = 136
 *   TQ1_0 qs[48] + qh[4] + d = 54  TQ2_0 qs[64] + d = 66  MXFP4 e + qs[16] = 17 (32)
 *   NVFP4 scales[4] + qs[32] = 36 (64)   Q1_0 d + qs[16] = 18 (128)   Q2_0 d + qs[16] = 18 (64)
 * Ids 4, 5 (Q4_2, Q4_3), 31–33 (Q4_0_x_y) and 36–38 (IQ4_NL_x_y) were removed from GGUF files.
 */
export interface GgmlType {
  readonly id: number;
  /** Upper-case name as llama.cpp's tools print it (Q4_K, IQ2_XXS, F16, ...). */
  readonly name: string;
  readonly blockSize: number;
  readonly bytesPerBlock: number;
  /** What one element stands for in the IR: quantized weights are float parameters. */
  readonly dtype: DType;
  readonly quantized: boolean;
}

const T = (id: number, name: string, blockSize: number, bytesPerBlock: number, dtype: DType = 'float32'): GgmlType =>
  Object.freeze({ id, name, blockSize, bytesPerBlock, dtype, quantized: blockSize > 1 });

const TABLE: readonly GgmlType[] = [
  T(0, 'F32', 1, 4, 'float32'),
  T(1, 'F16', 1, 2, 'float16'),
  T(2, 'Q4_0', 32, 18),
  T(3, 'Q4_1', 32, 20),
  T(6, 'Q5_0', 32, 22),
  T(7, 'Q5_1', 32, 24),
  T(8, 'Q8_0', 32, 34),
  T(9, 'Q8_1', 32, 36),
  T(10, 'Q2_K', 256, 84),
  T(11, 'Q3_K', 256, 110),
  T(12, 'Q4_K', 256, 144),
  T(13, 'Q5_K', 256, 176),
  T(14, 'Q6_K', 256, 210),
  T(15, 'Q8_K', 256, 292),
  T(16, 'IQ2_XXS', 256, 66),
  T(17, 'IQ2_XS', 256, 74),
  T(18, 'IQ3_XXS', 256, 98),
  T(19, 'IQ1_S', 256, 50),
  T(20, 'IQ4_NL', 32, 18),
  T(21, 'IQ3_S', 256, 110),
  T(22, 'IQ2_S', 256, 82),
  T(23, 'IQ4_XS', 256, 136),
  T(24, 'I8', 1, 1, 'int8'),
  T(25, 'I16', 1, 2, 'int16'),
  T(26, 'I32', 1, 4, 'int32'),
  T(27, 'I64', 1, 8, 'int64'),
  T(28, 'F64', 1, 8, 'float64'),
  T(29, 'IQ1_M', 256, 56),
  T(30, 'BF16', 1, 2, 'bfloat16'),
  T(34, 'TQ1_0', 256, 54),
  T(35, 'TQ2_0', 256, 66),
  T(39, 'MXFP4', 32, 17),
  T(40, 'NVFP4', 64, 36),
  T(41, 'Q1_0', 128, 18),
  T(42, 'Q2_0', 64, 18),
];

const BY_ID: ReadonlyMap<number, GgmlType> = new Map(TABLE.map((t) => [t.id, t]));
const REMOVED: ReadonlyMap<number, string> = new Map([
  [4, 'Q4_2'], [5, 'Q4_3'], [31, 'Q4_0_4_4'], [32, 'Q4_0_4_8'], [33, 'Q4_0_8_8'], [36, 'IQ4_NL_4_4'], [37, 'IQ4_NL_4_8'], [38, 'IQ4_NL_8_8'],
]);

export function ggmlType(id: number): GgmlType | undefined {
  return BY_ID.get(id);
}

/** Why an id is not a type ModelLens can size: removed from GGUF files, or not known at all. */
export function ggmlTypeProblem(id: number): string {
  const old = REMOVED.get(id);
  return old ? `ggml type ${id} (${old}), which was removed from GGUF files (llama.cpp repacks Q4_0 / IQ4_NL at load time instead)` : `unknown ggml type ${id}`;
}

export function allGgmlTypes(): readonly GgmlType[] {
  return TABLE;
}

/**
 * Bytes of a tensor of `elements` elements whose first dimension (ne[0], the row) is `row`. `undefined`
 * when the row is not a whole number of blocks (ggml refuses such a tensor too).
 */
export function ggmlBytes(t: GgmlType, row: number, elements: number): number | undefined {
  if (row % t.blockSize !== 0) return undefined;
  return (elements / t.blockSize) * t.bytesPerBlock;
}
