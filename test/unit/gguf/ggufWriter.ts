// A small GGUF writer for tests and the benchmark (spec: ggml docs/gguf.md). It writes the header
// byte by byte as the spec lays it out and leaves the tensor data as a hole (a sparse file): the reader
// under test must locate tensor data, never read it. `Bytes` is also used directly to craft hostile
// headers field by field.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

export type ValueType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'bool' | 'string' | 'array' | 'uint64' | 'int64' | 'float64';
export const VALUE_TYPE_ID: Record<ValueType, number> = { uint8: 0, int8: 1, uint16: 2, int16: 3, uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9, uint64: 10, int64: 11, float64: 12 };

/** ggml type ids (ggml.h `enum ggml_type`) with their block layouts from ggml-common.h, for writing. */
export const GGML: Record<string, { id: number; block: number; bytes: number }> = {
  F32: { id: 0, block: 1, bytes: 4 }, F16: { id: 1, block: 1, bytes: 2 }, Q4_0: { id: 2, block: 32, bytes: 18 }, Q4_1: { id: 3, block: 32, bytes: 20 },
  Q5_0: { id: 6, block: 32, bytes: 22 }, Q5_1: { id: 7, block: 32, bytes: 24 }, Q8_0: { id: 8, block: 32, bytes: 34 }, Q8_1: { id: 9, block: 32, bytes: 36 },
  Q2_K: { id: 10, block: 256, bytes: 84 }, Q3_K: { id: 11, block: 256, bytes: 110 }, Q4_K: { id: 12, block: 256, bytes: 144 }, Q5_K: { id: 13, block: 256, bytes: 176 },
  Q6_K: { id: 14, block: 256, bytes: 210 }, Q8_K: { id: 15, block: 256, bytes: 292 }, IQ2_XXS: { id: 16, block: 256, bytes: 66 }, IQ2_XS: { id: 17, block: 256, bytes: 74 },
  IQ3_XXS: { id: 18, block: 256, bytes: 98 }, IQ1_S: { id: 19, block: 256, bytes: 50 }, IQ4_NL: { id: 20, block: 32, bytes: 18 }, IQ3_S: { id: 21, block: 256, bytes: 110 },
  IQ2_S: { id: 22, block: 256, bytes: 82 }, IQ4_XS: { id: 23, block: 256, bytes: 136 }, I8: { id: 24, block: 1, bytes: 1 }, I16: { id: 25, block: 1, bytes: 2 },
  I32: { id: 26, block: 1, bytes: 4 }, I64: { id: 27, block: 1, bytes: 8 }, F64: { id: 28, block: 1, bytes: 8 }, IQ1_M: { id: 29, block: 256, bytes: 56 },
  BF16: { id: 30, block: 1, bytes: 2 }, TQ1_0: { id: 34, block: 256, bytes: 54 }, TQ2_0: { id: 35, block: 256, bytes: 66 }, MXFP4: { id: 39, block: 32, bytes: 17 },
};

