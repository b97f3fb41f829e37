import { DIM_LIMITS, dimAdd, dimJson, swollenDims, symbolsOf, type Dim } from '../ir/dim';
import { isFloatType } from '../ir/dtype';
import { subgraphsOf, type Graph, type Model, type Node, type TensorType } from '../ir/graph';
import { elementCount, tensorByteLength, type LazyTensor } from '../ir/tensor';
import { inferGraph, type EngineEnv, type NodeRun } from '../rules/engine';
import { ConstReader } from '../rules/tensorValues';
import { bindType } from './bindDims';
import { parameterSlotsOf } from './parameterSlots';
import { findTiedWeights } from './tiedWeights';
import { peakActivationBytes, tensorBytes } from './liveness';
import type { Analysis, LayerAnalysis, NotCosted, TensorSummary } from './types';
import { dict, plain, table } from '../tables';
import { pushAll } from '../arrays';
import { analyzeLlm, LlmAnalysisError, type LlmOptions } from './llm';

export interface AnalyzeOptions {
  /** Values for symbolic dims (e.g. { batch: 1, sequence: 128 }), substituted at the graph inputs. */
  dims?: Record<string, number>;
  /**
   * Language models (Model.llm set): options of the LLM numbers (context, KV dtype, memory plan).
   * Batch and prefill length default to the `batch` / `sequence` dims. `false` skips them.
   */
  llm?: LlmOptions | false;
  /** Look for tied / duplicated initializers (reads a few sampled elements per candidate). Default: ONNX models. */
  tiedWeights?: boolean;
}

const MAX_WARNINGS = 50;

/**
 * Shapes, costs and memory of a model: the Analysis every UI renders. Reads no weight bytes (only
 * small constant tensors that shape computations need). Cost conventions: rules/onnx/costConventions.ts.
 */
export function analyzeModel(model: Model, opts: AnalyzeOptions = {}): Analysis {
  const a = analyzeGraph(model, opts);
  if (model.llm && opts.llm !== false) {
    const lo = opts.llm ?? {};
    const d = opts.dims ?? {};
    const names = model.llm.dims ?? { batch: 'batch', sequence: 'sequence' };
    const oneToken: Record<string, number> = { [names.batch]: 1, [names.sequence]: 1 };
    if (names.past) oneToken[names.past] = 0;
    if (names.total) oneToken[names.total] = 1;
    try {
      const perToken = analyzeGraph(model, { dims: oneToken });
      const encoderRun = (b: number, s: number) => (d[names.batch] === b && d[names.sequence] === s ? a : analyzeGraph(model, { dims: { ...d, [names.batch]: b, [names.sequence]: s } }));
      a.llm = analyzeLlm(model, a, perToken, { ...lo, batch: lo.batch ?? d[names.batch], sequence: lo.sequence ?? d[names.sequence] }, encoderRun);
    } catch (e) {
      if (!(e instanceof LlmAnalysisError)) throw e;
      a.details.warnings.push(`the LLM numbers cannot be computed: ${e.message}`);
    }
  }
  return a;
}

