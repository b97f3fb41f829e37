import { ModelError } from '../../errors';
import { printable } from '../modelFiles';
import { FileWindow } from '../onnx/fileWindow';
import { Cursor } from './cursor';
import { ggmlBytes, ggmlType, ggmlTypeProblem, type GgmlType } from './ggmlTypes';

/**
 * One GGUF file's header (spec: ggml docs/gguf.md, v2/v3): magic, version, tensor and key/value counts,
 * the key/values, the tensor infos, then padding to `general.alignment` and the tensor data, which is
 * located here and never read. Little-endian only; v1 (32-bit counts, 2023) and big-endian files are
 * refused with a message saying so.
 */

export const GGUF_MAGIC = Buffer.from('GGUF', 'latin1');

/** Value type ids of the spec, by id. */
const VALUE_TYPES = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'bool', 'string', 'array', 'uint64', 'int64', 'float64'] as const;
export type GgufValueType = (typeof VALUE_TYPES)[number];
const FIXED_BYTES: Partial<Record<GgufValueType, number>> = { uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, bool: 1, uint64: 8, int64: 8, float64: 8 };

/** 64-bit integers that do not fit a double exactly stay bigint. */
export type GgufScalar = number | bigint | boolean | string;

export type GgufValue =
  | { readonly type: Exclude<GgufValueType, 'array'>; readonly value: GgufScalar }
  /** `values` only when the array is small; the tokenizer's vocabulary and merges are counted, not kept. */
  | { readonly type: 'array'; readonly elementType: Exclude<GgufValueType, 'array'>; readonly count: number; readonly values?: readonly GgufScalar[] };

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml order: ne[0] is the row (fastest-varying) dimension. The IR's dims are these reversed. */
  readonly ne: readonly number[];
  readonly type: GgmlType;
  readonly elements: number;
  /** Absolute byte offset in `file` and the exact byte length from the type's block layout. */
  readonly offset: number;
  readonly bytes: number;
  readonly file: string;
}

export interface GgufHeader {
  readonly file: string;
  readonly size: number;
  readonly version: number;
  readonly alignment: number;
  /** Where the tensor data section starts (tensor offsets in the file are relative to it). */
  readonly dataStart: number;
  /** Keys are names from the file: a Map, never an object (`__proto__` is just another key). */
  readonly kv: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
  /** Bytes of header actually walked (for the benchmark and tests: the data section is not read). */
  readonly headerBytes: number;
}

export interface GgufReadOptions {
  /** Arrays with more elements than this are counted, not materialised (default 4096; strings: 64). */
  keepArray?: number;
  keepStringArray?: number;
  /** Longest string value kept (default 1 MiB; longer ones are skipped and recorded by length). */
  keepString?: number;
  onRead?: (offset: number, length: number) => void;
}

const MAX_KEY = 65535; // spec: keys are at most 2^16-1 bytes
const MAX_TENSOR_NAME = 4096; // ggml allows 63; names longer than this are not model files
const MAX_DIMS = 8; // ggml has 4 (GGML_MAX_DIMS)
const MIN_KV_BYTES = 8 + 4 + 1; // empty key + type + a one-byte value
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8; // empty name + n_dims + type + offset

export function readGgufHeader(file: string, o: GgufReadOptions = {}): GgufHeader {
  const win = new FileWindow(file, 64 << 10, o.onRead);
  try {
    return parse(new Cursor(win, file), o);
  } finally {
    win.close();
  }
}

