import { byteSize, type DType } from './dtype';

/**
 * Where a tensor's bytes live. Readers locate weights without reading them: analysis needs only
 * dims and dtype, and a 650 MB model must open without holding 650 MB.
 */
export type TensorSource =
  | { kind: 'inline'; bytes: Uint8Array } // small tensors decoded with their message (e.g. float_data)
  | { kind: 'file'; path: string; offset: number; length: number } // raw_data inside the model file, or external data
  | { kind: 'absent'; reason: string }; // shape known, values not available (architecture-only Keras JSON)

export interface LazyTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly source: TensorSource;
  /**
   * Storage that is not dtype × elements: a block-quantized type (GGUF Q4_K, GPTQ/AWQ packing, ...).
   * `dtype` is then the logical element type (the parameters it stands for) and `bytes` what the file holds.
   */
  readonly stored?: { readonly type: string; readonly bytes: number };
}

export function elementCount(t: { dims: readonly number[] }): number {
  let n = 1;
  for (const d of t.dims) n *= d;
  return n;
}

export function tensorByteLength(t: LazyTensor): number | undefined {
  if (t.stored) return t.stored.bytes;
  return byteSize(t.dtype, elementCount(t));
}

/** Creates an in-memory tensor (rewrites, constants computed during shape inference). */
export function inlineTensor(name: string, dtype: DType, dims: readonly number[], bytes: Uint8Array): LazyTensor {
  return { name, dtype, dims: [...dims], source: { kind: 'inline', bytes } };
}
