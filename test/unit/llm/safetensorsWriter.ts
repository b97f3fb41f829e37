import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes safetensors files the way huggingface/safetensors does — 8-byte little-endian header length,
 * JSON header padded with spaces to a multiple of 8, data in header order — but the data region is
 * left as a hole (ftruncate), so a 14 GB checkpoint costs a few KB of disk.
 */
export interface TensorSpec {
  name: string;
  dtype: string;
  shape: number[];
}

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1 };

export function writeSafetensors(file: string, tensors: TensorSpec[], metadata: Record<string, string> = { format: 'pt' }): number {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, len);
    writeSync(fd, Buffer.from(json));
    ftruncateSync(fd, 8 + Buffer.byteLength(json) + offset);
  } finally {
    closeSync(fd);
  }
  return 8 + Buffer.byteLength(json) + offset;
}

/** Shards named as transformers' save_pretrained names them, plus model.safetensors.index.json. */
export function writeSharded(dir: string, tensors: TensorSpec[], shards: number): string[] {
  mkdirSync(dir, { recursive: true });
  const per = Math.ceil(tensors.length / shards);
  const files: string[] = [];
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let s = 0; s < shards; s++) {
    const part = tensors.slice(s * per, (s + 1) * per);
    const name = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    total += writeSafetensors(path.join(dir, name), part);
    for (const t of part) weightMap[t.name] = name;
    files.push(path.join(dir, name));
  }
  writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  return files;
}

export function rawHeaderFile(file: string, headerLength: bigint, body: string): void {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(headerLength);
  writeFileSync(file, Buffer.concat([len, Buffer.from(body)]));
}
