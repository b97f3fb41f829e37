// GGUF cases for the fuzzer: small but real-shaped headers (tiny Llama / Mixtral / GPT-2 / Phi-3 with
// tokenizer arrays, and a two-shard split), then either raw byte damage or one field patched to a
// hostile value (counts of 2^63, strings and arrays of 2^40, nested arrays, offsets past the end or
// misaligned, unknown types, huge dims, `__proto__` names, shards that disagree or are missing).
import { config, gpt2, llamaFamily, phi3, split, type Checkpoint } from '../../test/unit/gguf/checkpoints';
import { ggufHeader, VALUE_TYPE_ID, type TensorIn } from '../../test/unit/gguf/ggufWriter';
import type { FuzzCase, Rng } from './mutate';

const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];
const HUGE = [2n ** 63n, 2n ** 64n - 1n, 2n ** 40n, 2n ** 32n + 1n, 2n ** 53n + 1n, 1n << 31n];

/** A checkpoint shrunk to a fuzzable size (the real names and the real metadata keys). */
function tiny(kind: string): Checkpoint {
  const shrink = (c: Record<string, unknown>) => ({ ...c, hidden_size: 256, intermediate_size: 512, num_hidden_layers: 2, vocab_size: 300, num_attention_heads: 4, num_key_value_heads: 2, n_embd: 256, n_layer: 2, n_head: 4, n_positions: 64, n_ctx: 64 });
  switch (kind) {
    case 'llama':
      return llamaFamily(shrink(config('llama-2-7b')), 'tiny llama', 'Q4_K_M');
    case 'mixtral':
      return llamaFamily(shrink(config('mixtral-8x7b-v0.1')), 'tiny mixtral', 'Q8_0');
    case 'gpt2':
      return gpt2(shrink(config('gpt2')), 'F16');
    default:
      return phi3({ ...shrink(config('phi-3-mini-4k-instruct')), num_key_value_heads: 4 }, 'Q4_K_M');
  }
}

function file(cp: Checkpoint): { bytes: Buffer; fields: ReturnType<typeof ggufHeader>['fields'] } {
  const h = ggufHeader(cp.kv, cp.tensors);
  return { bytes: Buffer.concat([h.header, Buffer.alloc(h.dataBytes)]), fields: h.fields };
}

type Patch = (r: Rng, b: Buffer, f: ReturnType<typeof ggufHeader>['fields'], cp: Checkpoint) => Buffer | void;

const PATCHES: Record<string, Patch> = {
  'tensor-count': (r, b, f) => void b.writeBigUInt64LE(pick(r, HUGE), f.tensorCount),
  'kv-count': (r, b, f) => void b.writeBigUInt64LE(pick(r, HUGE), f.kvCount),
  'version': (r, b, f) => void b.writeUInt32LE(pick(r, [0, 1, 4, 0x03000000, 0xffffffff]), f.version),
  'key-length': (r, b, f) => void b.writeBigUInt64LE(pick(r, HUGE), pick(r, f.kvs).at),
  'value-type': (r, b, f) => void b.writeUInt32LE(pick(r, [9, 13, 99, 0xffffffff, VALUE_TYPE_ID.string, VALUE_TYPE_ID.uint64]), pick(r, f.kvs).typeAt),
  'array-count': (r, b, f) => {
    const arrays = f.kvs.filter((k) => b.readUInt32LE(k.typeAt) === VALUE_TYPE_ID.array);
    if (arrays.length) b.writeBigUInt64LE(pick(r, HUGE), pick(r, arrays).valueAt + 4);
  },
  'nested-array': (_r, b, f) => {
    const arrays = f.kvs.filter((k) => b.readUInt32LE(k.typeAt) === VALUE_TYPE_ID.array);
    if (arrays.length) b.writeUInt32LE(VALUE_TYPE_ID.array, arrays[0].valueAt);
  },
  'string-length': (r, b, f) => {
    const strs = f.kvs.filter((k) => b.readUInt32LE(k.typeAt) === VALUE_TYPE_ID.string);
    if (strs.length) b.writeBigUInt64LE(pick(r, HUGE), pick(r, strs).valueAt);
  },
  'tensor-offset': (r, b, f) => void b.writeBigUInt64LE(pick(r, [...HUGE, 4n, 1n, 31n, 64n]), pick(r, f.tensors).offsetAt),
  'tensor-type': (r, b, f) => void b.writeUInt32LE(pick(r, [4, 31, 36, 43, 99, 0xffffffff, 12, 0]), pick(r, f.tensors).typeAt),
  'tensor-dim': (r, b, f) => {
    const t = pick(r, f.tensors);
    b.writeBigUInt64LE(pick(r, [...HUGE, 0n, 7n, 100n]), pick(r, t.neAt));
  },
  'tensor-rank': (r, b, f) => void b.writeUInt32LE(pick(r, [0, 5, 9, 0xffffffff]), pick(r, f.tensors).rankAt),
  'tensor-name-length': (r, b, f) => void b.writeBigUInt64LE(pick(r, HUGE), pick(r, f.tensors).at),
  'proto-names': (_r, b, f) => {
    // Same-length renames: an architecture and a tensor named after Object.prototype members.
    const k = f.kvs.find((x) => x.key === 'general.architecture');
    if (k) {
      const len = Number(b.readBigUInt64LE(k.valueAt));
      b.write('__proto__'.padEnd(len, '_').slice(0, len), k.valueAt + 8, 'latin1');
    }
    const t = f.tensors[0];
    const n = Number(b.readBigUInt64LE(t.at));
    b.write('constructor'.padEnd(n, '_').slice(0, n), t.at + 8, 'latin1');
  },
};

