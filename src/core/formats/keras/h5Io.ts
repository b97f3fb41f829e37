// HDF5 pieces the .keras / .h5 writers share (h5wasm): dataset values as inline tensors, a group copied
// from one file to another (attributes and datasets, recursively), float32 datasets. h5wasm has no
// H5Ocopy, so copies go through values; numeric and string data keep their HDF5 type.
import { ModelError } from '../../errors';
import type { DType } from '../../ir/dtype';
import type { TensorSource } from '../../ir/tensor';
import { checkDataset, h5Child, H5_LIMITS, hdf5Reason, loadH5wasm, openH5File } from './h5';
import { printable } from '../modelFiles';
import { table } from '../../tables';

type H5 = Awaited<ReturnType<typeof loadH5wasm>>;
export type H5File = InstanceType<H5['File']>;
type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

const DTYPES: Record<string, DType> = table({ '<f': 'float32', '<d': 'float64', '<e': 'float16', '<i': 'int32', '<q': 'int64', '<B': 'uint8', '<b': 'int8', '<h': 'int16', '<H': 'uint16', '<I': 'uint32', '<Q': 'uint64' });

/** A numeric dataset's values as an in-memory tensor source (little-endian bytes, like every reader's). */
export function datasetSource(ds: H5Dataset): { source: TensorSource; dtype: DType; dims: number[] } {
  checkDataset(ds);
  const dtype = DTYPES[String(ds.dtype)];
  if (!dtype) throw new ModelError(`HDF5 dataset ${ds.path} has type ${JSON.stringify(ds.dtype)}, not a numeric weight`, 'unsupported');
  const v = readValue(ds) as ArrayBufferView | null;
  if (!v || !ArrayBuffer.isView(v)) throw new ModelError(`HDF5 dataset ${ds.path} has no values`);
  const bytes = new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  return { source: { kind: 'inline', bytes }, dtype, dims: (ds.shape ?? []).map(Number) };
}

/**
 * A dataset's values; a dataset with external storage makes HDF5 open another file, which the gate in
 * h5.ts refuses: the error then names that file (hdf5Reason).
 */
function readValue(ds: H5Dataset): unknown {
  try {
    return ds.value;
  } catch (e) {
    throw new ModelError(`cannot read HDF5 dataset ${printable(ds.path)}: ${hdf5Reason(e)}`);
  }
}

export function isGroup(lib: H5, e: unknown): e is H5Group {
  return e instanceof lib.Group;
}

export function isDataset(lib: H5, e: unknown): e is H5Dataset {
  return e instanceof lib.Dataset;
}

/** Creates the groups of a slash path under `root` that do not exist yet; returns the last. */
export function ensureGroup(lib: H5, root: H5Group, p: string): H5Group {
  let g = root;
  for (const part of p.split('/').filter(Boolean)) {
    const next = h5Child(lib, g, part);
    g = isGroup(lib, next) ? next : g.create_group(part);
  }
  return g;
}

/** Copies the attributes of `from` onto `to`, except those named in `skip`. */
export function copyAttrs(from: H5Group | H5Dataset, to: H5Group | H5Dataset, skip: ReadonlySet<string> = new Set()): void {
  for (const name of Object.keys(from.attrs)) {
    if (skip.has(name)) continue;
    const a = from.attrs[name];
    const v = from.get_attribute(name, false);
    if (v === null || v === undefined) continue;
    if (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) to.create_attribute(name, v as string | string[], a.shape);
    else if (ArrayBuffer.isView(v) || typeof v === 'number' || typeof v === 'bigint') to.create_attribute(name, (typeof v === 'bigint' ? BigInt64Array.of(v) : v) as never, a.shape, a.dtype);
    else throw new ModelError(`HDF5 attribute ${name} of ${from.path} has a type the writer cannot copy`, 'unsupported');
  }
}

/** Copies dataset `name` of `from` into group `to` (values, type, shape, attributes). */
export function copyDataset(ds: H5Dataset, to: H5Group, name: string): void {
  checkDataset(ds);
  const v = readValue(ds);
  const shape = (ds.shape ?? []).map(Number);
  let out: H5Dataset;
  if (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) out = to.create_dataset({ name, data: v as string | string[], shape });
  else if (ArrayBuffer.isView(v)) out = to.create_dataset({ name, data: v as never, shape, dtype: ds.dtype });
  else if (typeof v === 'number' || typeof v === 'bigint') out = to.create_dataset({ name, data: (typeof v === 'bigint' ? BigInt64Array.of(v) : v) as never, shape, dtype: ds.dtype });
  else throw new ModelError(`HDF5 dataset ${ds.path} has a type the writer cannot copy`, 'unsupported');
  copyAttrs(ds, out);
}

/** Copies everything under group `from` into `to` (created by the caller), skipping child names in `skip` and attributes in `skipAttrs`. */
export function copyGroup(lib: H5, from: H5Group, to: H5Group, skip: ReadonlySet<string> = new Set(), skipAttrs: ReadonlySet<string> = new Set()): void {
  copyAttrs(from, to, skipAttrs);
  // Iterative and bounded like walkH5: a hard-link cycle would otherwise copy forever.
  let objects = 0;
  const stack: { from: H5Group; to: H5Group; keys: string[]; i: number }[] = [{ from, to, keys: from.keys().filter((k) => !skip.has(k)), i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i >= top.keys.length) {
      stack.pop();
      continue;
    }
    const k = top.keys[top.i++];
    if (++objects > H5_LIMITS.maxObjects) throw new ModelError(`HDF5 file holds more than ${H5_LIMITS.maxObjects} objects (or its links form a cycle)`, 'limit');
    const e = h5Child(lib, top.from, k);
    if (isGroup(lib, e)) {
      if (stack.length >= H5_LIMITS.maxDepth) throw new ModelError(`HDF5 groups nest deeper than ${H5_LIMITS.maxDepth} levels at ${printable(e.path)} (a link cycle?)`, 'limit');
      const g = top.to.create_group(k);
      copyAttrs(e, g);
      stack.push({ from: e, to: g, keys: e.keys(), i: 0 });
    } else if (isDataset(lib, e)) copyDataset(e, top.to, k);
  }
}

/** A float32 dataset (what every rewritten weight is). */
export function writeFloat32(to: H5Group, name: string, dims: readonly number[], values: Float32Array): void {
  to.create_dataset({ name, data: values, shape: [...dims], dtype: '<f' });
}

export { loadH5wasm, openH5File };