function parse(c: Cursor, o: GgufReadOptions): GgufHeader {
  c.need(4, 'magic');
  const magic = Buffer.from([c.u8('magic'), c.u8('magic'), c.u8('magic'), c.u8('magic')]);
  if (!magic.equals(GGUF_MAGIC)) throw new ModelError('not a GGUF file (the first 4 bytes are not "GGUF")');
  const version = c.u32('version');
  if (version > 0xffff && (version & 0xffff) === 0) {
    const be = ((version >>> 24) | ((version >>> 8) & 0xff00)) >>> 0;
    throw new ModelError(`big-endian GGUF files are not supported (version ${be} written big-endian); convert it to little-endian with gguf-py's gguf_convert_endian.py`, 'unsupported');
  }
  if (version === 1) throw new ModelError('GGUF version 1 (the 2023 pre-release format with 32-bit counts) is not supported: re-convert the model with a current llama.cpp', 'unsupported');
  if (version !== 2 && version !== 3) throw new ModelError(`GGUF version ${version} is not supported (versions 2 and 3 are)`, 'unsupported');

  const nTensors = c.count('tensor count', MIN_TENSOR_INFO_BYTES);
  const nKv = c.count('key/value count', MIN_KV_BYTES);

  const kv = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const at = c.pos;
    const key = c.string(`key ${i}`, MAX_KEY);
    if (key.length === 0) throw new ModelError(`invalid GGUF header: key ${i} at offset ${at} is empty`);
    if (kv.has(key)) throw new ModelError(`invalid GGUF header: key "${printable(key)}" appears twice`);
    kv.set(key, readValue(c, key, o));
  }

  const alignment = readAlignment(kv);

  const infos: { name: string; ne: number[]; type: GgmlType; rel: bigint; elements: number; bytes: number }[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const at = c.pos;
    const name = c.string(`name of tensor ${i}`, MAX_TENSOR_NAME);
    if (names.has(name)) throw new ModelError(`invalid GGUF header: tensor "${printable(name)}" appears twice`);
    names.add(name);
    const nd = c.u32(`rank of tensor "${printable(name)}"`);
    if (nd > MAX_DIMS) throw new ModelError(`invalid GGUF header: tensor "${printable(name)}" at offset ${at} has ${nd} dimensions (ggml supports 4)`);
    const ne: number[] = [];
    let elements = 1;
    for (let d = 0; d < nd; d++) {
      const v = c.u64(`dimension ${d} of tensor "${printable(name)}"`);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ModelError(`invalid GGUF header: tensor "${printable(name)}" has dimension ${v}, too large`);
      ne.push(Number(v));
      elements *= Number(v);
    }
    if (!Number.isSafeInteger(elements)) throw new ModelError(`invalid GGUF header: tensor "${printable(name)}" has ${ne.join(' × ')} elements, too many`);
    const typeId = c.u32(`type of tensor "${printable(name)}"`);
    const type = ggmlType(typeId);
    if (!type) throw new ModelError(`tensor "${printable(name)}" has ${ggmlTypeProblem(typeId)}`, 'unsupported');
    const rel = c.u64(`offset of tensor "${printable(name)}"`);
    const bytes = ggmlBytes(type, ne[0] ?? 1, elements);
    if (bytes === undefined) throw new ModelError(`invalid GGUF header: tensor "${printable(name)}" has rows of ${ne[0]} elements, not a whole number of ${type.name} blocks of ${type.blockSize}`);
    infos.push({ name, ne, type, rel, elements, bytes });
  }

  const headerEnd = c.pos;
  const dataStart = nTensors > 0 ? alignUp(headerEnd, alignment) : headerEnd;
  const tensors: GgufTensorInfo[] = [];
  for (const t of infos) {
    const nm = printable(t.name);
    if (t.rel % BigInt(alignment) !== 0n) throw new ModelError(`invalid GGUF header: tensor "${nm}" has data offset ${t.rel}, not a multiple of the alignment ${alignment}`);
    const offset = BigInt(dataStart) + t.rel;
    if (offset + BigInt(t.bytes) > BigInt(c.size)) {
      throw new ModelError(`invalid GGUF header: tensor "${nm}" (${t.bytes} bytes at offset ${offset}) runs past the end of the file (${c.size} bytes)`);
    }
    tensors.push({ name: t.name, ne: t.ne, type: t.type, elements: t.elements, offset: Number(offset), bytes: t.bytes, file: c.file });
  }
  checkOverlaps(tensors);
  return { file: c.file, size: c.size, version, alignment, dataStart, kv, tensors, headerBytes: headerEnd };
}

function readValue(c: Cursor, key: string, o: GgufReadOptions): GgufValue {
  const k = printable(key);
  const typeId = c.u32(`type of "${k}"`);
  const type = VALUE_TYPES[typeId];
  if (type === undefined) throw new ModelError(`invalid GGUF header: key "${k}" has unknown value type ${typeId}`);
  if (type !== 'array') return { type, value: readScalar(c, type, k, o.keepString ?? 1 << 20) };
  const elTypeId = c.u32(`element type of "${k}"`);
  const elementType = VALUE_TYPES[elTypeId];
  if (elementType === undefined) throw new ModelError(`invalid GGUF header: array "${k}" has unknown element type ${elTypeId}`);
  if (elementType === 'array') throw new ModelError(`invalid GGUF header: "${k}" is an array of arrays (not supported by GGUF readers, llama.cpp included)`);
  const fixed = FIXED_BYTES[elementType];
  const count = c.count(`element count of array "${k}"`, fixed ?? 8);
  const keep = elementType === 'string' ? (o.keepStringArray ?? 64) : (o.keepArray ?? 4096);
  if (count > keep) {
    if (fixed !== undefined) c.skip(count * fixed, `array "${k}"`);
    else c.skipStrings(count, `"${k}"`);
    return { type: 'array', elementType, count };
  }
  const values: GgufScalar[] = [];
  for (let i = 0; i < count; i++) values.push(readScalar(c, elementType, `${k}[${i}]`, o.keepString ?? 1 << 20));
  return { type: 'array', elementType, count, values };
}

