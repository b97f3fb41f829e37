import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Attribute, Graph, Model, Node, ValueInfo } from '../../../src/core/ir/graph';
import { inlineTensor, type LazyTensor } from '../../../src/core/ir/tensor';
import { writeOnnx } from '../../../src/core/formats/onnx/writer';
import { readOnnxFile } from '../../../src/core/formats/onnx/reader';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');

/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randn(n: number, r: () => number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  return out;
}

export function f32(name: string, dims: number[], data: Float32Array): LazyTensor {
  return inlineTensor(name, 'float32', dims, new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
}

export function i64(name: string, values: number[]): LazyTensor {
  return inlineTensor(name, 'int64', [values.length], new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer));
}

export function node(id: string, opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attribute> = {}): Node {
  return { id, name: id, opType, domain: '', inputs, outputs, attrs };
}

export const ints = (value: number[]): Attribute => ({ kind: 'ints', value });
export const int = (value: number): Attribute => ({ kind: 'int', value });
export const flt = (value: number): Attribute => ({ kind: 'float', value });

export function vi(name: string, shape: number[]): ValueInfo {
  return { name, dtype: 'float32', shape };
}

export function model(nodes: Node[], inputs: ValueInfo[], outputs: ValueInfo[], inits: LazyTensor[], opset = 13): Model {
  const graph: Graph = { name: 'g', nodes, inputs, outputs, initializers: new Map(inits.map((t) => [t.name, t])), valueInfo: new Map() };
  return { format: 'onnx', file: '/synthetic.onnx', graph, opsets: { '': opset }, metadata: {}, warnings: [] };
}

/**
 * Conv(3→C, 3×3, pad 1) → BatchNormalization on 'x' → 'y' with random weights and positive variances:
 * the two nodes and their initializers, for tests of BatchNorm folding.
 */
export function convBn(r: () => number, C: number): { nodes: Node[]; inits: LazyTensor[] } {
  const pos = (n: number) => Float32Array.from(randn(n, r), (x) => 0.5 + Math.abs(x));
  return {
    nodes: [
      node('conv', 'Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) }),
      node('bn', 'BatchNormalization', ['c', 'g', 'be', 'mu', 'var'], ['y'], { epsilon: flt(1e-3) }),
    ],
    inits: [
      f32('w', [C, 3, 3, 3], randn(C * 27, r)), f32('b', [C], randn(C, r)),
      f32('g', [C], pos(C)), f32('be', [C], randn(C, r)), f32('mu', [C], randn(C, r)), f32('var', [C], pos(C)),
    ],
  };
}

export class TempDir {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'ml-passes-'));
  file(name: string): string {
    return path.join(this.dir, name);
  }
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Writes with our writer, then reads it back with our reader (what the editor does on save + reopen). */
export async function roundTrip(m: Model, file: string): Promise<Model> {
  await writeOnnx(m, file);
  return readOnnxFile(file);
}

export type Feeds = Record<string, { data: Float32Array | BigInt64Array; dims: number[] }>;

export async function runOrt(file: string, feeds: Feeds): Promise<Record<string, Float32Array>> {
  const sess = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
  const inputs: Record<string, InstanceType<typeof ort.Tensor>> = {};
  for (const [k, v] of Object.entries(feeds)) inputs[k] = new ort.Tensor(v.data instanceof BigInt64Array ? 'int64' : 'float32', v.data, v.dims);
  const res = await sess.run(inputs);
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(res)) out[k] = Float32Array.from(v.data as Float32Array);
  await sess.release();
  return out;
}

/** max |a - b| / max |a|: "within 1e-4 relative" of the issue. */
export function maxRelDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(a[i]));
  }
  return m === 0 ? d : d / m;
}

export function frobRel(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    s += a[i] ** 2;
  }
  return Math.sqrt(d / s);
}

/**
 * onnx.checker through Debian's python3-onnx. Returns undefined when python3-onnx is not installed
 * (the caller reports it), else the checker's error text ('' = passed).
 */
export function onnxChecker(file: string): string | undefined {
  // Debian's interpreter first: a pyenv `python3` on PATH does not see apt's python3-onnx.
  const py = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0);
  if (!py) return undefined;
  const r = spawnSync(py, ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file], { encoding: 'utf8' });
  return r.status === 0 ? '' : (r.stderr || r.stdout).trim().split('\n').slice(-1)[0];
}