function raw(r: Rng, b: Buffer, headerEnd: number): { data: Buffer; where: string } {
  const k = int(r, 3);
  if (k === 0) {
    const at = int(r, Math.min(b.length, headerEnd + 64));
    return { data: b.subarray(0, at), where: `truncate@${at}` };
  }
  const c = Buffer.from(b);
  if (k === 1) {
    const n = 1 + int(r, 16);
    for (let i = 0; i < n; i++) c[int(r, headerEnd)] ^= 1 << int(r, 8);
    return { data: c, where: `bitflip×${n}` };
  }
  const p = int(r, headerEnd);
  c.fill(pick(r, [0, 0xff, 0x7f]), p, p + 1 + int(r, 16));
  return { data: c, where: `smash@${p}` };
}

export function mutateGguf(r: Rng, id: number): FuzzCase {
  const kind = pick(r, ['llama', 'mixtral', 'gpt2', 'phi3', 'split'] as const);
  if (kind === 'split') return splitCase(r, id);
  const cp = tiny(kind);
  const { bytes, fields } = file(cp);
  const headerEnd = fields.tensors.length ? fields.tensors[fields.tensors.length - 1].offsetAt + 8 : bytes.length;
  const name = `${kind}.gguf`;
  if (r() < 0.35) {
    const x = raw(r, bytes, headerEnd);
    return { id, label: `gguf ${x.where} ${kind}`, files: [{ name, data: x.data }], main: name };
  }
  const k = pick(r, Object.keys(PATCHES));
  const out = PATCHES[k](r, bytes, fields, cp) ?? bytes;
  return { id, label: `gguf ${k} ${kind}`, files: [{ name, data: out }], main: name };
}

/** Two shards: intact, one missing, one from another split, or shards that disagree on split.no. */
function splitCase(r: Rng, id: number): FuzzCase {
  const parts = split(tiny('llama'), 2);
  const k = pick(r, ['intact', 'missing', 'wrong-no', 'dup-tensor', 'count']);
  if (k === 'wrong-no') parts[1].kv = parts[1].kv.map((e) => (e.key === 'split.no' && e.type === 'uint16' ? { ...e, value: 0 } : e));
  if (k === 'count') parts[1].kv = parts[1].kv.map((e) => (e.key === 'split.count' && e.type === 'uint16' ? { ...e, value: 3 } : e));
  if (k === 'dup-tensor') parts[1].tensors = [parts[0].tensors[0] as TensorIn, ...parts[1].tensors];
  const files = parts.map((p, i) => ({ name: `tiny-0000${i + 1}-of-00002.gguf`, data: file(p).bytes }));
  const kept = k === 'missing' ? files.slice(0, 1) : files;
  const main = kept[int(r, kept.length)].name;
  return { id, label: `gguf split-${k}`, files: kept, main };
}