function analyzeGraph(model: Model, opts: AnalyzeOptions): Analysis {
  const dims = opts.dims ?? {};
  const graph = model.graph;
  const consts = new ConstReader();
  const env: EngineEnv = { opsets: model.opsets, consts, warnings: new Set(), declare: (t) => bindType(t, dims), conflicts: [] };
  let run;
  try {
    run = inferGraph(graph, env, graph.inputs.map((i) => bindType(i, dims)));
  } finally {
    consts.close();
  }

  const inputTypes = graph.inputs.map((i) => bindType(i, dims));
  const inputSymbols = symbolsOf(inputTypes.flatMap((t) => t.shape ?? []));
  const allInputSymbols = new Set(symbolsOf(graph.inputs.flatMap((t) => t.shape ?? [])));
  for (const k of Object.keys(dims)) if (!allInputSymbols.has(k)) env.warnings.add(`dim "${k}" is not a symbol of any graph input (inputs use: ${[...allInputSymbols].join(', ') || 'none'})`);

  // ONNX initializers only: Keras shares layers by weight name, and the LLM readers know their ties.
  const tied = !(opts.tiedWeights ?? model.format === 'onnx') ? undefined : tiedWeightsOf(graph, run.nodes.map((r) => r.node));
  const weights = new WeightLedger(graph, new Set(tied?.pairs.map((p) => graph.initializers.get(p.copy)!)));
  for (const p of tied?.pairs ?? []) env.warnings.add(`"${p.copy}" is ${p.relation === 'transpose' ? 'a transposed copy' : 'a copy'} of "${p.kept}" (${p.elements.toLocaleString('en-US')} parameters): counted once`);
  const layers: LayerAnalysis[] = [];
  const notCosted: NotCosted[] = [];
  const producers = dict<string>();
  const byType = dict<{ count: number; params: number; macs: Dim; flops: Dim }>();
  let macs: Dim = 0;
  let flops: Dim = 0;
  let constants = 0;

  for (const r of run.nodes) {
    const n = r.node;
    const w = weights.take(n);
    // Models held in attributes (ai.onnx.ml trees, linear and SVM coefficients) are parameters too.
    const attrParams = r.cost?.attributeParams ?? 0;
    w.params += attrParams;
    weights.params += attrParams;
    constants += constantElements(n);
    const layer = toLayer(r, w.params, w.bytes, graph.initializers);
    layers.push(layer);
    for (const o of n.outputs) if (o) producers[o] = n.id;
    if (r.cost) {
      macs = dimAdd(macs, r.cost.macs);
      flops = dimAdd(flops, r.cost.flops);
      for (const c of r.cost.notCosted ?? []) notCosted.push({ name: c.name, type: c.type, reason: `${c.reason} (inside ${n.opType} "${n.name || n.id}")` });
    } else notCosted.push({ name: n.name || n.id, type: n.opType, reason: r.reason ?? 'not costed' });
    const bt = (byType[n.opType] ??= { count: 0, params: 0, macs: 0, flops: 0 });
    bt.count += 1;
    bt.params += w.params;
    if (r.cost) {
      bt.macs = dimAdd(bt.macs, r.cost.macs);
      bt.flops = dimAdd(bt.flops, r.cost.flops);
    }
  }
  const unused = weights.unused();
  if (unused > 0) env.warnings.add(`${unused} initializer(s) are used by no node: not counted as parameters`);

  const peak = peakActivationBytes(
    run.nodes,
    graph.inputs.map((i, k) => ({ name: i.name, type: run.types.get(i.name) ?? inputTypes[k] })),
    graph.outputs.map((o) => o.name),
  );

  const swollen = swollenDims();
  if (swollen > 0) env.warnings.add(`${swollen} symbolic dim${swollen === 1 ? '' : 's'} grew past ${DIM_LIMITS.maxTerms} terms, degree ${DIM_LIMITS.maxDegree} or ${DIM_LIMITS.maxText} characters and became opaque symbols (unk__x…)`);
  // A model of 100,000 unknown layers has 200,000 warnings: the first MAX_WARNINGS are kept, the rest counted.
  const total = model.warnings.length + env.warnings.size;
  const warnings = pushAll(pushAll([], model.warnings.slice(0, MAX_WARNINGS + 1)), [...env.warnings].slice(0, MAX_WARNINGS + 1)).slice(0, MAX_WARNINGS);
  if (total > MAX_WARNINGS) warnings.push(`... and ${total - MAX_WARNINGS} more warnings`);

  return {
    format: model.format,
    file: model.file,
    inputs: graph.inputs.map((i, k) => summary(i.name, run.types.get(i.name) ?? inputTypes[k])),
    outputs: graph.outputs.map((o, k) => summary(o.name, run.outputs[k])),
    totals: { params: weights.params, macs: dimJson(macs), flops: dimJson(flops), weightBytes: weights.bytes, peakActivationBytes: dimJson(peak) },
    layers,
    notCosted,
    details: {
      constants,
      nonFloatInitializerElements: weights.nonFloatElements,
      weightBytesByDtype: plain(weights.bytesByDtype),
      ...(tied && tied.pairs.length > 0
        ? { tiedWeights: { pairs: tied.pairs, storedParams: weights.params + weights.tiedParams, uniqueParams: weights.params, storedBytes: weights.bytes, uniqueBytes: weights.bytes - weights.tiedBytes, search: { candidates: tied.candidates, sampled: tied.sampled, fullChecks: tied.fullChecks } } }
        : {}),
      boundDims: { ...dims },
      freeDims: inputSymbols.filter((s) => !s.startsWith('unk__')),
      byType: Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, { count: v.count, params: v.params, macs: dimJson(v.macs), flops: dimJson(v.flops) }])),
      producers: plain(producers),
      opsets: model.opsets,
      producer: model.producer,
      ...(Object.keys(model.metadata).length ? { metadata: { ...model.metadata } } : {}),
      warnings,
      shapeConflicts: env.conflicts!.slice(0, MAX_WARNINGS),
    },
  };
}

