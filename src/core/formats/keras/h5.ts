// HDF5 through h5wasm: the full-model .h5 (model_config attribute) and the weights file of .keras
// archives. Only metadata (attributes, dataset shapes) is read; weight values stay in the file.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelError } from '../../errors';
import type { DType } from '../../ir/dtype';
import { printable, requireRegularFile } from '../modelFiles';
import type { TensorSource } from '../../ir/tensor';
import type { WeightLocator } from './build';

type H5 = typeof import('h5wasm');
type H5File = InstanceType<H5['File']>;
type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

/** The parts of the h5wasm (emscripten) module the guards below use. */
interface H5Module {
  FS: { open: (...a: unknown[]) => unknown; ErrnoError: new (errno: number) => Error };
  get_external_link(fileId: bigint, path: string): { filename?: string; obj_path?: string };
}
let wasm: H5Module | undefined;

/**
 * Files HDF5 may open: the ones ModelLens opened itself (openH5File), by absolute path, with a count.
 * HDF5 follows external links, external dataset storage and virtual-dataset sources to other files on
 * its own (h5wasm's node build reads the real disk), so every open() HDF5 makes goes through this gate:
 * a file a model names is never opened, whatever HDF5 feature names it.
 */
const openable = new Map<string, number>();
let refused: string | undefined;
/** EACCES in emscripten's errno numbering. */
const EACCES = 2;
/** O_CREAT | O_EXCL (musl, as emscripten numbers them). */
const O_CREAT_EXCL = 0o100 | 0o200;

function guardOpens(m: H5Module): void {
  const real = m.FS.open;
  m.FS.open = function guarded(this: unknown, p: unknown, ...rest: unknown[]) {
    // Only while a file ModelLens opened is open (that is when HDF5 can follow a link out of it): test
    // helpers and tools that write HDF5 with h5wasm directly are not in its way.
    // A file created exclusively (O_CREAT|O_EXCL: h5wasm's error handler writes HDF5's error stack
    // to a tmpfile()) holds no bytes from elsewhere.
    const exclusive = typeof rest[0] === 'number' && (rest[0] & O_CREAT_EXCL) === O_CREAT_EXCL;
    if (openable.size > 0 && !exclusive && typeof p === 'string' && !openable.has(path.resolve(p))) {
      refused = p;
      throw new m.FS.ErrnoError(EACCES);
    }
    return real.call(this, p, ...rest);
  };
}

let h5: Promise<H5> | undefined;
/**
 * h5wasm is ESM-only; its node build reads files straight from disk (no copy into memory). From
 * node_modules in a checkout; in the packaged extension from dist/h5wasm/, which scripts/build.mjs copies
 * beside the bundle (the .vsix ships no node_modules).
 */
export function loadH5wasm(): Promise<H5> {
  h5 ??= (async () => {
    const bundled = path.join(__dirname, 'h5wasm', 'hdf5_hl.js');
    const spec = existsSync(bundled) ? pathToFileURL(bundled).href : 'h5wasm/node';
    let mod: { default?: H5 } & H5;
    try {
      mod = (await import(spec)) as { default?: H5 } & H5;
    } catch (e) {
      h5 = undefined;
      throw new ModelError(`HDF5 support (h5wasm) cannot be loaded: ${String((e as Error).message).split('\n')[0]}`, 'unsupported');
    }
    const lib = (mod.default ?? mod) as H5;
    const module = await lib.ready;
    // HDF5 prints its error stack to stderr by default; make errors exceptions we can summarise.
    module.activate_throwing_error_handler();
    wasm = module as unknown as H5Module;
    guardOpens(wasm);
    return lib;
  })();
  return h5;
}

export async function openH5(file: string): Promise<H5File> {
  const lib = await loadH5wasm();
  // A FIFO or a device would block HDF5's reads forever: refused before it is opened.
  requireRegularFile(file);
  try {
    return openH5File(lib, file, 'r');
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`corrupt HDF5 file: h5wasm cannot open it (${hdf5Reason(e)})`);
  }
}

/**
 * Opens (or, mode 'w', creates) an HDF5 file: the only way ModelLens opens one, so that the file is
 * on the gate's list while it is open and off it once closed.
 */
