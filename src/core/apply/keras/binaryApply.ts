// Weight-changing passes on .keras archives (Keras 3: config.json + model.weights.h5) and full-model
// Keras 2 .h5 files: the config is edited like a Keras JSON (writer.ts, the file's own formatting), the
// weights come from the pass's IR rewrite, and a new archive / HDF5 file is built in a temporary folder
// and returned as bytes (the editor keeps them as the unsaved document; save writes them atomically).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { openSync, readSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { ModelError } from '../../errors';
import { requireRegularFile } from '../../formats/modelFiles';
import { detectFormat } from '../../formats/index';
import type { Model } from '../../ir/graph';
import type { KnobValues, LayerError, Suggestion } from '../../passes/types';
import { h5Get, h5Locator, hdf5Reason, listDatasets, openH5File, stringAttr } from '../../formats/keras/h5';
import { datasetSource, isDataset, loadH5wasm, type H5File } from '../../formats/keras/h5Io';
import { parseJsonDocument } from '../../formats/keras/json';
import { writeKeras2H5 } from '../../formats/keras/keras2Weights';
import { keras3Layout, keras3Locator, writeKeras3Weights } from '../../formats/keras/keras3Weights';
import { passEdits } from './passEdits';
import { modelFromDocument } from '../../formats/keras/reader';
import { readDocument, type KModel } from '../../formats/keras/topology';
import { planWeights } from './weightPlan';
import { CHANGES_WEIGHTS } from './jsonEdits';
import { ZipFile, type ZipEntry } from '../../formats/keras/zip';

type H5 = Awaited<ReturnType<typeof loadH5wasm>>;

/** A .keras / .h5 model opened with its weights readable (inline tensors), for rewriting it. */
export interface OpenKeras {
  kind: 'keras' | 'h5';
  config: string;
  kmodel: KModel;
  model: Model;
  lib: H5;
  weights: H5File;
  /** IR weight name -> dataset path in `weights`. */
  matched: Map<string, string>;
  /** .keras: the archive (closed by close()). */
  zip?: ZipFile;
  close(): void;
}

/** `tmp`: a folder for the extracted model.weights.h5 of an archive (the caller removes it). */
export async function openKerasWithWeights(file: string, tmp: string): Promise<OpenKeras> {
  const abs = path.resolve(file);
  const lib = await loadH5wasm();
  const matched = new Map<string, string>();
  const read = (f: H5File) => (p: string) => {
    const ds = h5Get(lib, f, p);
    return isDataset(lib, ds) ? datasetSource(ds) : undefined;
  };
  if ((await detectFormat(abs)) === 'keras-zip') {
    const zip = new ZipFile(abs);
    try {
      const cfg = zip.find('config.json');
      const w = zip.find('model.weights.h5');
      if (!cfg) throw new ModelError('.keras archive has no config.json');
      if (!w) throw new ModelError('.keras archive has no model.weights.h5: there are no weights to rewrite', 'unsupported');
      const config = Buffer.from(zip.readMember(cfg)).toString('utf8');
      const h5file = path.join(tmp, 'model.weights.h5');
      await writeFile(h5file, memberBytes(zip, w));
      const weights = openH5(lib, h5file);
      try {
        const kdoc = readDocument(parseJsonDocument(config));
        const model = modelFromDocument(kdoc, abs, { locate: keras3Locator(keras3Layout(kdoc.model), read(weights), matched), absentReason: 'not in model.weights.h5' });
        return { kind: 'keras', config, kmodel: kdoc.model, model, lib, weights, matched, zip, close: () => { weights.close(); zip.close(); } };
      } catch (e) {
        weights.close();
        throw e;
      }
    } catch (e) {
      zip.close();
      throw e;
    }
  }
  const weights = openH5(lib, abs);
  try {
    const config = stringAttr(weights, 'model_config');
    if (!config) throw new ModelError('HDF5 file has no model_config attribute: not a full Keras model');
    const datasets = weights.keys().includes('model_weights') ? listDatasets(lib, weights, 'model_weights') : [];
    const kdoc = readDocument(parseJsonDocument(config));
    const model = modelFromDocument(kdoc, abs, { locate: h5Locator(datasets, path.basename(abs), [], { read: read(weights), matched }), absentReason: 'not among the HDF5 model_weights' });
    return { kind: 'h5', config, kmodel: kdoc.model, model, lib, weights, matched, close: () => weights.close() };
  } catch (e) {
    weights.close();
    throw e;
  }
}

