/**
 * The measured side of the protocol (issue 7): per-node times of a benchmark for the graph view's
 * "measured time" heat, and the before/after comparison the optimization preview shows. Types and
 * validators; protocol.ts puts them into its message unions. Pure (no vscode, no DOM).
 */
import { arr, bool, Invalid, nonNegative, num, obj, optional, str } from './validate';

/** One graph node's measured kernel time. */
export interface MeasuredNodeTime {
  /** LayerAnalysis.id (ONNX node id, Keras layer name). */
  id: string;
  /** Mean kernel time per profiled run, ms. */
  ms: number;
  /** Layers the runtime fused into this node's kernel: their time is inside `ms`. */
  fused?: string[];
}

/** A benchmark's per-node times and the run they came from (what the legend states). */
export interface MeasuredTimes {
  runtime: string;
  /** 'cpu' for ONNX Runtime; 'wasm' | 'cpu' | 'tensorflow' for TensorFlow.js. */
  backend: string;
  /** Timed runs of the latency measurement, and their median / p90, ms. */
  runs: number;
  medianMs: number;
  p90Ms: number;
  /** Runs the per-node times are the mean of (a separate, profiled session). */
  profiledRuns: number;
  /** How the times were obtained, one sentence. */
  method: string;
  nodes: MeasuredNodeTime[];
  /** Layers with no kernel of their own (folded or removed by the runtime's optimiser). */
  noKernel: string[];
  /** Runtime kernels that belong to no layer (layout reorders, casts): how many, their time per run. */
  unmappedKernels: number;
  unmappedMs: number;
  /** Sum of all kernel times per run, ms. */
  kernelTotalMs: number;
}

/** The Measure button of the graph toolbar: whether it can run, and why not. */
export interface MeasureState {
  enabled: boolean;
  /** Why it is disabled (Restricted Mode, a format that cannot run), for the tooltip. */
  reason?: string;
  /** A benchmark of this model is running. */
  running?: boolean;
}

/** Latency and size of one side of a comparison. */
export interface CompareSide {
  medianMs: number;
  p90Ms: number;
  bytes: number;
}

/** How far one output moved; null where the runtime gave no number (shape change, NaN, zero reference). */
export interface CompareOutput {
  name: string;
  maxAbs: number | null;
  relL2: number | null;
  mismatch?: string;
}

/** The preview's measured before/after: both models run on the same seeded inputs. */
export interface CompareView {
  /** The knob values the compressed model was written with. */
  knobs: Record<string, number>;
  runtime: string;
  backend: string;
  runs: number;
  before: CompareSide;
  after: CompareSide;
  /** before.medianMs / after.medianMs: above 1 the compressed model is faster. */
  speedup: number;
  outputs: CompareOutput[];
  /** Caveats the user should read with the numbers (random weights, runtime warnings). */
  notes: string[];
}

function strings(x: unknown, at: string): string[] {
  return arr(x, at).map((s, i) => str(s, `${at}[${i}]`));
}

export function measuredTimes(x: unknown, at: string): MeasuredTimes {
  const o = obj(x, at);
  str(o.runtime, `${at}.runtime`);
  str(o.backend, `${at}.backend`);
  for (const k of ['runs', 'medianMs', 'p90Ms', 'profiledRuns', 'unmappedKernels', 'unmappedMs', 'kernelTotalMs']) nonNegative(o[k], `${at}.${k}`);
  str(o.method, `${at}.method`);
  const seen = new Set<string>();
  arr(o.nodes, `${at}.nodes`).forEach((n, i) => {
    const p = `${at}.nodes[${i}]`;
    const no = obj(n, p);
    const id = str(no.id, `${p}.id`);
    // Two times for one node would make the heat depend on which one wins.
    if (seen.has(id)) throw new Invalid(`${p}.id: duplicate node ${JSON.stringify(id)}`);
    seen.add(id);
    nonNegative(no.ms, `${p}.ms`);
    optional(no, 'fused', p, strings);
  });
  strings(o.noKernel, `${at}.noKernel`);
  return o as unknown as MeasuredTimes;
}

export function measureState(o: Record<string, unknown>, at: string): void {
  bool(o.enabled, `${at}.enabled`);
  optional(o, 'reason', at, str);
  optional(o, 'running', at, bool);
}

function nullableNumber(x: unknown, at: string): number | null {
  return x === null ? null : num(x, at);
}

function side(x: unknown, at: string): void {
  const o = obj(x, at);
  for (const k of ['medianMs', 'p90Ms', 'bytes']) nonNegative(o[k], `${at}.${k}`);
}

export function compareView(x: unknown, at: string): CompareView {
  const o = obj(x, at);
  const knobs = obj(o.knobs, `${at}.knobs`);
  for (const k of Object.keys(knobs)) num(knobs[k], `${at}.knobs.${k}`);
  str(o.runtime, `${at}.runtime`);
  str(o.backend, `${at}.backend`);
  nonNegative(o.runs, `${at}.runs`);
  side(o.before, `${at}.before`);
  side(o.after, `${at}.after`);
  nonNegative(o.speedup, `${at}.speedup`);
  arr(o.outputs, `${at}.outputs`).forEach((d, i) => {
    const p = `${at}.outputs[${i}]`;
    const dobj = obj(d, p);
    str(dobj.name, `${p}.name`);
    nullableNumber(dobj.maxAbs, `${p}.maxAbs`);
    nullableNumber(dobj.relL2, `${p}.relL2`);
    optional(dobj, 'mismatch', p, str);
  });
  strings(o.notes, `${at}.notes`);
  return o as unknown as CompareView;
}
