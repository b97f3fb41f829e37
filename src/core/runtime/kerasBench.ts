import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../errors';
import { tensorBackend } from '../tensor/backend';
import { parseJsonDocument } from '../formats/keras/json';
import { readDocument } from '../formats/keras/topology';
import { toKeras2Json } from '../formats/keras/keras2Json';
import { mulberry32, seedFor } from './prng';
import { hrMs, latencyStats } from './stats';
import type { BenchOptions, BenchResult, InputSpec, NodeTime, PerNodeTimes } from './types';
import type { RunOutputs } from './onnxBench';

type Tf = typeof import('@tensorflow/tfjs');
type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Tensor = import('@tensorflow/tfjs').Tensor;

const MAX_PROFILED_RUNS = 5;

/**
 * The Keras model config tfjs builds from: a tfjs layers-model file's `modelTopology` (its
 * `model_config` when the converter wrapped it), or a Keras 2 `to_json()` config, possibly
 * JSON-encoded twice. Keras 1 and 3 dialects need the Keras normaliser and are refused here.
 */
export function kerasTopology(text: string): Record<string, unknown> {
  let j: unknown;
  try {
    j = JSON.parse(text);
    if (typeof j === 'string') j = JSON.parse(j);
  } catch (e) {
    throw new ModelError(`not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const o = j as Record<string, unknown>;
  const topo = (o && typeof o === 'object' && 'modelTopology' in o ? (o.modelTopology as Record<string, unknown>) : o) ?? {};
  const cfg = (topo.model_config as Record<string, unknown> | undefined) ?? topo;
  if (!cfg || typeof cfg !== 'object' || typeof cfg.class_name !== 'string' || !cfg.config) {
    throw new ModelError('no Keras model config found (expected {"class_name", "config"} or a tfjs "modelTopology")');
  }
  return cfg;
}

/**
 * Keras 2 configs to build, best first: the Keras normaliser's output (any dialect: Keras 1/2/3,
 * tfjs, double-encoded), then the file's own config as tfjs would read it. Initializers are zeroed.
 */
function modelConfigs(text: string): Record<string, unknown>[] {
  const doc = readDocument(parseJsonDocument(text));
  const normalised = toKeras2Json(doc.model, { mapConfig: (_cls, cfg) => zeroInitializers(cfg) as Record<string, unknown> });
  const out = [normalised];
  try {
    out.push(zeroInitializers(kerasTopology(text)) as Record<string, unknown>);
  } catch {
    // The normaliser understood the file; the raw form is only a fallback.
  }
  return out;
}

/**
 * Every weight initializer becomes Zeros (and training-only regularizers go) before building: tfjs initialises all weights when it builds
 * (Orthogonal on a big LSTM takes minutes); random weights are written afterwards from our PRNG.
 */
function zeroInitializers(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(zeroInitializers);
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    // Regularizers and constraints only act in training; dropping them spares dialect differences.
    if ((k.endsWith('_regularizer') || k.endsWith('_constraint')) && x && typeof x === 'object') continue;
    out[k] = k.endsWith('_initializer') && x && typeof x === 'object' ? { class_name: 'Zeros', config: {} } : zeroInitializers(x);
  }
  return out;
}

export interface KerasBench {
  result: BenchResult;
  outputs: RunOutputs;
}

/**
 * Times a Keras model in TensorFlow.js: built from its JSON config with seeded random weights,
 * on tfjs-node when installed, else the wasm backend (its .wasm read from node_modules), else cpu.
 */
export async function benchKeras(file: string, opts: BenchOptions = {}): Promise<KerasBench> {
  const runs = Math.max(1, Math.floor(opts.runs ?? 20));
  const warmup = Math.max(0, Math.floor(opts.warmup ?? 3));
  const seed = opts.seed ?? 1234;
  const progress = opts.onProgress ?? (() => undefined);
  const warnings: string[] = [];
  progress({ phase: 'load', done: 0, total: 0 });
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new ModelError(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'io');
  }
  const candidates = modelConfigs(text);
  const backend = await tensorBackend();
  const tf = backend.tf;

  const tfBefore = tf.memory().numBytes;
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampleRss = () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss));
  const tLoad = process.hrtime.bigint();
  let model: LayersModel | undefined;
  let firstError: unknown;
  for (const topology of candidates) {
    try {
      model = await tf.models.modelFromJSON({ modelTopology: topology } as never);
      break;
    } catch (e) {
      firstError ??= e;
    }
  }
  if (!model) throw new ModelError(`TensorFlow.js cannot build the model: ${oneLine(firstError)}`, 'unsupported');
  setRandomWeights(tf, model, seed);
  const loadMs = hrMs(tLoad);
  sampleRss();

  const specs = kerasInputs(model, opts.dims ?? {}, warnings);
  // Seeded by position: tfjs makes symbolic tensor names unique per process (a second build of the same
  // JSON gets "x_1"), which would give the original and its compressed copy different inputs.
  const inputs = specs.map((s, k) => randomTensor(tf, s, seedFor(seed, `input:${k}`), embeddingBound(model, s.name)));
  let tfPeak = 0;
  const run = (): Tensor[] => {
    let out: Tensor | Tensor[];
    try {
      out = model.predict(inputs.length === 1 ? inputs[0] : inputs) as Tensor | Tensor[];
    } catch (e) {
      throw new ModelError(`TensorFlow.js cannot run the model: ${oneLine(e)}`, 'unsupported');
    }
    const list = Array.isArray(out) ? out : [out];
    for (const t of list) t.dataSync();
    tfPeak = Math.max(tfPeak, tf.memory().numBytes - tfBefore);
    return list;
  };
  const times: number[] = [];
  let outputs: RunOutputs = {};
  try {
    for (let i = 0; i < warmup; i++) {
      opts.signal?.throwIfAborted();
      progress({ phase: 'warmup', done: i, total: warmup });
      tf.dispose(run());
      sampleRss();
    }
    for (let i = 0; i < runs; i++) {
      opts.signal?.throwIfAborted();
      progress({ phase: 'run', done: i, total: runs });
      const t = process.hrtime.bigint();
      const out = run();
      times.push(hrMs(t));
      sampleRss();
      if (i === runs - 1) {
        outputs = Object.fromEntries(out.map((o, k) => [model.outputNames?.[k] ?? `output_${k}`, { dtype: o.dtype, dims: [...o.shape], values: Float64Array.from(o.dataSync() as ArrayLike<number>) }]));
      }
      tf.dispose(out);
    }
    progress({ phase: 'run', done: runs, total: runs });

    let perNode: PerNodeTimes | undefined;
    if (opts.perNode !== false) {
      try {
        perNode = layerTimes(tf, model, inputs, Math.min(runs, MAX_PROFILED_RUNS), opts);
      } catch (e) {
        if ((e as Error)?.name === 'AbortError') throw e;
        warnings.push(`no per-layer times: ${oneLine(e)}`);
      }
    }
    const result: BenchResult = {
      file: abs,
      format: 'keras',
      runtime: 'tfjs',
      backend: backend.name,
      backendNotes: backend.notes,
      inputs: specs,
      warmup,
      latency: latencyStats(times),
      memory: {
        rssBeforeBytes: rssBefore,
        rssPeakDeltaBytes: rssPeak - rssBefore,
        tfjsPeakBytes: tfPeak,
        note: `rssPeakDeltaBytes: growth of this process's resident memory from before building the model to its highest sample; tfjsPeakBytes: bytes held by live tfjs tensors (weights included) right after a run, before its outputs are freed${backend.name === 'wasm' ? '; the wasm heap only grows, so RSS keeps its high-water mark' : ''}`,
      },
      ...(perNode ? { perNode } : {}),
      fileBytes: statSync(abs).size,
      loadMs,
      warnings: [...warnings, 'weights are seeded random values: the file holds the architecture only'],
    };
    return { result, outputs };
  } finally {
    tf.dispose(inputs);
    model.dispose();
  }
}

