import path from 'node:path';
import { ModelError } from '../../errors';
import { printable, requireInModelFolder, requireRegularFile } from '../modelFiles';
import { kvNumber, readGgufHeader, type GgufHeader, type GgufReadOptions, type GgufTensorInfo, type GgufValue } from './header';

/**
 * A GGUF model as a whole: one file, or the shards of a split (`gguf-split`, llama.cpp's
 * `<prefix>-00001-of-00003.gguf`). Opening any shard opens them all: the first holds the model's
 * metadata, each holds its own tensors, and `split.no` / `split.count` / `split.tensors.count` say how
 * they fit. Shard files are named from the opened file's name and resolved inside its folder only.
 */
export interface GgufModel {
  /** The shards in order (one entry for an unsplit file). */
  readonly shards: readonly GgufHeader[];
  /** Metadata of the first shard: the model's. */
  readonly kv: ReadonlyMap<string, GgufValue>;
  /** Every tensor of every shard, by name. */
  readonly tensors: ReadonlyMap<string, GgufTensorInfo>;
  readonly version: number;
}

const SHARD = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;
const MAX_SHARDS = 4096;

export function shardName(prefix: string, index1: number, count: number): string {
  return `${prefix}-${String(index1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.gguf`;
}

export function openGguf(file: string, o: GgufReadOptions = {}): GgufModel {
  requireRegularFile(file);
  const first = readGgufHeader(file, o);
  const count = kvNumber(first.kv, 'split.count') ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) throw new ModelError(`invalid GGUF metadata: split.count is ${count}`);
  if (count === 1) return assemble([first]);

  const base = path.basename(file);
  const m = SHARD.exec(base);
  if (!m) throw new ModelError(`this file is one of ${count} shards of a split model, but its name does not end in -0000N-of-${String(count).padStart(5, '0')}.gguf, so the other shards cannot be found`);
  if (Number(m[3]) !== count) throw new ModelError(`the file name says ${Number(m[3])} shards but its metadata says split.count = ${count}`);
  const dir = path.dirname(file);
  const mine = Number(m[2]);
  const shards: GgufHeader[] = [];
  for (let i = 1; i <= count; i++) {
    const name = shardName(m[1], i, count);
    const h = i === mine ? first : readGgufHeader(requireInModelFolder(dir, name, `shard ${i} of ${count}`).file, o);
    const no = kvNumber(h.kv, 'split.no');
    const cnt = kvNumber(h.kv, 'split.count');
    if (no !== i - 1 || cnt !== count) throw new ModelError(`shard "${printable(name)}" says it is split ${no === undefined ? '?' : no + 1} of ${cnt ?? '?'}, expected ${i} of ${count}`);
    shards.push(h);
  }
  const model = assemble(shards);
  const declared = kvNumber(shards[0].kv, 'split.tensors.count');
  if (declared !== undefined && declared !== model.tensors.size) {
    throw new ModelError(`the split model declares ${declared} tensors (split.tensors.count) but its ${count} shards hold ${model.tensors.size}`);
  }
  return model;
}

function assemble(shards: GgufHeader[]): GgufModel {
  const tensors = new Map<string, GgufTensorInfo>();
  for (const s of shards) {
    for (const t of s.tensors) {
      if (tensors.has(t.name)) throw new ModelError(`tensor "${printable(t.name)}" is in two shards (${path.basename(tensors.get(t.name)!.file)} and ${path.basename(s.file)})`);
      tensors.set(t.name, t);
    }
  }
  return { shards, kv: shards[0].kv, tensors, version: shards[0].version };
}
