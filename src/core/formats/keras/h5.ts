// HDF5 through h5wasm: the full-model .h5 (model_config attribute) and the weights file of .keras
// archives. Only metadata (attributes, dataset shapes) is read; weight values stay in the file.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelError } from '../../errors';
import type { DType } from '../../ir/dtype';
import type { TensorSource } from '../../ir/tensor';
import type { WeightLocator } from './build';

type H5 = typeof import('h5wasm');
type H5File = InstanceType<H5['File']>;
type H5Group = InstanceType<H5['Group']>;

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
    return lib;
  })();
  return h5;
}

export async function openH5(file: string): Promise<H5File> {
  const lib = await loadH5wasm();
  try {
    const f = new lib.File(file, 'r');
    if (!f || f.file_id === undefined || f.file_id < 0n) throw new Error('H5Fopen failed');
    return f;
  } catch (e) {
    throw new ModelError(`corrupt HDF5 file: h5wasm cannot open it (${hdf5Reason(e)})`);
  }
}

/** The first HDF5 error-stack entry ("H5Fopen(): unable to open file"), without source paths. */
export function hdf5Reason(e: unknown): string {
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

export interface DatasetInfo { path: string; shape: number[] }

/** Every dataset under `root` with its path and shape (metadata only). */
export function listDatasets(lib: H5, f: H5File, root: string, max = 200_000): DatasetInfo[] {
  const out: DatasetInfo[] = [];
  const walk = (g: H5Group, prefix: string) => {
    for (const k of g.keys()) {
      if (out.length >= max) return;
      const e = g.get(k);
      const p = `${prefix}/${k}`;
      if (!e) continue;
      if (e instanceof lib.Group) walk(e, p);
      else if (e instanceof lib.Dataset) out.push({ path: p, shape: (e.shape ?? []).map(Number) });
    }
  };
  const g = f.get(root);
  if (g instanceof lib.Group) walk(g, root.startsWith('/') ? root : `/${root}`);
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
  return (name, dims, layer, local) => {
    const last = local.split('/').pop()!;
    const within = datasets.filter((d) => !used.has(d.path) && d.path.split('/').includes(layer) && d.path.replace(/:\d+$/, '').endsWith(`/${last}`));
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
