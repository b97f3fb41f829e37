// Locates the weights of a tfjs layers-model in its binary shards without reading them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { ModelError } from '../../errors';
import { printable, requireRegularFile, resolveInModelFolder, staysInFolder } from '../modelFiles';
import type { DType } from '../../ir/dtype';
import type { TensorSource } from '../../ir/tensor';
import type { WeightLocator } from './build';
import { isObject } from './json';
import { table } from '../../tables';

/**
 * Shard bytes not on disk yet, by absolute path: the shards an applied optimization wrote into the
 * (unsaved) model.json's manifest. They are read from here instead of the folder.
 */
export type ShardOverlay = ReadonlyMap<string, Uint8Array>;

interface Shard {
  f: string;
  size: number;
  /** Unsaved shard (overlay). */
  bytes?: Uint8Array;
  /** The file's bytes once a writer read them (each shard is read once, however many entries it holds). */
  loaded?: Uint8Array;
}

/** One weightsManifest group: its shard files, concatenated in order, hold its weights back to back. */
export interface TfjsGroup {
  paths: string[];
  shards: Shard[];
}

/** One manifest weight, where its bytes are within the group, and the manifest's own JSON for it. */
export interface TfjsEntry {
  /** As matched to layer weights: without a trailing `:0`. */
  name: string;
  dims: number[];
  dtype: DType;
  group: number;
  /** Byte range within the group's concatenated shards. */
  offset: number;
  length: number;
  source: TensorSource;
  /** The entry as the manifest writes it (name, shape, dtype, quantization), kept verbatim when copied. */
  spec: Record<string, unknown>;
}

export interface TfjsManifest {
  groups: TfjsGroup[];
  entries: TfjsEntry[];
  missingShard?: string;
}

const BYTES: Record<string, number> = table({ float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1, int8: 1, bool: 1 });

const SPANS = 'tensor spans two weight shards';

/**
 * Parses a weightsManifest: every entry with its byte range; shard files are stat'ed, not read. The
 * converter cuts shards every 4 MB whatever the tensors, so a tensor often spans two: it has no single
 * file range and is absent for analysis, or read into memory with `readSpanning` (writers need it).
 */
export function tfjsManifest(manifest: unknown, dir: string, overlay?: ShardOverlay, readSpanning = false): TfjsManifest {
  const groups: TfjsGroup[] = [];
  const entries: TfjsEntry[] = [];
  let missingShard: string | undefined;
  if (!Array.isArray(manifest)) return { groups, entries };
  for (const g of manifest) {
    if (!isObject(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) continue;
    if (!g.paths.every((p) => typeof p === 'string')) throw new ModelError('weightsManifest: shard paths must be strings');
    const shards = (g.paths as string[]).map((p): Shard => {
      // A model file names only files in its own folder (formats/modelFiles.ts): an absolute path, a
      // `..` escape or a link leaving the folder is refused, never opened.
      if (!staysInFolder(dir, p)) throw new ModelError(`weightsManifest: shard ${resolveWhy(dir, p)}`, 'io');
      const f = path.resolve(dir, p.replace(/\\/g, '/'));
      const bytes = overlay?.get(f);
      if (bytes) return { f, size: bytes.length, bytes };
      const r = resolveInModelFolder(dir, p);
      if (r.ok) return { f: r.file, size: r.size };
      if (!r.missing) throw new ModelError(`weightsManifest: shard ${r.why}`, 'io');
      missingShard ??= printable(String(p));
      return { f, size: -1 };
    });
    const group = groups.length;
    groups.push({ paths: g.paths as string[], shards });
    let offset = 0;
    for (const w of g.weights) {
      if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape)) continue;
      const wname = w.name;
      const bad = (why: string) => new ModelError(`weightsManifest: weight "${printable(wname, 100)}" ${why}`);
      if (!w.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw bad('has a shape that is not a list of non-negative integers');
      const dims = w.shape as number[];
      const q = isObject(w.quantization) ? w.quantization : undefined;
      const stored = q?.dtype ?? w.dtype ?? 'float32';
      if (typeof stored !== 'string' || !(stored in BYTES)) throw bad(`has an unknown dtype ${JSON.stringify(stored)?.slice(0, 40)}`);
      const length = dims.reduce((a, b) => a * b, 1) * BYTES[stored];
      if (!Number.isSafeInteger(length)) throw bad('is too large');
      entries.push({ name: wname.replace(/:\d+$/, ''), dims, dtype: q ? 'float32' : (stored as DType), group, offset, length, source: place(shards, offset, length, q !== undefined), spec: w });
      offset += length;
    }
  }
  const parsed = { groups, entries, missingShard };
  if (readSpanning) for (const e of entries) if (e.source.kind === 'absent' && e.source.reason === SPANS) e.source = { kind: 'inline', bytes: readEntryBytes(parsed, e) };
  return parsed;
}

