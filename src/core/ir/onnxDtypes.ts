// ONNX TensorProto.DataType codes: one table for the ONNX reader and writer (formats/onnx) and for the
// shape rules that read a type code from an attribute (rules/onnx/dtypeCodes.ts), below both.
import type { DType } from './dtype';

/** ONNX TensorProto.DataType code -> IR dtype (ONNX 1.20 numbering). */
const BY_CODE: Record<number, DType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128',
  16: 'bfloat16', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz',
  21: 'uint4', 22: 'int4', 23: 'float4e2m1', 24: 'float8e8m0', 25: 'uint2', 26: 'int2',
};

const BY_NAME = new Map<DType, number>(Object.entries(BY_CODE).map(([k, v]) => [v, Number(k)]));

export function dtypeFromOnnx(code: number | null | undefined): DType {
  return (code !== null && code !== undefined && BY_CODE[code]) || 'unknown';
}

export function dtypeToOnnx(t: DType): number {
  const c = BY_NAME.get(t);
  if (c === undefined) throw new Error(`no ONNX element type for ${t}`);
  return c;
}
