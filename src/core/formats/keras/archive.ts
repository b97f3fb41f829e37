// .keras archives (zip: config.json, metadata.json, model.weights.h5) and full-model .h5 files.
import path from 'node:path';
import { ModelError } from '../../errors';
import { requireRegularFile } from '../modelFiles';
import type { Model } from '../../ir/graph';
import { h5Locator, hdf5Reason, listDatasets, loadH5wasm, openH5, stringAttr } from './h5';
import { readKerasJsonText } from './reader';
import { ZipFile, type ZipLimits, DEFAULT_ZIP_LIMITS } from './zip';
import { pushAll } from '../../arrays';

export async function readKerasArchive(file: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<Model> {
  const abs = path.resolve(file);
  let zip: ZipFile;
  requireRegularFile(abs);
  try {
    zip = new ZipFile(abs, limits);
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`cannot read .keras archive: ${(e as Error).message}`.split('\n')[0], 'io');
  }
  try {
    const cfg = zip.find('config.json');
    if (!cfg) throw new ModelError(`.keras archive has no config.json (members: ${zip.entries.slice(0, 5).map((e) => e.name).join(', ')})`);
    const text = Buffer.from(zip.readMember(cfg)).toString('utf8');
    const metadata: Record<string, string> = { container: '.keras' };
    const warnings: string[] = [];
    const meta = zip.find('metadata.json');
    if (meta) {
      try {
        const m = JSON.parse(Buffer.from(zip.readMember(meta)).toString('utf8')) as Record<string, unknown>;
        if (typeof m.keras_version === 'string') metadata.keras_version = m.keras_version;
        if (typeof m.date_saved === 'string') metadata.date_saved = m.date_saved;
      } catch (e) {
        if (e instanceof ModelError && e.code === 'limit') throw e;
        warnings.push('metadata.json of the archive is not valid JSON; ignored');
      }
    }
    const w = zip.find('model.weights.h5');
    let absentReason = 'the .keras archive holds no model.weights.h5';
    if (w) {
      const off = zip.dataOffset(w);
      metadata.weights = `model.weights.h5 (${w.method === 0 ? `stored at offset ${off}` : 'compressed'}, ${w.size} bytes)`;
      absentReason = 'in model.weights.h5 inside the .keras archive (read on demand)';
    }
    // config.json offsets are offsets in that member, not in the archive file.
    const model = readKerasJsonText(text, abs, { container: '.keras', absentReason, metadata, warnings: [...warnings, 'layer source ranges refer to config.json inside the archive'] });
    if (metadata.keras_version && !model.metadata.keras_version) model.metadata.keras_version = metadata.keras_version;
    if (metadata.keras_version) model.producer = `Keras ${metadata.keras_version}`;
    return model;
  } finally {
    zip.close();
  }
}

export async function readKerasH5(file: string): Promise<Model> {
  const abs = path.resolve(file);
  const f = await openH5(abs);
  try {
    return await modelFromH5(f, abs);
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`corrupt HDF5 file: ${hdf5Reason(e)}`);
  } finally {
    f.close();
  }
}

async function modelFromH5(f: Awaited<ReturnType<typeof openH5>>, abs: string): Promise<Model> {
  const config = stringAttr(f, 'model_config');
  if (!config) throw new ModelError('HDF5 file has no model_config attribute: not a full Keras model (weights-only files from save_weights hold no architecture)');
  const warnings: string[] = [];
  const datasets = f.keys().includes('model_weights') ? listDatasets(await loadH5wasm(), f, 'model_weights') : [];
  const metadata: Record<string, string> = { container: '.h5' };
  const kv = stringAttr(f, 'keras_version');
  const backend = stringAttr(f, 'backend');
  if (kv) metadata.keras_version = kv;
  if (backend) metadata.backend = backend;
  const model = readKerasJsonText(config, abs, {
    locate: datasets.length ? h5Locator(datasets, path.basename(abs), warnings) : undefined,
    absentReason: datasets.length ? 'not found among the HDF5 model_weights' : 'the .h5 file holds no model_weights',
    container: '.h5',
    metadata,
    warnings: ['layer source ranges refer to the model_config attribute text'],
  });
  pushAll(model.warnings, warnings);
  if (kv) model.producer = `Keras ${kv}`;
  return model;
}