export function openH5File(lib: H5, file: string, mode: 'r' | 'w'): H5File {
  const abs = path.resolve(file);
  openable.set(abs, (openable.get(abs) ?? 0) + 1);
  const release = () => {
    const n = (openable.get(abs) ?? 1) - 1;
    if (n > 0) openable.set(abs, n);
    else openable.delete(abs);
  };
  let f: H5File;
  try {
    f = new lib.File(abs, mode);
    if (!f || f.file_id === undefined || f.file_id < 0n) throw new Error('H5Fopen failed');
  } catch (e) {
    release();
    throw e;
  }
  const close = f.close.bind(f);
  let closed = false;
  f.close = () => {
    if (closed) return 0;
    closed = true;
    try {
      return close();
    } finally {
      release();
    }
  };
  return f;
}

/** Refuses a file HDF5 tried to open behind ModelLens's back (see `openable`), once, for the message. */
function takeRefused(): string | undefined {
  const r = refused;
  refused = undefined;
  return r;
}

/** The first HDF5 error-stack entry ("H5Fopen(): unable to open file"), without source paths. */
export function hdf5Reason(e: unknown): string {
  const other = takeRefused();
  if (other !== undefined) return `the HDF5 file refers to another file "${printable(other)}" (external link, external storage or virtual dataset): ModelLens reads only the model file`;
  const text = String((e as Error)?.message ?? e);
  const m = /in (\w+\(\)): ([^\n]+)/.exec(text);
  return m ? `${m[1]}: ${m[2].trim()}` : text.split('\n')[0];
}

export function stringAttr(g: H5File | H5Group, name: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(g.attrs, name)) return undefined;
  const v = g.get_attribute(name, true);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

/**
 * Bounds on walking an HDF5 group tree. h5wasm gives no object identity, so a hard-link cycle (a group
 * linking to its ancestor) shows as an endless path: depth and the number of objects visited bound it.
 */
export const H5_LIMITS = { maxDepth: 64, maxObjects: 200_000 };

/**
 * Child `name` of group `g`, refusing what would leave the file: an external link is an error naming
 * its target; a virtual dataset (its values come from other files) is an error. Every walk and every lookup by path goes through here.
 */
export function h5Child(lib: H5, g: H5Group, name: string): H5Group | H5Dataset | null {
  const full = `${g.path === '/' ? '' : g.path}/${name}`;
  const m = wasm!;
  let ext: { filename?: string } | undefined;
  try {
    ext = m.get_external_link(g.file_id, full);
  } catch {
    return null; // no such link
  }
  if (ext && typeof ext.filename === 'string') {
    throw new ModelError(`HDF5 link ${printable(full)} is an external link to "${printable(ext.filename)}": ModelLens reads only the model file`, 'unsupported');
  }
  // Soft links stay inside the file (a path through an external link is stopped by the gate) and a
  // cycle through them is bounded like one of hard links: followed.
  let e: unknown;
  try {
    e = g.get(name);
  } catch (err) {
    throw new ModelError(`corrupt HDF5 file: ${hdf5Reason(err)}`);
  }
  if (e instanceof lib.Dataset) {
    checkDataset(e);
    return e;
  }
  return e instanceof lib.Group ? e : null;
}

/** A dataset whose values live in other files is refused before its values are read. */
export function checkDataset(ds: H5Dataset): void {
  const meta = ds.metadata as { virtual_sources?: { file_name: string }[] };
  const src = meta?.virtual_sources;
  if (src && src.length > 0) {
    throw new ModelError(`HDF5 dataset ${printable(ds.path)} is a virtual dataset reading "${printable(String(src[0].file_name))}": ModelLens reads only the model file`, 'unsupported');
  }
}

/** The object at a slash path under `root` (absolute paths from the file's root), each step checked by h5Child; null when absent. */
export function h5Get(lib: H5, root: H5Group, p: string): H5Group | H5Dataset | null {
  let cur: H5Group | H5Dataset | null = p.startsWith('/') ? new lib.Group(root.file_id, '/') : root;
  for (const part of p.split('/').filter(Boolean)) {
    if (!(cur instanceof lib.Group)) return null;
    cur = h5Child(lib, cur, part);
  }
  return cur;
}

