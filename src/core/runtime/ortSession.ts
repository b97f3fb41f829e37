import type * as Ort from 'onnxruntime-node';
import { ModelError } from '../errors';
import type { InputData, RandomInput } from './inputs';
import { fromHalfBits } from './prng';

export type { Ort };

let loaded: typeof Ort | undefined;

/**
 * onnxruntime-node, loaded on first use: it is a native addon the extension bundle keeps external,
 * so merely importing this module (e.g. for types or the worker client) must not load it.
 */
export function ortRuntime(): typeof Ort {
  if (loaded) return loaded;
  try {
    loaded = require('onnxruntime-node') as typeof Ort;
  } catch (e) {
    throw new ModelError(`ONNX Runtime (onnxruntime-node) is not available: ${String((e as Error)?.message ?? e).split('\n')[0]}`, 'unsupported');
  }
  return loaded;
}

export interface SessionSettings {
  threads?: number;
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  profilePrefix?: string;
  /** Where ORT writes the graph it actually runs (after fusions and layout changes). */
  optimizedModelFilePath?: string;
}

/** ORT session options for the CPU execution provider; the only place they are decided. */
export function sessionOptions(s: SessionSettings): Ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: s.optimization ?? 'all',
    ...(s.threads ? { intraOpNumThreads: s.threads } : {}),
    ...(s.profilePrefix ? { enableProfiling: true, profileFilePrefix: s.profilePrefix } : {}),
    ...(s.optimizedModelFilePath ? { optimizedModelFilePath: s.optimizedModelFilePath } : {}),
    // Fatal only: ORT's own log goes straight to the host's stderr, and its errors reach the user
    // anyway as the one-line ModelError built from the rejected promise.
    logSeverityLevel: 4,
  };
}

export async function createSession(model: string | Uint8Array, s: SessionSettings): Promise<Ort.InferenceSession> {
  const ort = ortRuntime();
  try {
    return typeof model === 'string'
      ? await ort.InferenceSession.create(model, sessionOptions(s))
      : await ort.InferenceSession.create(model, sessionOptions(s));
  } catch (e) {
    throw new ModelError(`ONNX Runtime cannot load the model: ${ortReason(e)}`, 'unsupported');
  }
}

export async function runSession(session: Ort.InferenceSession, feeds: Ort.InferenceSession.FeedsType): Promise<Ort.InferenceSession.ReturnType> {
  try {
    return await session.run(feeds);
  } catch (e) {
    throw new ModelError(`ONNX Runtime cannot run the model: ${ortReason(e)}`, 'unsupported');
  }
}

/**
 * ORT's reason on one line: its messages repeat the status code and the file path and sometimes
 * span lines; the user needs the cause.
 */
export function ortReason(e: unknown): string {
  let s = String((e as Error)?.message ?? e);
  s = s.replace(/\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*/g, '').replace(/\s+/g, ' ').trim();
  s = s.replace(/^Load model from \S+ failed:\s*/, '');
  // Source locations and the failed C++ check are for ORT developers; the status message follows them.
  s = s.replace(/\/onnxruntime_src\/\S+:\d+\s+(?:[^.]*? was false\.\s*)?/g, '');
  s = s.replace(/^Non-zero status code returned while running (\S+) node\. Name:'([^']*)' Status Message:\s*/, "node '$2' ($1): ");
  return s.length > 400 ? `${s.slice(0, 400)}…` : s || 'unknown error';
}

export function toFeeds(inputs: RandomInput[]): Ort.InferenceSession.FeedsType {
  const ort = ortRuntime();
  const feeds: Record<string, Ort.Tensor> = {};
  for (const i of inputs) feeds[i.name] = new ort.Tensor(i.dtype as Ort.Tensor.Type, i.data as Ort.Tensor.DataType, i.shape);
  return feeds;
}

/** Output values as float64 for comparison (bigint and half-float outputs included). */
export function outputNumbers(t: Ort.Tensor): { dtype: string; dims: number[]; values: Float64Array } {
  const d = t.data as InputData | string[];
  let values: Float64Array;
  if (t.type === 'float16') {
    values = Float64Array.from(d as Uint16Array, (h) => fromHalfBits(h));
  } else if (Array.isArray(d)) {
    values = new Float64Array(d.length).fill(NaN);
  } else {
    values = Float64Array.from(d as ArrayLike<number | bigint>, (x) => Number(x));
  }
  return { dtype: t.type, dims: [...t.dims], values };
}

