import { open } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../errors';
import { requireRegularFile } from './modelFiles';
import { swollenDims } from '../ir/dim';
import type { Model } from '../ir/graph';
import { readOnnxFile } from './onnx/reader';
import { readKerasArchive, readKerasH5, readKerasJsonFile } from './keras';

export type DetectedFormat = 'onnx' | 'keras-json' | 'keras-zip' | 'keras-h5' | 'unknown';

/** Sniffs the first bytes: formats are recognised by content, not by file name. */
export async function detectFormat(file: string): Promise<DetectedFormat> {
  let head: Buffer;
  // Checked before opening: opening a FIFO blocks until a writer comes, reading a device never ends.
  requireRegularFile(file);
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
  if (head[0] === 0x50 && head[1] === 0x4b) return 'keras-zip';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'keras-h5';
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('{') || text.startsWith('"') || text.startsWith('[')) return 'keras-json';
  // ONNX ModelProto starts with field 1 (ir_version, varint: 0x08) in practice; any protobuf tag is allowed.
  if (head[0] === 0x08 || path.extname(file).toLowerCase() === '.onnx') return 'onnx';
  return 'unknown';
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
    case 'unknown':
      throw new ModelError('not a model file ModelLens can read (expected ONNX protobuf, Keras JSON, .keras zip or .h5)');
    default:
      throw new ModelError(`${fmt} models are not supported yet`, 'unsupported');
  }
}