/** Float initializers in the order their first consumers run (the tied-weight search keeps the earlier). */
/**
 * The tied-weight search reads weight bytes; its answer depends on the initializers only, so an LLM's
 * second analysis (one token) or a re-analysis at other dims reuses it. Keyed by the initializer map
 * and its tensors, so a rewrite that replaces a tensor searches again.
 */
const tiedCache = new WeakMap<Map<string, LazyTensor>, { tensors: LazyTensor[]; result: ReturnType<typeof findTiedWeights> }>();

function tiedWeightsOf(graph: Graph, nodes: readonly Node[]): ReturnType<typeof findTiedWeights> {
  const tensors = parameterTensors(nodes, graph);
  const hit = tiedCache.get(graph.initializers);
  if (hit && hit.tensors.length === tensors.length && hit.tensors.every((t, i) => t === tensors[i])) return hit.result;
  const result = findTiedWeights(tensors);
  tiedCache.set(graph.initializers, { tensors, result });
  return result;
}

function parameterTensors(nodes: readonly Node[], graph: Graph): LazyTensor[] {
  const out: LazyTensor[] = [];
  const seen = new Set<LazyTensor>();
  for (const n of nodes) {
    for (const name of [...n.inputs, ...(n.weights ?? [])]) {
      const t = name ? graph.initializers.get(name) : undefined;
      if (t && !seen.has(t) && isFloatType(t.dtype)) {
        seen.add(t);
        out.push(t);
      }
    }
  }
  return out;
}

function summary(name: string, t: TensorType | undefined): TensorSummary {
  const s: TensorSummary = { name, dtype: t?.dtype ?? 'unknown', shape: t?.shape ? t.shape.map(dimJson) : null };
  if (t?.container) s.container = t.container;
  return s;
}

/** A weight input also says its bytes as stored, and the stored type when it is not its dtype (GGUF Q4_K). */
function weightSummary(s: TensorSummary, t: LazyTensor | undefined): TensorSummary {
  if (!t) return s;
  const b = tensorByteLength(t);
  if (b !== undefined) s.bytes = b;
  if (t.stored) s.stored = t.stored.type;
  return s;
}

function toLayer(r: NodeRun, params: number, weightBytes: number, inits: ReadonlyMap<string, LazyTensor>): LayerAnalysis {
  const n = r.node;
  const layer: LayerAnalysis = {
    id: n.id,
    name: n.name || n.id,
    type: n.opType,
    params,
    macs: r.cost ? dimJson(r.cost.macs) : 0,
    flops: r.cost ? dimJson(r.cost.flops) : 0,
    weightBytes,
    inputs: n.inputs.flatMap((name, i) => (name ? [weightSummary(summary(name, r.inputs[i]), inits.get(name))] : [])),
    outputs: n.outputs.flatMap((name, i) => (name ? [summary(name, r.outputs[i])] : [])),
    costed: !!r.cost,
    outputBytes: dimJson(r.outputs.reduce((acc: Dim, t) => dimAdd(acc, tensorBytes(t)), 0)),
  };
  const scope = n.scope ?? onnxScope(n.name);
  if (scope && scope.length > 0) layer.scope = scope;
  if (n.source) layer.source = n.source;
  return layer;
}

