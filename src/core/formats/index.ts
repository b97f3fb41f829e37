import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../errors';
import { requireRegularFile } from './modelFiles';
import { swollenDims } from '../ir/dim';
import type { Model } from '../ir/graph';
import { readOnnxFile } from './onnx/reader';
import { readKerasArchive, readKerasH5, readKerasJsonFile } from './keras';
import { readHfModel } from './hf/reader';
import { looksLikeSafetensors } from './safetensors/header';
import { readGgufModel } from './gguf/model';

export type DetectedFormat = 'onnx' | 'keras-json' | 'keras-zip' | 'keras-h5' | 'safetensors' | 'safetensors-index' | 'hf-config' | 'hf-folder' | 'gguf' | 'unknown';

/** Sniffs the first bytes: formats are recognised by content, not by file name. */
export async function detectFormat(file: string): Promise<DetectedFormat> {
  let head: Buffer;
  let size = 0;
  try {
    const st = await stat(file);
    if (st.isDirectory()) return 'hf-folder';
    // Checked before opening: opening a FIFO blocks until a writer comes, reading a device never ends.
    requireRegularFile(file);
    size = st.size;
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'io');
  }
  const base = path.basename(file).toLowerCase();
  try {
    const fh = await open(file, 'r');
    try {
      head = Buffer.alloc(64);
      const { bytesRead } = await fh.read(head, 0, 64, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new ModelError(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'io');
  }
  if (head.length === 0) throw new ModelError('empty file');
  // GGUF: the magic, whatever the name (a big-endian or v1 file gets the GGUF reader's message).
  if (head.subarray(0, 4).toString('latin1') === 'GGUF') return 'gguf';
  // safetensors: 8-byte header length, then '{'. By name too, so a hostile header length gets the safetensors error.
  if (base.endsWith('.safetensors') || looksLikeSafetensors(head, size)) return 'safetensors';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'keras-zip';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'keras-h5';
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('{') || text.startsWith('"') || text.startsWith('[')) {
    if (base.endsWith('.safetensors.index.json')) return 'safetensors-index';
    // transformers writes model_type near the end of config.json; Keras JSON has no config.json name.
    if (base === 'config.json' && (await hasModelType(file, size))) return 'hf-config';
    return 'keras-json';
  }
  // ONNX ModelProto starts with field 1 (ir_version, varint: 0x08) in practice; any protobuf tag is allowed.
  if (head[0] === 0x08 || path.extname(file).toLowerCase() === '.onnx') return 'onnx';
  return 'unknown';
}

/** A config.json (small: read whole up to 1 MB) that names a transformers model_type at its top level. */
async function hasModelType(file: string, size: number): Promise<boolean> {
  if (size > 1024 * 1024) return false;
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(size);
    await fh.read(buf, 0, size, 0);
    const text = buf.toString('utf8');
    return /"model_type"\s*:/.test(text) && !/"class_name"\s*:\s*"(Sequential|Functional|Model)"/.test(text);
  } finally {
    await fh.close();
  }
}

/** Reads any supported model file into the IR. Errors are ModelErrors with one-line messages. */
export async function loadModel(file: string): Promise<Model> {
  swollenDims(); // the count of dims made opaque is per model (the analysis warns about them)
  const fmt = await detectFormat(file);
  switch (fmt) {
    case 'onnx':
      return readOnnxFile(file);
    case 'keras-json':
      return readKerasJsonFile(file);
    case 'keras-zip':
      return readKerasArchive(file);
    case 'keras-h5':
      return readKerasH5(file);
    case 'safetensors':
    case 'safetensors-index':
    case 'hf-config':
    case 'hf-folder':
      return readHfModel(file);
    case 'gguf':
      return readGgufModel(file);
    case 'unknown':
      throw new ModelError('not a model file ModelLens can read (expected ONNX protobuf, Keras JSON, .keras zip, .h5, safetensors or a Hugging Face config.json or GGUF)');
    default:
      throw new ModelError(`${fmt} models are not supported yet`, 'unsupported');
  }
}
