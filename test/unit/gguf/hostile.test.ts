// Hostile and malformed GGUF headers: each one a one-line ModelError, never a crash, a hang or an
// allocation sized by the file. The headers are crafted field by field with the test writer's Bytes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isModelError } from '../../../src/core/errors';
import { openGguf, readGgufAsHf, readGgufHeader } from '../../../src/core/formats/gguf';
import { Bytes, ggufHeader, kvEntry, VALUE_TYPE_ID, writeGguf, type Kv, type TensorIn } from './ggufWriter';

const dir = mkdtempSync(path.join(os.tmpdir(), 'modellens-gguf-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(b: Bytes | Buffer, name = `h${n++}.gguf`): string {
  const f = path.join(dir, name);
  writeFileSync(f, b instanceof Bytes ? b.toBuffer() : b);
  return f;
}
const head = (tensors: number | bigint, kvs: number | bigint, version = 3) => new Bytes().raw(Buffer.from('GGUF')).u32(version).u64(tensors).u64(kvs);
const ARCH: Kv = { key: 'general.architecture', type: 'string', value: 'llama' };
const DIMS: Kv[] = [{ key: 'llama.block_count', type: 'uint32', value: 1 }, { key: 'llama.embedding_length', type: 'uint32', value: 64 }];

function rejects(f: string, re: RegExp): string {
  let msg = '';
  assert.throws(
    () => readGgufAsHf(f),
    (e: unknown) => {
      msg = (e as Error).message;
      return isModelError(e) && re.test(msg) && !msg.includes('\n') && msg.length < 400;
    },
  );
  return msg;
}

describe('GGUF: hostile headers', function () {
  this.timeout(60_000);

  it('tensor count and key/value count of 2^63', () => {
    rejects(file(head(2n ** 63n, 0)), /tensor count .* is 9223372036854775808, more than/);
    rejects(file(head(0, 2n ** 63n)), /key\/value count .* is 9223372036854775808/);
    rejects(file(head(2n ** 64n - 1n, 2n ** 64n - 1n)), /tensor count/);
  });

  it('a string length of 2^40 (key and value)', () => {
    rejects(file(head(0, 1).u64(2n ** 40n).raw(Buffer.alloc(64))), /key 0 .* is 1099511627776 bytes long/);
    rejects(file(head(0, 1).str('general.name').u32(VALUE_TYPE_ID.string).u64(2n ** 40n).raw(Buffer.alloc(64))), /general\.name.* 1099511627776 bytes long but only 64 bytes are left/);
  });

  it('an array of 2^40 elements (numbers and strings)', () => {
    rejects(file(head(0, 1).str('tokenizer.ggml.scores').u32(VALUE_TYPE_ID.array).u32(VALUE_TYPE_ID.float32).u64(2n ** 40n)), /element count of array "tokenizer\.ggml\.scores" .* is 1099511627776/);
    rejects(file(head(0, 1).str('tokenizer.ggml.tokens').u32(VALUE_TYPE_ID.array).u32(VALUE_TYPE_ID.string).u64(2n ** 40n).raw(Buffer.alloc(4096))), /1099511627776, more than the 4096 bytes/);
    // Plausible count, lengths inside it lie.
    rejects(file(head(0, 1).str('tokenizer.ggml.tokens').u32(VALUE_TYPE_ID.array).u32(VALUE_TYPE_ID.string).u64(3).str('a').u64(2n ** 40n).raw(Buffer.alloc(32))), /tokenizer\.ggml\.tokens\[1\].*1099511627776 bytes long/);
  });

  it('nested arrays and unknown value types', () => {
    rejects(file(head(0, 1).str('a.b').u32(VALUE_TYPE_ID.array).u32(VALUE_TYPE_ID.array).u64(1).u32(VALUE_TYPE_ID.uint8).u64(1).u8(1)), /"a\.b" is an array of arrays/);
    rejects(file(head(0, 1).str('a.b').u32(13).u64(0)), /unknown value type 13/);
    rejects(file(head(0, 1).str('a.b').u32(VALUE_TYPE_ID.array).u32(0xffffffff).u64(0)), /unknown element type 4294967295/);
    rejects(file(head(0, 1).str('a.b').u32(VALUE_TYPE_ID.bool).u8(7)), /bool with value 7/);
  });

  const T: TensorIn = { name: 'token_embd.weight', ne: [64, 32], type: 'F32' };
  function withTensor(rel: bigint, o: { size?: number; alignment?: number; type?: number; ne?: bigint[] } = {}): string {
    const kv = o.alignment ? [ARCH, ...DIMS, { key: 'general.alignment', type: 'uint32', value: o.alignment } as Kv] : [ARCH, ...DIMS];
    const b = head(1, kv.length);
    for (const e of kv) kvEntry(b, e);
    const ne = o.ne ?? T.ne.map(BigInt);
    b.str(T.name).u32(ne.length);
    for (const d of ne) b.u64(d);
    b.u32(o.type ?? 0).u64(rel).pad(o.alignment ?? 32);
    const body = b.toBuffer();
    return file(Buffer.concat([body, Buffer.alloc(o.size ?? 64 * 32 * 4)]));
  }

  it('tensor data past the end of the file, misaligned offsets, bad alignment', () => {
    assert.equal(openGguf(withTensor(0n)).tensors.size, 1); // the well-formed baseline
    rejects(withTensor(0n, { size: 100 }), /"token_embd\.weight" \(8192 bytes at offset \d+\) runs past the end of the file/);
    rejects(withTensor(2n ** 62n), /runs past the end of the file/);
    rejects(withTensor(2n ** 64n - 32n), /runs past the end of the file/);
    rejects(withTensor(4n), /data offset 4, not a multiple of the alignment 32/);
    rejects(withTensor(0n, { alignment: 48 }), /general\.alignment is 48, not a power of two/);
  });

  it('dimensions and types: huge dims, element overflow, rows not whole blocks, removed and unknown types', () => {
    rejects(withTensor(0n, { ne: [2n ** 63n] }), /dimension 9223372036854775808, too large/);
    rejects(withTensor(0n, { ne: [2n ** 30n, 2n ** 30n, 2n ** 30n] }), /elements, too many/);
    rejects(withTensor(0n, { type: 12, ne: [100n, 2n] }), /rows of 100 elements, not a whole number of Q4_K blocks of 256/);
    rejects(withTensor(0n, { type: 31 }), /ggml type 31 \(Q4_0_4_4\), which was removed from GGUF files/);
    rejects(withTensor(0n, { type: 999 }), /unknown ggml type 999/);
  });

  it('overlapping tensors and duplicate names / keys', () => {
    const kv = [ARCH];
    const { header } = ggufHeader(kv, [T, { ...T, name: 'output.weight' }]);
    // Point the second tensor's offset at the first one's data.
    const at = header.lastIndexOf(Buffer.from('output.weight')) + 'output.weight'.length + 4 + 16 + 4;
    header.writeBigUInt64LE(0n, at);
    rejects(file(Buffer.concat([header, Buffer.alloc(2 * 8192)])), /tensors "token_embd\.weight" and "output\.weight" overlap/);
    const dup = ggufHeader(kv, [T, T]);
    rejects(file(Buffer.concat([dup.header, Buffer.alloc(dup.dataBytes)])), /tensor "token_embd\.weight" appears twice/);
    rejects(file(head(0, 2).str('a').u32(VALUE_TYPE_ID.uint8).u8(1).str('a').u32(VALUE_TYPE_ID.uint8).u8(1)), /key "a" appears twice/);
  });

  it('__proto__ and constructor as keys, tensor names and architecture: plain data, no pollution', () => {
    const kv: Kv[] = [
      { key: 'general.architecture', type: 'string', value: '__proto__' },
      { key: '__proto__', type: 'string', value: 'polluted' },
      { key: 'constructor', type: 'uint32', value: 7 },
      { key: '__proto__.block_count', type: 'uint32', value: 2 },
      { key: '__proto__.embedding_length', type: 'uint32', value: 64 },
    ];
    const f = path.join(dir, 'proto.gguf');
    writeGguf(f, kv, [{ name: '__proto__', ne: [64], type: 'F32' }, { name: 'constructor', ne: [64], type: 'F32' }]);
    const { gguf, hf } = readGgufAsHf(f);
    assert.equal(gguf.kv.get('__proto__')?.type, 'string');
    assert.ok(gguf.tensors.has('__proto__') && gguf.tensors.has('constructor'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
    assert.match(hf.warnings.join(' '), /architecture "__proto__" has no family entry/);
    assert.deepEqual(hf.tensors.map((t) => t.name), ['__proto__', 'constructor']);
    // A known architecture with a tensor named like an Object.prototype member: unmapped, not a crash.
    const g = path.join(dir, 'proto2.gguf');
    writeGguf(g, [ARCH, { key: 'llama.block_count', type: 'uint32', value: 1 }, { key: 'llama.embedding_length', type: 'uint32', value: 64 }], [{ name: 'blk.0.constructor.weight', ne: [64], type: 'F32' }, { name: 'hasOwnProperty', ne: [64], type: 'F32' }]);
    assert.deepEqual(readGgufAsHf(g).hf.unmapped, ['blk.0.constructor.weight', 'hasOwnProperty']);
  });

  it('an unknown architecture without llama-style keys, and a LoRA adapter: tensors under GGUF names, a warning', () => {
    const f = path.join(dir, 'mmproj.gguf');
    writeGguf(f, [{ key: 'general.architecture', type: 'string', value: 'clip' }, { key: 'clip.vision.block_count', type: 'uint32', value: 1 }], [{ name: 'v.blk.0.attn_q.weight', ne: [64, 64], type: 'F16' }]);
    const a = readGgufAsHf(f).hf;
    assert.equal(a.config.model_type, 'clip');
    assert.deepEqual(a.tensors.map((t) => t.name), ['v.blk.0.attn_q.weight']);
    const g = path.join(dir, 'lora.gguf');
    writeGguf(g, [ARCH, ...DIMS, { key: 'general.type', type: 'string', value: 'adapter' }, { key: 'adapter.type', type: 'string', value: 'lora' }], [{ name: 'blk.0.attn_q.weight.lora_a', ne: [64, 16], type: 'F32' }]);
    const b = readGgufAsHf(g).hf;
    assert.equal(b.config.model_type, 'llama-adapter');
    assert.match(b.warnings[0], /of type "adapter", not a model/);
  });

  it('big-endian, version 1 and future versions are refused saying why', () => {
    const be = Buffer.concat([Buffer.from('GGUF'), Buffer.from([0, 0, 0, 3]), Buffer.alloc(16)]);
    rejects(file(be), /big-endian GGUF files are not supported \(version 3 written big-endian\)/);
    rejects(file(head(0, 0, 1)), /GGUF version 1 .* not supported/);
    rejects(file(head(0, 0, 4)), /GGUF version 4 is not supported/);
    rejects(file(Buffer.from('GGUG\x03\0\0\0')), /not a GGUF file/);
  });

  it('every truncation of a real header is a one-line error', () => {
    const kv: Kv[] = [ARCH, { key: 'llama.block_count', type: 'uint32', value: 1 }, { key: 'tokenizer.ggml.tokens', type: 'array', elementType: 'string', values: ['a', 'bb', 'ccc'] }];
    const { header } = ggufHeader(kv, [T, { ...T, name: 'output.weight' }]);
    for (let i = 0; i < header.length - 1; i++) {
      const f = file(header.subarray(0, i), 'trunc.gguf');
      assert.throws(() => readGgufHeader(f), (e: unknown) => isModelError(e) && !(e as Error).message.includes('\n'), `cut at ${i}`);
    }
  });

  it('a shard that is a link out of the folder, a missing shard, shards that disagree', () => {
    const sub = path.join(dir, 'split');
    const outside = path.join(dir, 'outside');
    mkdirSync(sub);
    mkdirSync(outside);
    const shard = (i: number, count = 2, no = i) => {
      const kv: Kv[] = [{ key: 'split.no', type: 'uint16', value: no }, { key: 'split.count', type: 'uint16', value: count }];
      return i === 0 ? [ARCH, { key: 'llama.block_count', type: 'uint32', value: 1 } as Kv, { key: 'llama.embedding_length', type: 'uint32', value: 64 } as Kv, ...kv] : kv;
    };
    const first = path.join(sub, 'm-00001-of-00002.gguf');
    writeGguf(first, shard(0), [T]);
    rejects(first, /shard 2 of 2: file "m-00002-of-00002\.gguf" is missing/);
    writeGguf(path.join(outside, 'm-00002-of-00002.gguf'), shard(1), [{ ...T, name: 'output.weight' }]);
    symlinkSync(path.join(outside, 'm-00002-of-00002.gguf'), path.join(sub, 'm-00002-of-00002.gguf'));
    rejects(first, /"m-00002-of-00002\.gguf" is a link to a file outside the model's folder/);
    rmSync(path.join(sub, 'm-00002-of-00002.gguf'));
    writeGguf(path.join(sub, 'm-00002-of-00002.gguf'), shard(1, 2, 0), [{ ...T, name: 'output.weight' }]);
    rejects(first, /says it is split 1 of 2, expected 2 of 2/);
    writeGguf(path.join(sub, 'm-00002-of-00002.gguf'), shard(1), [T]);
    rejects(first, /tensor "token_embd\.weight" is in two shards/);
    const renamed = path.join(sub, 'renamed.gguf');
    writeGguf(renamed, shard(0), [T]);
    rejects(renamed, /one of 2 shards of a split model, but its name does not end in -0000N-of-00002\.gguf/);
  });

  it('the reader touches the header only: no byte of the tensor data is read', () => {
    const kv: Kv[] = [ARCH, { key: 'llama.block_count', type: 'uint32', value: 1 }, { key: 'tokenizer.ggml.tokens', type: 'array', elementType: 'string', count: 100_000, gen: (i) => `t${i}` }];
    const f = path.join(dir, 'lazy.gguf');
    const big: TensorIn = { name: 'token_embd.weight', ne: [4096, 100_000], type: 'Q4_K' };
    const w = writeGguf(f, kv, [big]);
    const ranges: [number, number][] = [];
    const h = readGgufHeader(f, { onRead: (o, l) => ranges.push([o, l]) });
    const read = ranges.reduce((s, [, l]) => s + l, 0);
    assert.ok(ranges.every(([o]) => o < h.dataStart), 'a read started in the data section');
    assert.ok(read < w.headerBytes + (64 << 10), `${read} bytes read for a ${w.headerBytes}-byte header`);
    assert.equal(h.tensors[0].bytes, (4096 * 100_000 * 4.5) / 8);
  });
});
