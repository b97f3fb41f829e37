import { closeSync, openSync, readSync } from 'node:fs';
import { ModelError } from '../../errors';
import type { DType } from '../../ir/dtype';
import type { LazyTensor } from '../../ir/tensor';
import { isPlainObject, parseLimitedJson } from '../jsonLimits';
import { printable, requireRegularFile } from '../modelFiles';

/**
 * One safetensors file: an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`, then the data.
 * Only the header is read; each tensor becomes a file range (offsets relative to byte 8 + N),
 * checked against the file size and against its dtype × shape.
 */

/** The reference implementation (huggingface/safetensors) refuses headers above 100 MB too. */
export const MAX_HEADER_BYTES = 100_000_000;
/** A header is a flat object of flat objects; anything deeper is not a safetensors header. */
const MAX_HEADER_DEPTH = 8;
const MAX_RANK = 64;

/** safetensors dtype names → IR dtypes, with their element size in bits. */
const DTYPES = new Map<string, { dtype: DType; bits: number }>([
  ['F64', { dtype: 'float64', bits: 64 }],
  ['F32', { dtype: 'float32', bits: 32 }],
  ['F16', { dtype: 'float16', bits: 16 }],
  ['BF16', { dtype: 'bfloat16', bits: 16 }],
  ['F8_E4M3', { dtype: 'float8e4m3fn', bits: 8 }],
  ['F8_E5M2', { dtype: 'float8e5m2', bits: 8 }],
  ['F8_E8M0', { dtype: 'float8e8m0', bits: 8 }],
  ['F4', { dtype: 'float4e2m1', bits: 4 }],
  ['I64', { dtype: 'int64', bits: 64 }],
  ['I32', { dtype: 'int32', bits: 32 }],
  ['I16', { dtype: 'int16', bits: 16 }],
  ['I8', { dtype: 'int8', bits: 8 }],
  ['U64', { dtype: 'uint64', bits: 64 }],
  ['U32', { dtype: 'uint32', bits: 32 }],
  ['U16', { dtype: 'uint16', bits: 16 }],
  ['U8', { dtype: 'uint8', bits: 8 }],
  ['BOOL', { dtype: 'bool', bits: 8 }],
  ['C64', { dtype: 'complex64', bits: 64 }],
]);

export interface SafetensorsEntry {
  tensor: LazyTensor;
  /** The dtype as the file spells it (F16, BF16, ...). */
  fileDtype: string;
}

export interface SafetensorsHeader {
  file: string;
  size: number;
  headerBytes: number;
  tensors: SafetensorsEntry[];
  metadata: Record<string, string>;
}

