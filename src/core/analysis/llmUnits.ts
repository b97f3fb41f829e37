/**
 * Units of the LLM numbers: KV-cache element types, weight types for the memory plan, memory sizes
 * ("24GiB") and bandwidths ("1000GB/s" or a named device). Keyed by user text: Maps.
 */

/** Bytes of `elements` values stored as `t` (block types: llama.cpp's 32-element blocks, rounded up). */
export type StorageType = 'fp32' | 'fp16' | 'bf16' | 'fp8' | 'q8_0' | 'q4_0' | 'int8' | 'int4';

const STORAGE = new Map<string, { block: number; bytes: number }>([
  ['fp32', { block: 1, bytes: 4 }],
  ['fp16', { block: 1, bytes: 2 }],
  ['bf16', { block: 1, bytes: 2 }],
  ['fp8', { block: 1, bytes: 1 }],
  ['int8', { block: 1, bytes: 1 }],
  ['int4', { block: 2, bytes: 1 }],
  // ggml block_q8_0: 32 int8 + one fp16 scale = 34 bytes; block_q4_0: 16 bytes of nibbles + fp16 scale = 18.
  ['q8_0', { block: 32, bytes: 34 }],
  ['q4_0', { block: 32, bytes: 18 }],
]);

export const STORAGE_TYPES = [...STORAGE.keys()] as StorageType[];

export function isStorageType(s: string): s is StorageType {
  return STORAGE.has(s);
}

export function storageBytes(t: StorageType, elements: number): number {
  const s = STORAGE.get(t)!;
  return Math.ceil(elements / s.block) * s.bytes;
}

const SIZE_UNITS = new Map<string, number>([
  ['', 1], ['b', 1],
  ['kb', 1e3], ['mb', 1e6], ['gb', 1e9], ['tb', 1e12],
  ['kib', 2 ** 10], ['mib', 2 ** 20], ['gib', 2 ** 30], ['tib', 2 ** 40],
  ['k', 1e3], ['m', 1e6], ['g', 1e9], ['t', 1e12],
]);

/** "24GiB", "24 GB", "2.5e10" → bytes; undefined when it is not a size. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS.get(m[2].toLowerCase());
  if (unit === undefined) return undefined;
  const v = Number(m[1]) * unit;
  return Number.isFinite(v) && v > 0 ? Math.round(v) : undefined;
}

/** Published peak memory bandwidths (bytes/s) of common devices. */
export const BANDWIDTH_PRESETS: ReadonlyMap<string, number> = new Map([
  ['rtx3090', 936e9],
  ['rtx4090', 1008e9],
  ['a100-40gb', 1555e9],
  ['a100-80gb', 2039e9],
  ['h100-sxm', 3350e9],
  ['h100-pcie', 2000e9],
  ['m2-ultra', 800e9],
  ['m3-max', 400e9],
  ['ddr5-5600-2ch', 89.6e9],
]);

/** "1000GB/s", "1.5 TB/s", "900GiB/s" or a preset name → bytes per second. */
export function parseBandwidth(text: string): { bytesPerSecond: number; preset?: string } | undefined {
  const preset = BANDWIDTH_PRESETS.get(text.trim().toLowerCase());
  if (preset !== undefined) return { bytesPerSecond: preset, preset: text.trim().toLowerCase() };
  const m = /^(.*?)\s*\/\s*s$/i.exec(text.trim());
  const v = parseBytes(m ? m[1] : text);
  return v === undefined ? undefined : { bytesPerSecond: v };
}
