import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onnx } from '../../../src/core/formats/onnx/schema/onnx';

export const SHARED = path.resolve(__dirname, '../../../../shared/models/onnx');

export interface ManifestValue {
  name: string;
  dtype: string;
  shape: (number | string)[];
}

export interface ManifestOnnx {
  ir_version: number;
  opset_import: Record<string, number>;
  node_count: number;
  op_histogram: Record<string, number>;
  inputs: ManifestValue[];
  outputs: ManifestValue[];
  initializer_count: number;
  initializer_elems: number;
  initializer_elems_by_dtype: Record<string, number>;
  constant_nodes: number;
  external_initializers: number;
}

export interface ManifestModel {
  file: string;
  file_bytes: number;
  onnx: ManifestOnnx;
}

export function manifest(): ManifestModel[] {
  return JSON.parse(readFileSync(path.join(SHARED, 'onnx_manifest.json'), 'utf8')).models;
}

export function sharedModel(name: string): string {
  return path.join(SHARED, name);
}

export function tmpDir(tag: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `modellens-onnx-${tag}-`));
}

/** Deterministic PRNG (mulberry32) so fuzz failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Encodes a ModelProto given as plain properties (tests build small hand-made models with it). */
export function writeModel(file: string, m: onnx.ModelProto.$Properties): string {
  writeFileSync(file, onnx.ModelProto.encode(m).finish());
  return file;
}

export function floatBytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** A python with the onnx package: `python3` first, then the Debian one (a pyenv python3 may shadow it). */
export function pythonWithOnnx(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(py, ['-c', 'import onnx'], { stdio: 'ignore' });
      return py;
    } catch {
      // try the next one
    }
  }
  return undefined;
}