/**
 * Shards of a group are one concatenated buffer; a tensor is a file range when it lies inside one
 * shard file. Names are matched to the layers' weights by their trailing `layer/.../weight` path.
 * `matched` records which entry each layer weight (IR name) took, for writers that rebuild the manifest.
 */
export function tfjsLocator(manifest: unknown, dir: string, warnings: string[], overlay?: ShardOverlay, readSpanning = false): { locate: WeightLocator; absentReason: string; manifest: TfjsManifest; matched: Map<string, TfjsEntry> } {
  const parsed = tfjsManifest(manifest, dir, overlay, readSpanning);
  const { entries, missingShard } = parsed;
  if (missingShard) warnings.push(`weight shard "${missingShard}" not found next to the model.json; weights are absent`);
  const used = new Set<TfjsEntry>();
  const matched = new Map<string, TfjsEntry>();
  const locate: WeightLocator = (name, dims) => {
    const cand = entries.filter((e) => !used.has(e) && (e.name === name || e.name.endsWith(`/${name}`) || name.endsWith(`/${e.name}`)) && sameDims(e.dims, dims));
    const e = cand[0] ?? entries.find((x) => !used.has(x) && lastTwo(x.name) === lastTwo(name) && sameDims(x.dims, dims));
    if (!e) return { source: { kind: 'absent', reason: `weight ${name} not found in the weightsManifest` } };
    used.add(e);
    matched.set(name, e);
    return { source: e.source, dtype: e.dtype };
  };
  return { locate, absentReason: 'not in the weightsManifest', manifest: parsed, matched };
}

/** The stored bytes of an entry (quantized ones as stored), read across shard boundaries if need be. */
export function readEntryBytes(m: TfjsManifest, e: TfjsEntry): Uint8Array {
  const out = new Uint8Array(e.length);
  let base = 0;
  let done = 0;
  for (const s of m.groups[e.group].shards) {
    if (done === e.length) break;
    if (s.size < 0) throw new ModelError(`weight shard ${path.basename(s.f)} is missing`, 'io');
    const from = Math.max(e.offset + done, base);
    const to = Math.min(e.offset + e.length, base + s.size);
    if (from < to) {
      s.loaded ??= s.bytes ?? readShard(s.f, s.size);
      out.set(s.loaded.subarray(from - base, to - base), from - e.offset);
      done += to - from;
    }
    base += s.size;
  }
  if (done !== e.length) throw new ModelError(`weight ${e.name} lies beyond the end of its shards`, 'io');
  return out;
}

function resolveWhy(dir: string, p: string): string {
  const r = resolveInModelFolder(dir, p);
  return r.ok ? `"${printable(p)}" points outside the model's folder` : r.why;
}

function readShard(f: string, size: number): Uint8Array {
  requireRegularFile(f);
  const all = readFileSync(f);
  if (all.length !== size) throw new ModelError(`weight shard ${path.basename(f)} changed while it was read (${size} → ${all.length} bytes)`, 'io');
  return all;
}

/**
 * Absolute paths of the shard files a model.json text's weightsManifest names, in order; [] for text
 * that is no tfjs model (or does not parse). What a save must find on disk for the model to load.
 */
export function manifestShardPaths(text: string, file: string): string[] {
  const v = parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  const m = isObject(v) ? v.weightsManifest : undefined;
  if (!Array.isArray(m)) return [];
  const dir = path.dirname(path.resolve(file));
  // Paths that would leave the folder are no file a save needs (the reader refuses them).
  return m.flatMap((g) => (isObject(g) && Array.isArray(g.paths) ? g.paths.filter((p): p is string => typeof p === 'string' && staysInFolder(dir, p)).map((p) => path.resolve(dir, p.replace(/\\/g, '/'))) : []));
}

function lastTwo(n: string): string {
  return n.split('/').slice(-2).join('/');
}

function sameDims(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function place(shards: Shard[], offset: number, length: number, quantized: boolean): TensorSource {
  if (quantized) return { kind: 'absent', reason: 'quantized tfjs weight (dequantized on load)' };
  let base = 0;
  for (const s of shards) {
    if (s.size < 0) return { kind: 'absent', reason: `weight shard ${path.basename(s.f)} is missing` };
    if (offset >= base && offset + length <= base + s.size) {
      const at = offset - base;
      return s.bytes ? { kind: 'inline', bytes: s.bytes.subarray(at, at + length) } : { kind: 'file', path: s.f, offset: at, length };
    }
    if (offset < base + s.size && offset + length > base + s.size) return { kind: 'absent', reason: SPANS };
    base += s.size;
  }
  return { kind: 'absent', reason: 'weight lies beyond the end of its shards' };
}