function readScalar(c: Cursor, t: Exclude<GgufValueType, 'array'>, what: string, keepString: number): GgufScalar {
  switch (t) {
    case 'uint8': return c.u8(what);
    case 'int8': return c.i8(what);
    case 'uint16': return c.u16(what);
    case 'int16': return c.i16(what);
    case 'uint32': return c.u32(what);
    case 'int32': return c.i32(what);
    case 'float32': return c.f32(what);
    case 'float64': return c.f64(what);
    case 'bool': {
      const b = c.u8(what);
      if (b > 1) throw new ModelError(`invalid GGUF header: "${what}" is a bool with value ${b}`);
      return b === 1;
    }
    case 'uint64': return safe(c.u64(what));
    case 'int64': return safe(c.i64(what));
    case 'string': {
      const at = c.pos;
      const n = c.u64(`"${what}" length`);
      if (n > BigInt(c.remaining)) throw new ModelError(`invalid GGUF header: string "${what}" at offset ${at} is ${n} bytes long but only ${c.remaining} bytes are left in the file`);
      c.pos = at;
      if (n > BigInt(keepString)) return `<${c.skipString(what)} bytes, not read>`;
      return c.string(`"${what}"`, keepString);
    }
  }
}

function safe(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function readAlignment(kv: ReadonlyMap<string, GgufValue>): number {
  const a = kv.get('general.alignment');
  if (!a) return 32; // spec default
  if (a.type === 'array' || typeof a.value !== 'number' || !Number.isInteger(a.value)) throw new ModelError('invalid GGUF header: general.alignment is not an integer');
  const n = a.value;
  if (n <= 0 || (n & (n - 1)) !== 0 || n > 1 << 24) throw new ModelError(`invalid GGUF header: general.alignment is ${n}, not a power of two up to 16 MiB`);
  return n;
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Two tensors whose data ranges overlap: a corrupt or crafted file (ggml lays them out back to back). */
function checkOverlaps(ts: readonly GgufTensorInfo[]): void {
  const sorted = ts.filter((t) => t.bytes > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1];
    const t = sorted[i];
    if (t.offset < p.offset + p.bytes) throw new ModelError(`invalid GGUF header: the data of tensors "${printable(p.name)}" and "${printable(t.name)}" overlap`);
  }
}

/** The value of `key` as a number, or undefined when absent; a wrong type is an error naming the key. */
export function kvNumber(kv: ReadonlyMap<string, GgufValue>, key: string): number | undefined {
  const v = kv.get(key);
  if (v === undefined) return undefined;
  if (v.type !== 'array' && typeof v.value === 'number') return v.value;
  if (v.type !== 'array' && typeof v.value === 'bigint') throw new ModelError(`GGUF metadata ${printable(key)} is ${v.value}, too large`);
  throw new ModelError(`GGUF metadata ${printable(key)} should be a number but is ${v.type === 'array' ? `an array of ${v.count} ${v.elementType}` : `a ${v.type}`}`);
}

export function kvString(kv: ReadonlyMap<string, GgufValue>, key: string): string | undefined {
  const v = kv.get(key);
  if (v === undefined) return undefined;
  if (v.type === 'string' && typeof v.value === 'string') return v.value;
  throw new ModelError(`GGUF metadata ${printable(key)} should be a string but is ${v.type === 'array' ? 'an array' : `a ${v.type}`}`);
}

export function kvBool(kv: ReadonlyMap<string, GgufValue>, key: string): boolean | undefined {
  const v = kv.get(key);
  if (v === undefined) return undefined;
  if (v.type === 'bool') return v.value as boolean;
  throw new ModelError(`GGUF metadata ${printable(key)} should be a bool but is ${v.type === 'array' ? 'an array' : `a ${v.type}`}`);
}

/** A number or a per-layer array of numbers (some architectures store head counts per layer). */
export function kvNumbers(kv: ReadonlyMap<string, GgufValue>, key: string): number | number[] | undefined {
  const v = kv.get(key);
  if (v?.type === 'array') {
    if (!v.values || !v.values.every((x) => typeof x === 'number')) throw new ModelError(`GGUF metadata ${printable(key)} is an array of ${v.count} ${v.elementType}, not a short list of numbers`);
    return v.values as number[];
  }
  return kvNumber(kv, key);
}