/** torch.onnx names nodes by module path ("/encoder/layers.0/self_attn/MatMul"). */
function onnxScope(name: string): string[] | undefined {
  if (!name.startsWith('/')) return undefined;
  const parts = name.split('/').filter(Boolean);
  return parts.length > 1 ? parts.slice(0, -1) : undefined;
}

function constantElements(n: Node): number {
  if (n.opType !== 'Constant') return 0;
  const a = n.attrs.value ?? n.attrs.value_floats ?? n.attrs.value_ints;
  if (!a) return n.attrs.value_float || n.attrs.value_int ? 1 : 0;
  if (a.kind === 'tensor') return elementCount(a.value);
  if (a.kind === 'floats' || a.kind === 'ints') return a.value.length;
  return 0;
}

/**
 * Clustered weights (passes/cluster.ts) are stored as uint8 / uint4 indices Cast to int64 and looked up
 * in a codebook by Gather: each index stands for one weight, so it counts as a parameter as int8
 * weights behind DequantizeLinear do. Shape constants are int64, never uint8/uint4, so they stay out.
 */
function codebookIndices(n: Node, t: LazyTensor, slot: number | undefined): boolean {
  return n.domain === '' && n.opType === 'Cast' && slot === 0 && (t.dtype === 'uint8' || t.dtype === 'uint4');
}

/**
 * Initializers by first consumer: floating-point ones are parameters, each counted once (a weight
 * shared by several nodes belongs to the first). Keras nodes name their weights in `node.weights`.
 * Initializers of subgraph bodies belong to the node holding the body.
 */
class WeightLedger {
  params = 0;
  bytes = 0;
  nonFloatElements = 0;
  bytesByDtype = dict<number>();
  /** Parameters and bytes of copies of tied weights (in `bytes`, not in `params`). */
  tiedParams = 0;
  tiedBytes = 0;
  private seen = new Set<LazyTensor>();

  constructor(private readonly graph: Graph, private readonly copies: ReadonlySet<LazyTensor> = new Set()) {}

  take(n: Node): { params: number; bytes: number } {
    let params = 0;
    let bytes = 0;
    const quant = parameterSlotsOf(n);
    const visit = (t: LazyTensor | undefined, slot?: number) => {
      if (!t || this.seen.has(t)) return;
      this.seen.add(t);
      const elems = elementCount(t);
      const b = tensorByteLength(t) ?? 0;
      if (this.copies.has(t)) {
        // A tied copy: its bytes are stored, its parameters are the kept tensor's.
        this.tiedParams += elems;
        this.tiedBytes += b;
      } else if (quant && slot !== undefined ? quant.slots.includes(slot) : isFloatType(t.dtype) || codebookIndices(n, t, slot)) params += (slot !== undefined ? quant?.logical?.(n, t, slot) : undefined) ?? elems;
      else if (!isFloatType(t.dtype)) this.nonFloatElements += elems;
      bytes += b;
      const kind = t.stored?.type ?? (slot !== undefined ? quant?.storedAs?.(n, t, slot) : undefined) ?? t.dtype;
      this.bytesByDtype[kind] = (this.bytesByDtype[kind] ?? 0) + b;
    };
    n.inputs.forEach((name, i) => name && visit(this.graph.initializers.get(name), i));
    for (const name of n.weights ?? []) visit(this.graph.initializers.get(name));
    const walk = (g: Graph) => {
      for (const t of g.initializers.values()) visit(t);
      for (const sub of g.nodes) {
        for (const name of sub.inputs) if (name && !g.initializers.has(name)) visit(this.graph.initializers.get(name));
        for (const s of subgraphsOf(sub)) walk(s);
      }
    };
    for (const g of subgraphsOf(n)) walk(g);
    this.params += params;
    this.bytes += bytes;
    return { params, bytes };
  }

  unused(): number {
    let k = 0;
    for (const t of this.graph.initializers.values()) if (!this.seen.has(t)) k++;
    return k;
  }
}
