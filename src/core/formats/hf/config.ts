import type { DType } from '../../ir/dtype';
import type { LlmAttentionKind } from '../../ir/llm';

/**
 * A Hugging Face `config.json` as the builder reads it: a plain object from an untrusted file. Every
 * field is read through these helpers, which accept only the expected JSON type (a string "32" or
 * an object where a number belongs reads as absent) and own-properties only (`__proto__` is data).
 */
export type HfConfig = Record<string, unknown>;

export function own(c: HfConfig, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(c, key) ? c[key] : undefined;
}

/** The first of `keys` that holds a non-negative safe integer. */
export function int(c: HfConfig, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = own(c, k);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  }
  return undefined;
}

export function bool(c: HfConfig, key: string): boolean | undefined {
  const v = own(c, key);
  return typeof v === 'boolean' ? v : undefined;
}

export function str(c: HfConfig, key: string): string | undefined {
  const v = own(c, key);
  return typeof v === 'string' ? v : undefined;
}

export function ints(c: HfConfig, key: string): number[] | undefined {
  const v = own(c, key);
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x)) ? (v as number[]) : undefined;
}

export function sub(c: HfConfig, key: string): HfConfig | undefined {
  const v = own(c, key);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as HfConfig) : undefined;
}

/** `torch_dtype` (or transformers ≥ 4.56 `dtype`) → the IR dtype of the weights; float32 when absent, as transformers defaults. */
export function weightDtype(c: HfConfig): DType {
  const t = str(c, 'torch_dtype') ?? str(c, 'dtype');
  switch (t) {
    case 'float16':
    case 'half':
      return 'float16';
    case 'bfloat16':
      return 'bfloat16';
    case 'float64':
      return 'float64';
    default:
      return 'float32';
  }
}

/**
 * Per-layer attention kinds from the config's own words: transformers' `layer_types` list when the
 * config has one, else the family's rule (passed in), else full attention everywhere.
 */
export function layerTypes(c: HfConfig, layers: number, window: number | undefined): LlmAttentionKind[] | undefined {
  const lt = own(c, 'layer_types');
  if (!Array.isArray(lt) || lt.length !== layers) return undefined;
  return lt.map((t) => (t === 'sliding_attention' && window ? { kind: 'sliding', window } : { kind: 'full' }));
}
