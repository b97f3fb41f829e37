// tfjs layers-models on disk for tests: a real model.json with seeded random weights written into the
// shards its own weightsManifest names, and a loader that reads them back the way tfjs' HTTP/file
// loaders do (each group's paths, relative to model.json, concatenated in order) into tf.loadLayersModel.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { mulberry32, seedFor } from '../../../src/core/runtime/prng';
import { tfReady } from './oracle';

type Json = Record<string, unknown>;
interface Group { paths: string[]; weights: { name: string; shape: number[]; dtype?: string }[] }

/**
 * Random values a trained model could have: kernels He-uniform (activations neither vanish nor blow up
 * through deep stacks), BatchNorm statistics away from the identity so that folding them is visible.
 */
export function plausibleWeight(name: string, shape: number[], seed: number): Float32Array {
  const r = mulberry32(seedFor(seed, name));
  const n = shape.reduce((a, b) => a * b, 1);
  const u = (lo: number, hi: number) => lo + (hi - lo) * r();
  const out = new Float32Array(n);
  const local = name.split('/').pop()!.replace(/:\d+$/, '');
  let fanIn = shape.length > 1 ? n / shape[shape.length - 1] : 1;
  if (local === 'depthwise_kernel') fanIn = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const lim = Math.sqrt(6 / Math.max(1, fanIn));
  for (let i = 0; i < n; i++) {
    if (local === 'gamma') out[i] = u(0.5, 1.5);
    else if (local === 'moving_variance') out[i] = u(0.3, 2);
    else if (local === 'beta' || local === 'moving_mean' || local === 'bias') out[i] = u(-0.3, 0.3);
    else out[i] = u(-lim, lim);
  }
  return out;
}

const SHARD_BYTES = 4 * 1024 * 1024;

/**
 * Copies `jsonFile` (a tfjs model.json, byte for byte) into `dir` and writes the shards its manifest
 * lists, with `plausibleWeight` values. Returns the model.json path.
 */
export function writeTfjsModel(jsonFile: string, dir: string, seed = 7): string {
  mkdirSync(dir, { recursive: true });
  const text = readFileSync(jsonFile, 'utf8');
  const out = path.join(dir, path.basename(jsonFile));
  writeFileSync(out, text);
  const j = JSON.parse(text) as Json;
  for (const g of j.weightsManifest as Group[]) {
    const parts = g.weights.map((w) => new Uint8Array(plausibleWeight(w.name, w.shape, seed).buffer));
    const all = concat(parts);
    // The converter's layout: 4 MB per shard, as many shards as the group lists.
    const chunks = g.paths.length === Math.max(1, Math.ceil(all.length / SHARD_BYTES)) ? g.paths.map((_p, i) => all.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES)) : [all, ...g.paths.slice(1).map(() => new Uint8Array(0))];
    g.paths.forEach((p, i) => {
      const f = path.resolve(dir, p);
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, chunks[i]);
    });
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What tfjs' file loader hands loadLayersModel: the groups' shards, concatenated in manifest order. */
export function readTfjsArtifacts(modelJson: string): tf.io.ModelArtifacts {
  const j = JSON.parse(readFileSync(modelJson, 'utf8')) as Json;
  const groups = (j.weightsManifest ?? []) as Group[];
  const data = concat(groups.flatMap((g) => g.paths.map((p) => new Uint8Array(readFileSync(path.resolve(path.dirname(modelJson), p))))));
  return {
    modelTopology: j.modelTopology as Json,
    format: j.format as string | undefined,
    generatedBy: j.generatedBy as string | undefined,
    convertedBy: j.convertedBy as string | null | undefined,
    weightSpecs: groups.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
  };
}

/** tf.loadLayersModel through a file IO handler; strict: every weight must find its variable and back. */
export async function loadTfjsModel(modelJson: string): Promise<tf.LayersModel> {
  await tfReady();
  return tf.loadLayersModel({ load: async () => readTfjsArtifacts(modelJson) }, { strict: true });
}

/** Seeded inputs in [-1, 1) for every model input (batch `batch`). */
export function randomInputs(m: tf.LayersModel, batch: number, seed: number): tf.Tensor[] {
  return m.inputs.map((t, i) => {
    const shape = t.shape.map((d, k) => (k === 0 ? batch : (d as number)));
    const r = mulberry32(seedFor(seed, `input:${i}`));
    return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1), shape);
  });
}

export function predict(m: tf.LayersModel, inputs: tf.Tensor[]): Float32Array[] {
  const out = m.predict(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const v = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return v;
}