/** Applies a suggestion to a .keras or .h5 file: the bytes of the new file, and the measured errors. */
export async function applyKerasBinary(file: string, suggestion: Suggestion, knobs: KnobValues, onProgress?: (f: number, msg: string) => void): Promise<{ bytes: Uint8Array; errors: LayerError[] }> {
  if (!CHANGES_WEIGHTS.has(suggestion.pass) && suggestion.pass !== 'cleanup') throw new ModelError(`pass ${suggestion.pass} has no Keras form yet`, 'unsupported');
  const abs = path.resolve(file);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'modellens-keras-'));
  try {
    const k = await openKerasWithWeights(abs, tmp);
    let out: string;
    let errors: LayerError[];
    try {
      const pe = await passEdits(k.config, k.model, suggestion, knobs, onProgress);
      errors = pe.errors;
      onProgress?.(1, 'writing the model');
      const plan = await planWeights(k.model, pe.rewritten, pe.edited, abs, pe.newLayers);
      const edited = readDocument(parseJsonDocument(pe.edited)).model;
      out = path.join(tmp, k.kind === 'keras' ? 'new.weights.h5' : 'new.h5');
      const dst = openH5File(k.lib, out, 'w');
      try {
        if (k.kind === 'keras') writeKeras3Weights(k.lib, k.weights, dst, keras3Layout(k.kmodel), edited, plan, k.matched);
        else writeKeras2H5(k.lib, k.weights, dst, pe.edited, k.kmodel, edited, plan, k.matched);
      } finally {
        dst.close();
      }
      if (k.kind === 'keras') return { bytes: rezip(k.zip!, pe.edited, new Uint8Array(await readFile(out))), errors };
    } finally {
      k.close();
    }
    return { bytes: new Uint8Array(await readFile(out)), errors };
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`cannot rewrite ${path.basename(abs)}: ${hdf5Reason(e)}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The archive with config.json and model.weights.h5 replaced, other members kept, in their order; stored like Keras writes them. */
function rezip(zip: ZipFile, config: string, weights: Uint8Array): Uint8Array {
  const files: Zippable = {};
  for (const e of zip.entries) {
    if (e.name.endsWith('/')) continue; // directory entries: implied by the members' paths
    const data = e.name === 'config.json' ? new Uint8Array(Buffer.from(config, 'utf8')) : e.name === 'model.weights.h5' ? weights : memberBytes(zip, e);
    files[e.name] = [data, { level: 0 }];
  }
  return zipSync(files);
}

/** A member's bytes; stored members of any size are copied by range (the inflate limits are for JSON members). */
function memberBytes(zip: ZipFile, e: ZipEntry): Uint8Array {
  if (e.method !== 0) return zip.readMember(e);
  const out = new Uint8Array(e.compressedSize);
  const fd = openSync(zip.path, 'r');
  try {
    let done = 0;
    const at = zip.dataOffset(e);
    while (done < out.length) {
      const n = readSync(fd, out, done, out.length - done, at + done);
      if (n <= 0) throw new ModelError(`corrupt .keras archive: ${e.name} ends early`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

function openH5(lib: H5, file: string): H5File {
  requireRegularFile(file);
  try {
    return openH5File(lib, file, 'r');
  } catch (e) {
    throw new ModelError(`corrupt HDF5 file: h5wasm cannot open it (${hdf5Reason(e)})`);
  }
}
