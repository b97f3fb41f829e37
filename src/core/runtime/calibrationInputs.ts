import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../errors';
import { onnx } from '../formats/onnx/schema/onnx';
import { dtypeFromOnnx } from '../ir/onnxDtypes';
import type { InputData, RandomInput } from './inputs';
import type { InputSpec } from './types';

/** numpy descr → our dtype (little-endian and byte types only: what numpy writes on every common host). */
const NPY: Record<string, string> = { '<f4': 'float32', '<f8': 'float64', '<f2': 'float16', '<i8': 'int64', '<i4': 'int32', '<i2': 'int16', '|i1': 'int8', '|u1': 'uint8', '|b1': 'bool', '<u8': 'uint64', '<u4': 'uint32', '<u2': 'uint16' };

const CTOR: Record<string, new (b: ArrayBuffer) => InputData> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, int64: BigInt64Array, uint64: BigUint64Array,
  int32: Int32Array, uint32: Uint32Array, int16: Int16Array, uint16: Uint16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};

const MAX_INPUT_BYTES = 1 << 30;

/** A .npy array (format 1.0–3.0, C order). */
export function parseNpy(b: Uint8Array, file: string): { dtype: string; shape: number[]; bytes: Uint8Array } {
  if (b.length < 10 || b[0] !== 0x93 || String.fromCharCode(...b.subarray(1, 6)) !== 'NUMPY') throw new ModelError(`${file}: not a .npy file`);
  const major = b[6];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(b.subarray(start, start + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new ModelError(`${file}: unreadable .npy header`);
  if (fortran === 'True') throw new ModelError(`${file}: Fortran-order arrays are not read; save with np.ascontiguousarray`);
  const dtype = NPY[descr];
  if (!dtype) throw new ModelError(`${file}: numpy dtype ${descr} is not supported`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { dtype, shape, bytes: b.subarray(start + hlen) };
}

/** An ONNX TensorProto .pb (raw_data or the typed fields). */
export function parseTensorPb(b: Uint8Array, file: string): { dtype: string; shape: number[]; bytes: Uint8Array } {
  let t: onnx.TensorProto;
  try {
    t = onnx.TensorProto.decode(b);
  } catch (e) {
    throw new ModelError(`${file}: not an ONNX TensorProto (${(e as Error).message})`);
  }
  const dtype: string = dtypeFromOnnx(t.data_type);
  if (!dtype || !CTOR[dtype]) throw new ModelError(`${file}: tensor element type ${t.data_type} is not supported`);
  const shape = (t.dims ?? []).map(Number);
  if (t.raw_data && t.raw_data.length) return { dtype, shape, bytes: t.raw_data };
  const n = shape.reduce((a, x) => a * x, 1);
  const C = CTOR[dtype];
  const arr = new C(new ArrayBuffer(n * (C as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT));
  const src: ArrayLike<number | bigint> | undefined =
    dtype === 'float32' ? t.float_data : dtype === 'float64' ? t.double_data : dtype === 'int64' ? (t.int64_data as unknown as ArrayLike<number>) : t.int32_data;
  for (let i = 0; i < n; i++) {
    const v = src?.[i] ?? 0;
    (arr as unknown as (number | bigint)[])[i] = arr instanceof BigInt64Array || arr instanceof BigUint64Array ? BigInt(String(v)) : Number(v);
  }
  return { dtype, shape, bytes: new Uint8Array(arr.buffer as ArrayBuffer) };
}

function readOne(file: string, spec: InputSpec): RandomInput {
  const size = statSync(file).size;
  if (size > MAX_INPUT_BYTES) throw new ModelError(`${file}: ${size} bytes is more than the 1 GiB an input may have`, 'limit');
  const raw = new Uint8Array(readFileSync(file));
  const a = file.endsWith('.npy') ? parseNpy(raw, file) : parseTensorPb(raw, file);
  if (a.dtype !== spec.dtype) throw new ModelError(`${path.basename(file)}: ${a.dtype} values, input "${spec.name}" takes ${spec.dtype}`);
  if (a.shape.join('x') !== spec.shape.join('x')) throw new ModelError(`${path.basename(file)}: shape [${a.shape}], input "${spec.name}" is [${spec.shape}] here (bind dims with --dim)`);
  const C = CTOR[a.dtype];
  const copy = a.bytes.slice();
  const data = new C(copy.buffer);
  return { ...spec, data, range: [NaN, NaN] };
}

/**
 * Calibration inputs from a folder: `NAME.npy` / `NAME.pb` per model input, or ONNX test-data style
 * `input_K.pb` in input order; several samples as subfolders (`test_data_set_0/`, …), one level deep.
 * Only files of that folder are read.
 */
export function readInputsDir(dir: string, specs: InputSpec[]): RandomInput[][] {
  if (!statSync(dir).isDirectory()) throw new ModelError(`--inputs ${dir} is not a folder`);
  const sampleDirs = readdirSync(dir).filter((d) => statSync(path.join(dir, d)).isDirectory()).sort();
  const folders = sampleDirs.length ? sampleDirs.map((d) => path.join(dir, d)) : [dir];
  return folders.map((f) => {
    const files = new Set(readdirSync(f));
    return specs.map((s, k) => {
      // Input names are the model's: they only choose among this folder's own files.
      const safe = /^[\w.-]+$/.test(s.name) && !s.name.startsWith('.') ? s.name : undefined;
      const name = [safe && `${safe}.npy`, safe && `${safe}.pb`, `input_${k}.pb`, `input_${k}.npy`].find((x) => x && files.has(x));
      if (!name) throw new ModelError(`${f}: no ${safe ?? `input_${k}`}.npy / .pb for input "${s.name}"`);
      return readOne(path.join(f, name), s);
    });
  });
}