/**
 * Every object under `g`, depth-first in key order (as a recursive walk would, but with an explicit
 * stack), bounded by H5_LIMITS. `visit` returns false to not descend into a group.
 */
export function walkH5(lib: H5, g: H5Group, visit: (e: H5Group | H5Dataset, name: string, parent: H5Group) => boolean | void): void {
  let objects = 0;
  const stack: { g: H5Group; keys: string[]; i: number }[] = [{ g, keys: g.keys(), i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i >= top.keys.length) {
      stack.pop();
      continue;
    }
    const k = top.keys[top.i++];
    if (++objects > H5_LIMITS.maxObjects) throw new ModelError(`HDF5 file holds more than ${H5_LIMITS.maxObjects} objects (or its links form a cycle)`, 'limit');
    const e = h5Child(lib, top.g, k);
    if (!e) continue;
    const descend = visit(e, k, top.g);
    if (e instanceof lib.Group && descend !== false) {
      if (stack.length >= H5_LIMITS.maxDepth) throw new ModelError(`HDF5 groups nest deeper than ${H5_LIMITS.maxDepth} levels at ${printable(e.path)} (a link cycle?)`, 'limit');
      stack.push({ g: e, keys: e.keys(), i: 0 });
    }
  }
}

export interface DatasetInfo { path: string; shape: number[] }

/** Every dataset under `root` with its path and shape (metadata only). */
export function listDatasets(lib: H5, f: H5File, root: string): DatasetInfo[] {
  const out: DatasetInfo[] = [];
  const g = h5Get(lib, f, root);
  if (g instanceof lib.Group) walkH5(lib, g, (e) => {
    if (e instanceof lib.Dataset) out.push({ path: e.path, shape: (e.shape ?? []).map(Number) });
  });
  return out;
}

/**
 * Keras 2 .h5 weights live at model_weights/<layer>/.../<weight>:0. A weight is matched on its layer
 * group, its local name as the last path part, and its dims. HDF5 datasets have no single-range
 * source in the IR yet, so the tensor is recorded as absent, naming the dataset to read on demand.
 */
export function h5Locator(datasets: DatasetInfo[], file: string, warnings: string[], opts: H5LocatorOptions = {}): WeightLocator {
  const used = new Set<string>();
  let mismatches = 0;
  // Datasets by each group name on their path: a weight looks only at its layer's datasets (a scan of
  // all of them per weight is quadratic: 50,000 datasets took minutes).
  const byPart = new Map<string, DatasetInfo[]>();
  for (const d of datasets) for (const part of new Set(d.path.split('/'))) {
    const l = byPart.get(part);
    if (l) l.push(d);
    else byPart.set(part, [d]);
  }
  return (name, dims, layer, local) => {
    const last = local.split('/').pop()!;
    const within = (byPart.get(layer) ?? []).filter((d) => !used.has(d.path) && d.path.replace(/:\d+$/, '').endsWith(`/${last}`));
    const hit = within.find((d) => d.shape.length === dims.length && d.shape.every((x, i) => x === dims[i])) ?? within[0];
    if (!hit) return { source: { kind: 'absent', reason: `weight ${name} not found in ${file}` } };
    used.add(hit.path);
    if (!(hit.shape.length === dims.length && hit.shape.every((x, i) => x === dims[i])) && mismatches++ < 5) {
      warnings.push(`weight ${name}: the HDF5 dataset ${hit.path} has shape [${hit.shape.join(', ')}], the architecture gives [${dims.join(', ')}]`);
    }
    opts.matched?.set(name, hit.path);
    const read = opts.read?.(hit.path);
    return read ?? { source: { kind: 'absent', reason: `HDF5 dataset ${hit.path} (read on demand)` } };
  };
}

export interface H5LocatorOptions {
  /** Reads a matched dataset's values (writers need them; analysis does not). */
  read?: (datasetPath: string) => { source: TensorSource; dtype: DType } | undefined;
  /** Records weight name -> dataset path for each match. */
  matched?: Map<string, string>;
}