/** Reads and checks the header of one safetensors file. Errors are one-line ModelErrors. */
export function readSafetensorsHeader(file: string, label = 'safetensors file'): SafetensorsHeader {
  const size = requireRegularFile(file);
  if (size < 8) throw new ModelError(`${label} is ${size} bytes: too short for a safetensors header`);
  const fd = openSync(file, 'r');
  try {
    const lenBuf = Buffer.alloc(8);
    readFully(fd, lenBuf, 0);
    const n = lenBuf.readBigUInt64LE(0);
    if (n > BigInt(size - 8)) throw new ModelError(`${label} declares a header of ${n} bytes, more than the file holds (${size} bytes)`);
    if (n > BigInt(MAX_HEADER_BYTES)) throw new ModelError(`${label} declares a header of ${n} bytes (limit ${MAX_HEADER_BYTES})`, 'limit');
    const headerBytes = Number(n);
    if (headerBytes < 2) throw new ModelError(`${label} declares a header of ${headerBytes} bytes: not a safetensors header`);
    const buf = Buffer.alloc(headerBytes);
    readFully(fd, buf, 8);
    const json = parseLimitedJson(buf.toString('utf8'), `${label} header`, MAX_HEADER_DEPTH);
    return parseHeader(json, file, size, headerBytes, label);
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, buf: Buffer, pos: number): void {
  let done = 0;
  while (done < buf.length) {
    const r = readSync(fd, buf, done, buf.length - done, pos + done);
    if (r <= 0) throw new ModelError('the file ended while reading the safetensors header', 'io');
    done += r;
  }
}

function parseHeader(json: unknown, file: string, size: number, headerBytes: number, label: string): SafetensorsHeader {
  if (!isPlainObject(json)) throw new ModelError(`${label} header is not a JSON object`);
  const dataStart = 8 + headerBytes;
  const dataBytes = size - dataStart;
  // Keys from the file become own properties (Object.fromEntries), so `__proto__` is kept as data.
  const meta: [string, string][] = [];
  const tensors: SafetensorsEntry[] = [];
  for (const [name, v] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isPlainObject(v)) throw new ModelError(`${label}: __metadata__ is not an object of strings`);
      for (const [k, s] of Object.entries(v)) meta.push([k, typeof s === 'string' ? s : JSON.stringify(s)]);
      continue;
    }
    const what = `${label}: tensor "${printable(name)}"`;
    if (!isPlainObject(v)) throw new ModelError(`${what} is not an object`);
    const dt = typeof v.dtype === 'string' ? DTYPES.get(v.dtype) : undefined;
    if (!dt) throw new ModelError(`${what} has dtype ${printable(String(v.dtype), 40)}, which ModelLens does not know`, 'unsupported');
    const shape = v.shape;
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ModelError(`${what} has shape ${printable(JSON.stringify(shape) ?? 'undefined', 60)}: expected up to ${MAX_RANK} non-negative integers`);
    }
    const offs = v.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[0] > offs[1]) {
      throw new ModelError(`${what} has data_offsets ${printable(JSON.stringify(offs) ?? 'undefined', 60)}: expected [begin, end] with begin <= end`);
    }
    const [begin, end] = offs as [number, number];
    if (end > dataBytes) throw new ModelError(`${what} ends at byte ${dataStart + end}, past the end of the file (${size} bytes)`);
    let elems = 1;
    for (const d of shape as number[]) elems *= d;
    if (!Number.isSafeInteger(elems)) throw new ModelError(`${what} has ${elems} elements, more than ModelLens can count exactly`, 'limit');
    const expected = Math.ceil((elems * dt.bits) / 8);
    if (end - begin !== expected) throw new ModelError(`${what} holds ${end - begin} bytes, but ${v.dtype} ${JSON.stringify(shape)} needs ${expected}`);
    tensors.push({
      fileDtype: v.dtype as string,
      tensor: { name, dtype: dt.dtype, dims: shape as number[], source: { kind: 'file', path: file, offset: dataStart + begin, length: end - begin } },
    });
  }
  checkNoOverlap(tensors, label);
  return { file, size, headerBytes, tensors, metadata: Object.fromEntries(meta) };
}

/** Data ranges may not overlap (the reference implementation requires them contiguous). */
function checkNoOverlap(tensors: SafetensorsEntry[], label: string): void {
  const ranges = tensors
    .map((e) => e.tensor)
    .filter((t) => t.source.kind === 'file' && t.source.length > 0)
    .sort((a, b) => (a.source as { offset: number }).offset - (b.source as { offset: number }).offset);
  for (let i = 1; i < ranges.length; i++) {
    const p = ranges[i - 1].source as { offset: number; length: number };
    const c = ranges[i].source as { offset: number };
    if (c.offset < p.offset + p.length) throw new ModelError(`${label}: tensors "${printable(ranges[i - 1].name)}" and "${printable(ranges[i].name)}" overlap`);
  }
}

/** True when the first bytes look like a safetensors file: a header length that fits, then '{'. */
export function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 9 || head[8] !== 0x7b) return false;
  const n = Buffer.from(head.buffer, head.byteOffset, 8).readBigUInt64LE(0);
  return n >= 2n && n <= BigInt(size - 8);
}