function oneLine(e: unknown): string {
  return String((e as Error)?.message ?? e).replace(/\s+/g, ' ').trim().slice(0, 400);
}

function setRandomWeights(tf: Tf, model: LayersModel, seed: number): void {
  const ws = model.getWeights();
  const names = model.weights.map((v) => v.originalName ?? v.name);
  const fresh = ws.map((w, i) => {
    const rnd = mulberry32(seedFor(seed, `weight:${i}`));
    const n = w.size;
    const a = new Float32Array(n);
    // Small values (±0.05) keep activations finite through deep stacks of random layers. A variance
    // must stay positive (BatchNormalization divides by its square root: NaN otherwise) and a
    // normalisation's scale near 1.
    const name = names[i] ?? '';
    const [lo, span] = /variance$/.test(name) ? [0.5, 1] : /gamma$/.test(name) ? [0.95, 0.1] : [-0.05, 0.1];
    for (let k = 0; k < n; k++) a[k] = lo + rnd() * span;
    return w.dtype === 'float32' ? tf.tensor(a, w.shape, 'float32') : tf.zeros(w.shape, w.dtype);
  });
  model.setWeights(fresh);
  // getWeights() returns the variables' own tensors: only our copies are freed.
  tf.dispose(fresh);
}

/**
 * Concrete input shapes. Keras leaves the batch axis open (null): it is the dim "batch" (1 unless
 * given, with a warning); other open axes are "INPUT[axis]" and must be given.
 */
function kerasInputs(model: LayersModel, dims: Record<string, number>, warnings: string[]): InputSpec[] {
  const unbound: string[] = [];
  const specs = model.inputs.map((t) => {
    const shape = t.shape.map((d, axis) => {
      if (typeof d === 'number') return d;
      const key = axis === 0 ? 'batch' : `${t.name}[${axis}]`;
      const v = dims[key] ?? dims[`${t.name}[${axis}]`];
      if (v !== undefined) return v;
      if (axis === 0) {
        if (!warnings.some((w) => w.startsWith('batch'))) warnings.push('batch dim not given: ran with batch=1 (--dim batch=N to change)');
        return 1;
      }
      unbound.push(key);
      return 0;
    });
    return { name: t.name, dtype: t.dtype, shape };
  });
  if (unbound.length) throw new ModelError(`unbound input dims: ${unbound.join(', ')} (give each a value, e.g. --dim ${unbound[0]}=1)`, 'unsupported');
  return specs;
}

