import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onnx } from '../formats/onnx/schema/onnx';
import { mulberry32 } from './prng';
import { createSession, ortRuntime } from './ortSession';
import { hrMs } from './stats';
import type { DeviceProfile } from './types';

export function defaultProfileCache(): string {
  return path.join(os.tmpdir(), 'modellens', 'device-profile.json');
}

export interface CalibrateOptions {
  threads?: number;
  /** Cache file; the profile is measured once per CPU, thread setting and ORT version. */
  cache?: string;
  /** Re-measure even when the cache holds a profile. */
  force?: boolean;
  /**
   * Matrix size of the MatMul (default 512: 134 M MACs, a few ms, so many repeats fit and the best
   * one is undisturbed; 512, 768 and 1024 agree within 10 % on the dev VM) and element count of the
   * Add (default 16M, far beyond the caches: DRAM bandwidth).
   */
  matmulN?: number;
  addElements?: number;
  repeats?: number;
  signal?: AbortSignal;
}

interface CacheFile {
  version: 1;
  profiles: Record<string, DeviceProfile>;
}

function cpuName(): string {
  const c = os.cpus();
  return `${c[0]?.model?.trim() || 'unknown CPU'} x${c.length}`;
}

/** Bumped when the measurement changes, so profiles measured the old way are not reused. */
const METHOD_VERSION = 2;

function cacheKey(threads: number | undefined, matmulN: number, addElements: number): string {
  return [`v${METHOD_VERSION}`, cpuName(), `threads=${threads ?? 'default'}`, `ort=${ortRuntime().env.versions?.common ?? '?'}`, `mm=${matmulN}`, `add=${addElements}`].join('|');
}

/**
 * The device profile the roofline estimate needs: peak MAC/s from the best of several runs of a
 * float32 MatMul in ORT (the same kernels models use, not a JS loop), and memory bandwidth from a large
 * in-graph Add + ReduceMax (three passes over a buffer far larger than the caches). Cached as JSON.
 */
export async function deviceProfile(opts: CalibrateOptions = {}): Promise<DeviceProfile> {
  const n = opts.matmulN ?? 512;
  const m = opts.addElements ?? 16 * 1024 * 1024;
  const file = opts.cache ?? defaultProfileCache();
  const key = cacheKey(opts.threads, n, m);
  const cached = readCache(file);
  if (!opts.force && cached.profiles[key]) return cached.profiles[key];
  const profile = await measure(n, m, opts);
  cached.profiles[key] = profile;
  writeCache(file, cached);
  return profile;
}

function readCache(file: string): CacheFile {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (c && c.version === 1 && c.profiles && typeof c.profiles === 'object') return c;
  } catch {
    // Absent or corrupt: measured again and rewritten.
  }
  return { version: 1, profiles: {} };
}

function writeCache(file: string, c: CacheFile): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(c, null, 2));
    renameSync(tmp, file);
  } catch {
    // A read-only location only costs a re-measurement next time.
  }
}

async function measure(n: number, m: number, opts: CalibrateOptions): Promise<DeviceProfile> {
  // Many short repeats: on a busy machine the best of them is the one run nothing else disturbed.
  const repeats = opts.repeats ?? 20;
  const ort = ortRuntime();
  const rnd = mulberry32(1);
  const settings = { threads: opts.threads, optimization: 'all' as const };

  // Both operands are initializers, as model weights are (ORT prepacks them), and the product is
  // reduced to a scalar inside the graph: no binding copies are timed. Folding is off so it runs.
  const mm = await createSession(matmulModel(randomFloats(n * n, rnd), randomFloats(n * n, rnd), n), { ...settings, optimization: 'disabled' });
  const x = { x: new ort.Tensor('float32', new Float32Array([0]), [1]) };
  const mmMs = await bestOf(repeats, () => mm.run(x), opts.signal);
  await mm.release();

  // The bandwidth kernel keeps its big buffers inside ORT: feeding or fetching 64 MiB through the JS
  // binding would time the binding's copies. Weights (initializer) + x -> Add -> ReduceMax -> scalar.
  const add = await createSession(streamModel(randomFloats(m, rnd)), { ...settings, optimization: 'disabled' });
  const one = { x: new ort.Tensor('float32', new Float32Array([0.5]), [1]) };
  const addMs = await bestOf(repeats, () => add.run(one), opts.signal);
  await add.release();

  return {
    macsPerSecond: (n * n * n) / (mmMs / 1000),
    bytesPerSecond: (3 * 4 * m) / (addMs / 1000),
    method: `best of ${repeats} ORT CPU runs: MatMul ${n}x${n}x${n} float32 of two initializers (${mmMs.toFixed(2)} ms); Add + ReduceMax over ${m} float32 elements, 3 passes of ${((4 * m) / 2 ** 20).toFixed(0)} MiB (${addMs.toFixed(2)} ms)`,
    cpu: cpuName(),
    threads: opts.threads ?? 'default',
    measuredAt: new Date().toISOString(),
  };
}

async function bestOf(repeats: number, f: () => Promise<unknown>, signal?: AbortSignal): Promise<number> {
  await f();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    signal?.throwIfAborted();
    const t = process.hrtime.bigint();
    await f();
    best = Math.min(best, hrMs(t));
  }
  return best;
}

export function profileCacheExists(file = defaultProfileCache()): boolean {
  return existsSync(file);
}

function randomFloats(n: number, rnd: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd() - 0.5;
  return a;
}

/** y = ReduceMax(A·B) + x with A, B initializers (n×n): the MatMul is all the work. */
function matmulModel(a: Float32Array, b: Float32Array, n: number): Uint8Array {
  const raw = (t: Float32Array) => new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
  const model: onnx.ModelProto.$Properties = {
    ir_version: 8,
    producer_name: 'modellens-calibration',
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'calibrate_matmul',
      node: [
        { op_type: 'MatMul', input: ['a', 'b'], output: ['p'], name: 'MatMul' },
        { op_type: 'ReduceMax', input: ['p'], output: ['m'], name: 'ReduceMax', attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
        { op_type: 'Add', input: ['m', 'x'], output: ['y'], name: 'Add' },
      ],
      initializer: [
        { name: 'a', data_type: onnx.TensorProto.DataType.FLOAT, dims: [n, n], raw_data: raw(a) },
        { name: 'b', data_type: onnx.TensorProto.DataType.FLOAT, dims: [n, n], raw_data: raw(b) },
      ],
      input: [{ name: 'x', type: { tensor_type: { elem_type: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dim_value: 1 }] } } } }],
      output: [{ name: 'y', type: { tensor_type: { elem_type: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dim_value: 1 }] } } } }],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** y = ReduceMax(W + x): streams W once in, the sum once out and once back in (3 passes of W's size). */
function streamModel(w: Float32Array): Uint8Array {
  const m = w.length;
  const vi = (name: string, shape: number[]) => ({
    name,
    type: { tensor_type: { elem_type: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map((d) => ({ dim_value: d })) } } },
  });
  const model: onnx.ModelProto.$Properties = {
    ir_version: 8,
    producer_name: 'modellens-calibration',
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'calibrate_bandwidth',
      node: [
        { op_type: 'Add', input: ['w', 'x'], output: ['s'], name: 'Add' },
        { op_type: 'ReduceMax', input: ['s'], output: ['y'], name: 'ReduceMax', attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
      ],
      initializer: [{ name: 'w', data_type: onnx.TensorProto.DataType.FLOAT, dims: [m], raw_data: new Uint8Array(w.buffer, w.byteOffset, w.byteLength) }],
      input: [vi('x', [1])],
      output: [vi('y', [])],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}
