// Keras JSON of every dialect (Keras 1/2/3 to_json, bare get_config, double-encoded, tfjs model.json)
// -> IR Model. Weights are located, never read.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../../errors';
import { requireRegularFile } from '../modelFiles';
import type { Model } from '../../ir/graph';
import { GraphBuilder, type WeightLocator } from './build';
import { parseJsonDocument } from './json';
import { tfjsLocator, type ShardOverlay } from './tfjsWeights';
import { readDocument, type KDocument } from './topology';
import { pushAll } from '../../arrays';

/**
 * The file, its text and the text with inline arrays replaced are in memory at once (~4x the file): at
 * 128 MiB that stays under the 1 GiB goal (json.ts bounds the parse tree by MAX_JSON_VALUES).
 */
export const MAX_JSON_BYTES = 128 * 1024 * 1024;

export interface KerasTextOptions {
  /** Finds weight bytes (.keras / .h5 readers pass theirs); tfjs manifests are handled here. */
  locate?: WeightLocator;
  absentReason?: string;
  /** Reader-specific facts for the model's metadata (container, weights file). */
  metadata?: Record<string, string>;
  warnings?: string[];
  /** tfjs shards not saved yet (absolute path -> bytes), read instead of the folder's files. */
  shards?: ShardOverlay;
  /**
   * The container the config came from (".keras", ".h5"): its weights are inside it, so a tfjs
   * weightsManifest in the config names no file to read (a hostile one would point at files beside it).
   */
  container?: string;
}

export async function readKerasJsonFile(file: string): Promise<Model> {
  const abs = path.resolve(file);
  let buf: Buffer;
  try {
    // Declined before reading: a multi-gigabyte "JSON" must not be loaded to find out it is too big;
    // a FIFO or a device is refused before it is opened (it would block or never end).
    const size = requireRegularFile(abs);
    if (size > MAX_JSON_BYTES) throw new ModelError(`Keras JSON is ${mb(size)} (limit ${mb(MAX_JSON_BYTES)})`, 'limit');
    buf = await readFile(abs);
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'io');
  }
  if (buf.length > MAX_JSON_BYTES) throw new ModelError(`Keras JSON is ${mb(buf.length)} (limit ${mb(MAX_JSON_BYTES)})`, 'limit');
  return readKerasJsonText(buf.toString('utf8'), abs);
}

function mb(bytes: number): string {
  const v = bytes / 2 ** 20;
  return `${Number.isInteger(v) ? v : v.toFixed(1)} MB`;
}

/** Parses Keras JSON text of any dialect into the IR. `file` is used for messages and shard paths. */
export function readKerasJsonText(text: string, file: string, opts: KerasTextOptions = {}): Model {
  const doc = parseJsonDocument(text);
  const kdoc = readDocument(doc);
  return modelFromDocument(kdoc, file, opts);
}

export function modelFromDocument(kdoc: KDocument, file: string, opts: KerasTextOptions = {}): Model {
  const warnings = pushAll(pushAll([], kdoc.warnings), opts.warnings ?? []);
  let locate = opts.locate;
  let absentReason = opts.absentReason ?? 'architecture-only Keras JSON: the file holds no weights';
  if (kdoc.weightsManifest !== undefined && opts.container) {
    warnings.push(`the ${opts.container} config holds a TF.js weightsManifest: ignored (the weights of a ${opts.container} file are inside it)`);
  } else if (!locate && kdoc.weightsManifest !== undefined) {
    const t = tfjsLocator(kdoc.weightsManifest, path.dirname(file), warnings, opts.shards);
    locate = t.locate;
    absentReason = t.absentReason;
  }
  const b = new GraphBuilder({ locate, absentReason });
  const graph = b.build(kdoc.model);
  pushAll(warnings, b.warnings);
  const metadata: Record<string, string> = { dialect: kdoc.dialect, ...(opts.metadata ?? {}) };
  if (kdoc.kerasVersion) metadata.keras_version = kdoc.kerasVersion;
  if (kdoc.backend) metadata.backend = kdoc.backend;
  if (kdoc.tfjs && typeof kdoc.tfjs.generatedBy === 'string') metadata.generated_by = kdoc.tfjs.generatedBy;
  if (kdoc.tfjs && typeof kdoc.tfjs.convertedBy === 'string') metadata.converted_by = kdoc.tfjs.convertedBy;
  return {
    format: 'keras',
    file,
    graph,
    opsets: {},
    producer: kdoc.kerasVersion ? `Keras ${kdoc.kerasVersion}` : kdoc.dialect,
    metadata,
    warnings,
  };
}