export class Bytes {
  private chunks: Buffer[] = [];
  length = 0;
  private push(b: Buffer): this {
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }
  raw(b: Uint8Array): this {
    return this.push(Buffer.from(b));
  }
  u8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeUInt8(v);
    return this.push(b);
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.push(b);
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.push(b);
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return this.push(b);
  }
  f32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    return this.push(b);
  }
  f64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return this.push(b);
  }
  u64(v: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return this.push(b);
  }
  i64(v: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(v));
    return this.push(b);
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.u64(b.length).push(b);
  }
  pad(align: number): this {
    const n = (align - (this.length % align)) % align;
    return n ? this.push(Buffer.alloc(n)) : this;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export type Kv =
  | { key: string; type: Exclude<ValueType, 'array'>; value: number | bigint | boolean | string }
  | { key: string; type: 'array'; elementType: Exclude<ValueType, 'array'>; values: (number | bigint | boolean | string)[] }
  /** A large array written without building the values in memory (tokenizer vocabularies). */
  | { key: string; type: 'array'; elementType: Exclude<ValueType, 'array'>; count: number; gen: (i: number) => number | bigint | boolean | string };

export interface TensorIn {
  name: string;
  /** ggml order: ne[0] is the row. */
  ne: number[];
  type: string;
}

export function scalar(b: Bytes, t: Exclude<ValueType, 'array'>, v: number | bigint | boolean | string): void {
  switch (t) {
    case 'uint8': b.u8(Number(v)); break;
    case 'int8': b.raw(Int8Array.of(Number(v)) as unknown as Uint8Array); break;
    case 'uint16': b.u16(Number(v)); break;
    case 'int16': { const x = Buffer.alloc(2); x.writeInt16LE(Number(v)); b.raw(x); break; }
    case 'uint32': b.u32(Number(v)); break;
    case 'int32': b.i32(Number(v)); break;
    case 'float32': b.f32(Number(v)); break;
    case 'float64': b.f64(Number(v)); break;
    case 'bool': b.u8(v ? 1 : 0); break;
    case 'uint64': b.u64(typeof v === 'bigint' ? v : Number(v)); break;
    case 'int64': b.i64(typeof v === 'bigint' ? v : Number(v)); break;
    case 'string': b.str(String(v)); break;
  }
}

/** One key/value pair as the spec lays it out. */
export function kvEntry(b: Bytes, e: Kv): Bytes {
  b.str(e.key).u32(VALUE_TYPE_ID[e.type]);
  if (e.type !== 'array') scalar(b, e.type, e.value);
  else {
    b.u32(VALUE_TYPE_ID[e.elementType]);
    if ('values' in e) {
      b.u64(e.values.length);
      for (const v of e.values) scalar(b, e.elementType, v);
    } else {
      b.u64(e.count);
      for (let i = 0; i < e.count; i++) scalar(b, e.elementType, e.gen(i));
    }
  }
  return b;
}

export function tensorBytes(t: TensorIn): number {
  const g = GGML[t.type];
  if (!g) throw new Error(`writer: unknown type ${t.type}`);
  const n = t.ne.reduce((a, x) => a * x, 1);
  if (t.ne[0] % g.block) throw new Error(`writer: ${t.name} row ${t.ne[0]} not a multiple of ${g.block}`);
  return (n / g.block) * g.bytes;
}

/** The header bytes (through the padding before the data section) and each tensor's relative offset. */
/** Where each field landed in the header, for tests and the fuzzer that patch one field. */
export interface HeaderFields {
  version: number;
  tensorCount: number;
  kvCount: number;
  kvs: { key: string; at: number; typeAt: number; valueAt: number }[];
  tensors: { name: string; at: number; rankAt: number; neAt: number[]; typeAt: number; offsetAt: number }[];
}

export function ggufHeader(kv: Kv[], tensors: TensorIn[], o: { version?: number; alignment?: number } = {}): { header: Buffer; dataBytes: number; offsets: number[]; fields: HeaderFields } {
  const align = o.alignment ?? 32;
  const b = new Bytes().raw(Buffer.from('GGUF')).u32(o.version ?? 3).u64(tensors.length).u64(kv.length);
  const fields: HeaderFields = { version: 4, tensorCount: 8, kvCount: 16, kvs: [], tensors: [] };
  for (const e of kv) {
    const at = b.length;
    kvEntry(b, e);
    const typeAt = at + 8 + Buffer.byteLength(e.key);
    fields.kvs.push({ key: e.key, at, typeAt, valueAt: typeAt + 4 });
  }
  let off = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const at = b.length;
    b.str(t.name);
    const rankAt = b.length;
    b.u32(t.ne.length);
    const neAt: number[] = [];
    for (const d of t.ne) {
      neAt.push(b.length);
      b.u64(d);
    }
    const typeAt = b.length;
    b.u32(GGML[t.type].id);
    const offsetAt = b.length;
    b.u64(off);
    fields.tensors.push({ name: t.name, at, rankAt, neAt, typeAt, offsetAt });
    offsets.push(off);
    off += Math.ceil(tensorBytes(t) / align) * align;
  }
  b.pad(align);
  return { header: b.toBuffer(), dataBytes: off, offsets, fields };
}

/** Writes a GGUF file whose tensor data is a hole: header bytes, then truncate to the full size. */
export function writeGguf(file: string, kv: Kv[], tensors: TensorIn[], o: { version?: number; alignment?: number } = {}): { size: number; headerBytes: number } {
  const { header, dataBytes } = ggufHeader(kv, tensors, o);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, header);
    ftruncateSync(fd, header.length + dataBytes);
  } finally {
    closeSync(fd);
  }
  return { size: header.length + dataBytes, headerBytes: header.length };
}
