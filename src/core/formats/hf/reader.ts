import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../../errors';
import type { Model } from '../../ir/graph';
import { isPlainObject, parseLimitedJson } from '../jsonLimits';
import { requireInModelFolder, requireRegularFile } from '../modelFiles';
import { numberedSiblings, readFiles, readIndexedSet, readIndexFile, safetensorsInFolder, type SafetensorsSet } from '../safetensors/shards';
import { buildLlmModel } from './build';
import type { HfConfig } from './config';
import { tensorView } from './tensorView';

/** config.json files are a few KB; the limit only stops absurd input before it is read. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const MAX_CONFIG_DEPTH = 64;

/**
 * Opens a Hugging Face model from any of its parts — the folder, `config.json`, the
 * `model.safetensors.index.json`, or any shard — and reads the whole model: config + every shard's
 * header. Files found beside the opened one are resolved inside its folder (modelFiles.ts).
 */
export async function readHfModel(opened: string): Promise<Model> {
  const abs = path.resolve(opened);
  const isDir = statOrNull(abs)?.isDirectory() ?? false;
  if (!isDir) requireRegularFile(abs);
  const dir = isDir ? abs : path.dirname(abs);
  const base = isDir ? '' : path.basename(abs);

  let config: HfConfig | undefined;
  const configFile = base === 'config.json' ? abs : existsSync(path.join(dir, 'config.json')) ? requireInModelFolder(dir, 'config.json', 'config.json beside the model').file : undefined;
  if (configFile) config = readConfig(configFile);

  const set = openWeights(abs, dir, base);
  const warnings = [...(set?.warnings ?? [])];
  const metadata: Record<string, string> = { ...(set?.metadata ?? {}) };
  const format = set ? 'safetensors' : 'hf-config';
  if (!config) {
    if (!set) throw new ModelError('no config.json and no safetensors files in the folder');
    warnings.unshift('no config.json beside the safetensors: no compute graph; the tensors are shown grouped by layer');
    return tensorView(set.tensors, { file: abs, format, metadata, warnings });
  }
  if (set) metadata.shards = String(set.files.length);
  return buildLlmModel(config, set?.tensors, { file: abs, format, source: 'config', metadata, warnings });
}

export function readConfig(file: string): HfConfig {
  const size = requireRegularFile(file);
  if (size > MAX_CONFIG_BYTES) throw new ModelError(`config.json is ${size} bytes (limit ${MAX_CONFIG_BYTES})`, 'limit');
  const json = parseLimitedJson(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), 'config.json', MAX_CONFIG_DEPTH);
  if (!isPlainObject(json)) throw new ModelError('config.json is not a JSON object');
  return json;
}

/** The checkpoint's safetensors set: the index's shards, the numbered siblings of a shard, or the folder's files. */
function openWeights(abs: string, dir: string, base: string): SafetensorsSet | undefined {
  if (base.endsWith('.safetensors.index.json')) return readIndexedSet(abs);
  if (base.endsWith('.safetensors')) {
    const idx = indexListing(dir, base);
    if (idx) return readIndexedSet(idx);
    return readFiles(numberedSiblings(abs) ?? [abs]);
  }
  const index = path.join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) return readIndexedSet(requireInModelFolder(dir, 'model.safetensors.index.json', 'index').file);
  const files = safetensorsInFolder(dir);
  if (files.length === 0) return undefined;
  const single = files.find((f) => path.basename(f) === 'model.safetensors');
  return readFiles(single ? [single] : files);
}

/** An index in the folder that lists the opened shard. */
function indexListing(dir: string, shard: string): string | undefined {
  const index = path.join(dir, 'model.safetensors.index.json');
  if (!existsSync(index)) return undefined;
  const file = requireInModelFolder(dir, 'model.safetensors.index.json', 'index').file;
  return readIndexFile(file).shards.includes(shard) ? file : undefined;
}

function statOrNull(p: string) {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}