/** Integer inputs feeding an Embedding are indices below its input_dim. */
function embeddingBound(model: LayersModel, inputName: string): number {
  for (const l of model.layers) {
    const inputDim = (l as unknown as { inputDim?: number }).inputDim;
    if (l.getClassName() !== 'Embedding' || typeof inputDim !== 'number') continue;
    const nodes = (l as unknown as { inboundNodes: { inputTensors: { name: string }[] }[] }).inboundNodes;
    if (nodes.some((n) => n.inputTensors.some((t) => t.name === inputName || t.name.startsWith(inputName)))) return inputDim;
  }
  return 2;
}

function randomTensor(tf: Tf, s: InputSpec, seed: number, intBound: number): Tensor {
  const rnd = mulberry32(seed);
  const n = s.shape.reduce((a, b) => a * b, 1);
  if (s.dtype === 'int32') return tf.tensor(Int32Array.from({ length: n }, () => Math.floor(rnd() * intBound)), s.shape, 'int32');
  if (s.dtype === 'bool') return tf.tensor(Uint8Array.from({ length: n }, () => (rnd() < 0.5 ? 0 : 1)), s.shape, 'bool');
  return tf.tensor(Float32Array.from({ length: n }, () => rnd() * 2 - 1), s.shape, 'float32');
}

interface SymbolicLike {
  id: number;
}
interface InboundNodeLike {
  inputTensors: SymbolicLike[];
  outputTensors: SymbolicLike[];
  callArgs?: Record<string, unknown>;
}
interface LayerLike {
  name: string;
  getClassName(): string;
  inboundNodes: InboundNodeLike[];
  apply(x: Tensor | Tensor[], kwargs?: Record<string, unknown>): Tensor | Tensor[];
}

/**
 * Per-layer times by running the model layer by layer: each layer's inbound node is applied to the
 * concrete tensors of its inputs, timed on its own. On the wasm and cpu backends kernels run
 * synchronously inside apply(), so the wall time of apply() is the layer's time; tf.profile() gives
 * kernel names but no per-kernel times on these backends, hence this way.
 */
function layerTimes(tf: Tf, model: LayersModel, inputs: Tensor[], runs: number, opts: BenchOptions): PerNodeTimes {
  const network = ((model as unknown as { model?: LayersModel }).model ?? model) as LayersModel;
  const layers = network.layers as unknown as LayerLike[];
  const totals = new Map<string, { ms: number; type: string }>();
  for (let r = 0; r < runs + 1; r++) {
    opts.signal?.throwIfAborted();
    opts.onProgress?.({ phase: 'profile', done: r, total: runs + 1 });
    const values = new Map<number, Tensor>();
    (network.inputs as unknown as SymbolicLike[]).forEach((t, i) => values.set(t.id, inputs[i]));
    const made: Tensor[] = [];
    try {
      for (const layer of layers) {
        if (layer.getClassName() === 'InputLayer') continue;
        for (const node of layer.inboundNodes) {
          const ins = node.inputTensors.map((t) => values.get(t.id));
          if (ins.some((x) => !x) || node.outputTensors.every((t) => values.has(t.id))) continue;
          const arg = ins.length === 1 ? ins[0]! : (ins as Tensor[]);
          const t = process.hrtime.bigint();
          const out = layer.apply(arg, node.callArgs ?? {});
          const list = Array.isArray(out) ? out : [out];
          const ms = hrMs(t);
          list.forEach((o, k) => {
            if (node.outputTensors[k]) values.set(node.outputTensors[k].id, o);
            made.push(o);
          });
          // The first pass is a warm-up (kernel compilation, scratch allocation), not counted.
          if (r > 0) {
            const e = totals.get(layer.name) ?? { ms: 0, type: layer.getClassName() };
            e.ms += ms;
            totals.set(layer.name, e);
          }
        }
      }
      const missing = (network.outputs as unknown as SymbolicLike[]).filter((t) => !values.has(t.id)).length;
      if (missing) throw new Error(`${missing} model outputs not reached layer by layer`);
    } finally {
      tf.dispose(made);
    }
  }
  const nodes: NodeTime[] = [...totals.entries()].map(([id, e]) => ({ id, opType: e.type, ms: e.ms / runs, kernels: [id] }));
  return {
    method: `TensorFlow.js layer by layer: wall time of each layer's apply() on concrete inputs, mean of ${runs} runs after 1 warm-up (kernels are synchronous on the wasm/cpu backends); ids are Keras layer names`,
    runs,
    nodes,
    unmapped: [],
    noKernel: layers.filter((l) => l.getClassName() !== 'InputLayer' && !totals.has(l.name)).map((l) => l.name),
    kernelTotalMs: nodes.reduce((a, n) => a + n.ms, 0),
  };
}
