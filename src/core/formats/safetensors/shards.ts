import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../../errors';
import type { LazyTensor } from '../../ir/tensor';
import { isPlainObject, parseLimitedJson } from '../jsonLimits';
import { printable, requireInModelFolder, requireRegularFile } from '../modelFiles';
import { readSafetensorsHeader, type SafetensorsHeader } from './header';

/**
 * A sharded checkpoint: `model.safetensors.index.json` maps each tensor to its shard
 * (`{"metadata": {...}, "weight_map": {name: "model-00001-of-00002.safetensors"}}`). Every shard name
 * comes from the file, so each goes through resolveInModelFolder (no `../`, no absolute paths, no
 * links out of the folder). The shards' own headers are the truth; the index is checked against them.
 */

export const MAX_INDEX_BYTES = 64 * 1024 * 1024;
export const MAX_SHARDS = 10_000;

export interface SafetensorsSet {
  /** Files whose headers were read, in order. */
  files: string[];
  tensors: Map<string, LazyTensor>;
  /** The file's own dtype spelling per tensor (F16, BF16, I32 ...). */
  fileDtypes: Map<string, string>;
  /** `__metadata__` of the first shard (format, ...) and the index's `metadata`, flattened to strings. */
  metadata: Record<string, string>;
  warnings: string[];
  headerBytes: number;
}

export function readIndexFile(indexFile: string): { shards: string[]; weightMap: Map<string, string>; metadata: Record<string, string> } {
  const size = requireRegularFile(indexFile);
  const name = path.basename(indexFile);
  if (size > MAX_INDEX_BYTES) throw new ModelError(`${printable(name)} is ${size} bytes (limit ${MAX_INDEX_BYTES})`, 'limit');
  const json = parseLimitedJson(readFileSync(indexFile, 'utf8'), printable(name), 16);
  if (!isPlainObject(json) || !isPlainObject(json.weight_map)) throw new ModelError(`${printable(name)} has no "weight_map" object: not a safetensors index`);
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  const seen = new Set<string>();
  for (const [t, s] of Object.entries(json.weight_map)) {
    if (typeof s !== 'string') throw new ModelError(`${printable(name)}: the shard of tensor "${printable(t)}" is not a file name`);
    weightMap.set(t, s);
    if (!seen.has(s)) {
      seen.add(s);
      shards.push(s);
      if (shards.length > MAX_SHARDS) throw new ModelError(`${printable(name)} names more than ${MAX_SHARDS} shards`, 'limit');
    }
  }
  const metadata: Record<string, string> = isPlainObject(json.metadata)
    ? Object.fromEntries(Object.entries(json.metadata).map(([k, v]) => [`index.${k}`, typeof v === 'string' ? v : JSON.stringify(v)]))
    : {};
  return { shards, weightMap, metadata };
}

/** Reads the shards an index lists (each resolved inside the index's folder) and checks the map. */
export function readIndexedSet(indexFile: string): SafetensorsSet {
  const dir = path.dirname(indexFile);
  const idx = readIndexFile(indexFile);
  const label = printable(path.basename(indexFile));
  const files = idx.shards.map((s) => requireInModelFolder(dir, s, label).file);
  const read = readFiles(files);
  const set: SafetensorsSet = { ...read, metadata: Object.fromEntries([...Object.entries(read.metadata), ...Object.entries(idx.metadata)]) };
  const wrongShard: string[] = [];
  const missing: string[] = [];
  for (const [t, s] of idx.weightMap) {
    const got = set.tensors.get(t);
    if (!got) missing.push(t);
    else if (got.source.kind === 'file' && path.resolve(dir, s) !== got.source.path) wrongShard.push(t);
  }
  if (missing.length) set.warnings.push(`${label} lists ${missing.length} tensor(s) that no shard holds: ${names(missing)}`);
  if (wrongShard.length) set.warnings.push(`${label} puts ${wrongShard.length} tensor(s) in another shard than the one holding them: ${names(wrongShard)}`);
  const unlisted = [...set.tensors.keys()].filter((t) => !idx.weightMap.has(t));
  if (unlisted.length) set.warnings.push(`${unlisted.length} tensor(s) in the shards are not in ${label}: ${names(unlisted)}`);
  return set;
}

/** Reads the headers of the given safetensors files into one tensor map; a name in two files is an error. */
export function readFiles(files: string[]): SafetensorsSet {
  const tensors = new Map<string, LazyTensor>();
  const fileDtypes = new Map<string, string>();
  let metadata: Record<string, string> = {};
  let headerBytes = 0;
  files.forEach((f, i) => {
    const h: SafetensorsHeader = readSafetensorsHeader(f, `safetensors file ${printable(path.basename(f))}`);
    headerBytes += h.headerBytes;
    if (i === 0) metadata = Object.fromEntries(Object.entries(h.metadata));
    for (const e of h.tensors) {
      if (tensors.has(e.tensor.name)) throw new ModelError(`tensor "${printable(e.tensor.name)}" is stored in two shards (${printable(path.basename(f))} and another)`);
      tensors.set(e.tensor.name, e.tensor);
      fileDtypes.set(e.tensor.name, e.fileDtype);
    }
  });
  return { files, tensors, fileDtypes, metadata, warnings: [], headerBytes };
}

/** Shards named `<stem>-00001-of-00004.safetensors`: the whole numbered set beside the one opened. */
export function numberedSiblings(file: string): string[] | undefined {
  const base = path.basename(file);
  const m = /^(.*)-(\d+)-of-(\d+)\.safetensors$/.exec(base);
  if (!m) return undefined;
  const total = Number(m[3]);
  if (!(total >= 1 && total <= MAX_SHARDS)) return undefined;
  const dir = path.dirname(file);
  const width = m[2].length;
  const out: string[] = [];
  for (let k = 1; k <= total; k++) {
    const ref = `${m[1]}-${String(k).padStart(width, '0')}-of-${m[3]}.safetensors`;
    out.push(requireInModelFolder(dir, ref, `shard ${k} of ${total} of ${printable(base)}`).file);
  }
  return out;
}

/** `*.safetensors` files directly in a folder, sorted by name (links out of the folder refused). */
export function safetensorsInFolder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.safetensors')).sort();
  } catch (e) {
    throw new ModelError(`cannot list the model folder (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'io');
  }
  if (names.length > MAX_SHARDS) throw new ModelError(`the folder holds more than ${MAX_SHARDS} safetensors files`, 'limit');
  return names.map((n) => requireInModelFolder(dir, n, 'safetensors file').file);
}

function names(list: string[], max = 8): string {
  const shown = list.slice(0, max).map((n) => `"${printable(n, 80)}"`).join(', ');
  return list.length > max ? `${shown} and ${list.length - max} more` : shown;
}
