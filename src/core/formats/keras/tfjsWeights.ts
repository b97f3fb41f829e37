// Locates the weights of a tfjs layers-model in its binary shards without reading them.
import { statSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../../errors';
import type { DType } from '../../ir/dtype';
import type { TensorSource } from '../../ir/tensor';
import type { WeightLocator } from './build';
import { isObject } from './json';

interface Entry { name: string; dims: number[]; dtype: DType; source: TensorSource }

const BYTES: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1, int8: 1, bool: 1 };

/**
 * Shards of a group are one concatenated buffer; a tensor is a file range when it lies inside one
 * shard file. Names are matched to the layers' weights by their trailing `layer/.../weight` path.
 */
export function tfjsLocator(manifest: unknown, dir: string, warnings: string[]): { locate: WeightLocator; absentReason: string } {
  const entries: Entry[] = [];
  let missingShard: string | undefined;
  if (Array.isArray(manifest)) {
    for (const g of manifest) {
      if (!isObject(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) continue;
      if (!g.paths.every((p) => typeof p === 'string')) throw new ModelError('weightsManifest: shard paths must be strings');
      const shards = (g.paths as string[]).map((p) => {
        const f = path.resolve(dir, p);
        let size = -1;
        try { size = statSync(f).size; } catch { missingShard ??= String(p); }
        return { f, size };
      });
      let offset = 0;
      for (const w of g.weights) {
        if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape)) continue;
        const wname = w.name;
        const bad = (why: string) => new ModelError(`weightsManifest: weight "${wname.slice(0, 100)}" ${why}`);
        if (!w.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw bad('has a shape that is not a list of non-negative integers');
        const dims = w.shape as number[];
        const q = isObject(w.quantization) ? w.quantization : undefined;
        const stored = q?.dtype ?? w.dtype ?? 'float32';
        if (typeof stored !== 'string' || !(stored in BYTES)) throw bad(`has an unknown dtype ${JSON.stringify(stored)?.slice(0, 40)}`);
        const length = dims.reduce((a, b) => a * b, 1) * BYTES[stored];
        if (!Number.isSafeInteger(length)) throw bad('is too large');
        entries.push({ name: wname.replace(/:\d+$/, ''), dims, dtype: q ? 'float32' : (stored as DType), source: place(shards, offset, length, q !== undefined) });
        offset += length;
      }
    }
  }
  if (missingShard) warnings.push(`weight shard "${missingShard}" not found next to the model.json; weights are absent`);
  const used = new Set<Entry>();
  const locate: WeightLocator = (name, dims) => {
    const cand = entries.filter((e) => !used.has(e) && (e.name === name || e.name.endsWith(`/${name}`) || name.endsWith(`/${e.name}`)) && sameDims(e.dims, dims));
    const e = cand[0] ?? entries.find((x) => !used.has(x) && lastTwo(x.name) === lastTwo(name) && sameDims(x.dims, dims));
    if (!e) return { source: { kind: 'absent', reason: `weight ${name} not found in the weightsManifest` } };
    used.add(e);
    return { source: e.source, dtype: e.dtype };
  };
  return { locate, absentReason: 'not in the weightsManifest' };
}

function lastTwo(n: string): string {
  return n.split('/').slice(-2).join('/');
}

function sameDims(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function place(shards: { f: string; size: number }[], offset: number, length: number, quantized: boolean): TensorSource {
  if (quantized) return { kind: 'absent', reason: 'quantized tfjs weight (dequantized on load)' };
  let base = 0;
  for (const s of shards) {
    if (s.size < 0) return { kind: 'absent', reason: `weight shard ${path.basename(s.f)} is missing` };
    if (offset >= base && offset + length <= base + s.size) return { kind: 'file', path: s.f, offset: offset - base, length };
    if (offset < base + s.size && offset + length > base + s.size) return { kind: 'absent', reason: 'tensor spans two weight shards' };
    base += s.size;
  }
  return { kind: 'absent', reason: 'weight lies beyond the end of its shards' };
}
