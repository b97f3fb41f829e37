import { ModelError } from '../../errors';
import type { DType } from '../../ir/dtype';
import type { TensorSource } from '../../ir/tensor';
import type { FileWindow } from './fileWindow';
import { I32, I64, LEN, bigintOf, varintAt, type Field } from './wire';

/** Which typed field carries which element types (TensorProto comments, ONNX 1.20). */
const CARRIES: Record<number, { name: string; types: DType[] }> = {
  4: { name: 'float_data', types: ['float32', 'complex64'] },
  10: { name: 'double_data', types: ['float64', 'complex128'] },
  5: {
    name: 'int32_data',
    types: ['int32', 'int16', 'int8', 'uint16', 'uint8', 'bool', 'float16', 'bfloat16', 'float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'float8e8m0', 'int4', 'uint4', 'float4e2m1', 'int2', 'uint2'],
  },
  7: { name: 'int64_data', types: ['int64'] },
  11: { name: 'uint64_data', types: ['uint64', 'uint32'] },
};

const PACKED_SUBBYTE = new Set<DType>(['int4', 'uint4', 'float4e2m1', 'int2', 'uint2']);

/**
 * Values stored in TensorProto's typed repeated fields, as little-endian bytes of the tensor's dtype.
 * A packed float_data/double_data is already that byte layout, so a large one becomes a file range
 * like raw_data; varint-coded fields have to be decoded, within `maxDecodedBytes`.
 */
export function decodeTypedValues(
  win: FileWindow, typed: Field[], dtype: DType, n: number, label: string,
  o: { inlineBytes: number; maxDecodedBytes: number; file: string },
): TensorSource {
  const no = typed[0].no;
  const spec = CARRIES[no];
  if (typed.some((f) => f.no !== no)) throw new ModelError(`tensor "${label}" stores values in more than one typed field`);
  if (!spec.types.includes(dtype)) throw new ModelError(`tensor "${label}" of type ${dtype} stores its values in ${spec.name}`);
  const perElement = dtype.startsWith('complex') ? 2 : 1;
  const expect = PACKED_SUBBYTE.has(dtype) ? undefined : n * perElement;
  const tooMany = (count: number) => expect !== undefined && count !== expect;
  const mismatch = (count: number) => new ModelError(`tensor "${label}": ${spec.name} holds ${count} values but its dims need ${expect}`);

  if (no === 4 || no === 10) {
    const width = no === 4 ? 4 : 8;
    if (typed.length === 1 && typed[0].wt === LEN) {
      const f = typed[0];
      const len = f.end - f.at;
      if (len % width) throw new ModelError(`corrupt tensor "${label}": ${spec.name} of ${len} bytes`);
      if (tooMany(len / width)) throw mismatch(len / width);
      return len > o.inlineBytes ? { kind: 'file', path: o.file, offset: f.at, length: len } : { kind: 'inline', bytes: win.bytes(f.at, len) };
    }
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const f of typed) {
      if (f.wt !== LEN && f.wt !== (width === 4 ? I32 : I64)) throw new ModelError(`corrupt tensor "${label}": ${spec.name} with wire type ${f.wt}`);
      const len = f.end - f.at;
      if (len % width) throw new ModelError(`corrupt tensor "${label}": ${spec.name} of ${len} bytes`);
      total += len;
      if (total > o.maxDecodedBytes) throw new ModelError(`tensor "${label}": ${spec.name} is over the decode limit of ${o.maxDecodedBytes} bytes`, 'limit');
      parts.push(win.bytes(f.at, len));
    }
    if (tooMany(total / width)) throw mismatch(total / width);
    return { kind: 'inline', bytes: concat(parts, total) };
  }

  // Varint-coded: decode, then lay out as the dtype's little-endian bytes.
  const values: bigint[] = [];
  let encoded = 0;
  for (const f of typed) {
    encoded += f.end - f.at;
    if (encoded * 8 > o.maxDecodedBytes) throw new ModelError(`tensor "${label}": ${spec.name} is over the decode limit of ${o.maxDecodedBytes} bytes`, 'limit');
    if (f.wt === LEN) {
      const v = { lo: 0, hi: 0 };
      for (let p = f.at; p < f.end; ) {
        p = varintAt(win, p, f.end, `tensor "${label}" ${spec.name}`, v);
        values.push(bigintOf(v));
      }
    } else if (f.wt === 0) {
      values.push(bigintOf(f));
    } else {
      throw new ModelError(`corrupt tensor "${label}": ${spec.name} with wire type ${f.wt}`);
    }
  }
  if (tooMany(values.length)) throw mismatch(values.length);
  return { kind: 'inline', bytes: layOut(values, dtype) };
}

function layOut(values: bigint[], dtype: DType): Uint8Array {
  const n = values.length;
  switch (dtype) {
    case 'int64': return bytesOf(BigInt64Array.from(values, (v) => BigInt.asIntN(64, v)));
    case 'uint64': return bytesOf(BigUint64Array.from(values));
    case 'uint32': return bytesOf(Uint32Array.from(values, (v) => Number(BigInt.asUintN(32, v))));
    case 'int32': return bytesOf(Int32Array.from(values, (v) => Number(BigInt.asIntN(32, v))));
    case 'int16': return bytesOf(Int16Array.from(values, (v) => Number(BigInt.asIntN(16, v))));
    case 'uint16': case 'float16': case 'bfloat16': return bytesOf(Uint16Array.from(values, (v) => Number(BigInt.asUintN(16, v))));
    default: {
      // int8, uint8, bool, float8 and packed sub-byte types: one byte per value, the low byte.
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = Number(BigInt.asUintN(8, values[i]));
      return out;
    }
  }
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let p = 0;
  for (const x of parts) {
    out.set(x, p);
    p += x.length;
  }
  return out;
}
