/** Element types every format maps onto. Names follow numpy/ONNX lower-case spelling. */
export type DType =
  | 'float32' | 'float16' | 'bfloat16' | 'float64'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'int4' | 'uint4' | 'int2' | 'uint2'
  | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz' | 'float8e8m0' | 'float4e2m1'
  | 'bool' | 'string' | 'complex64' | 'complex128'
  | 'unknown';

/** Storage bits per element; strings and unknown types have no fixed size. */
const BITS: Record<DType, number | undefined> = {
  float32: 32, float16: 16, bfloat16: 16, float64: 64,
  int8: 8, uint8: 8, int16: 16, uint16: 16, int32: 32, uint32: 32, int64: 64, uint64: 64,
  int4: 4, uint4: 4, int2: 2, uint2: 2,
  float8e4m3fn: 8, float8e4m3fnuz: 8, float8e5m2: 8, float8e5m2fnuz: 8, float8e8m0: 8, float4e2m1: 4,
  bool: 8, string: undefined, complex64: 64, complex128: 128, unknown: undefined,
};

export function dtypeBits(t: DType): number | undefined {
  return BITS[t];
}

/** Bytes for `elements` elements, rounding sub-byte types up to whole bytes as packed storage does. */
export function byteSize(t: DType, elements: number): number | undefined {
  const bits = BITS[t];
  return bits === undefined ? undefined : Math.ceil((bits * elements) / 8);
}

/** Floating-point types: their initializers count as parameters (integer tensors are indices/shapes). */
export function isFloatType(t: DType): boolean {
  return t.startsWith('float') || t === 'bfloat16';
}
