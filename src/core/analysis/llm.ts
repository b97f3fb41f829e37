import type { Model } from '../ir/graph';
import type { LlmAttentionKind, LlmInfo } from '../ir/llm';
import { SOFTMAX_FLOPS } from '../rules/onnx/costConventions';
import { storageBytes, type StorageType } from './llmUnits';
import type { Analysis, LayerAnalysis } from './types';

/**
 * The numbers LLM users ask for, from `Model.llm` (whatever reader filled it) and the analysis of the
 * same graph at one token (batch 1, sequence 1):
 * - parameters total / embedding / non-embedding, and active per token for MoE (routed experts count
 *   k/E of their weights);
 * - KV cache per token and at a context, per layer (sliding-window layers cap at their window, layers
 *   without attention hold none), in a chosen element type;
 * - MACs/FLOPs of a prefill of S tokens and of one decoded token at context C. Convention (README):
 *   every weight matmul once per token, embedding lookups 0, attention QKᵀ and A·V in full
 *   (heads × head_dim × context each, per token and layer; causal mask not exploited);
 * - a memory plan (weights + KV cache + the peak activations of one decode step), the largest context
 *   that fits a budget, and a decode tokens/s bound from a memory bandwidth (bytes read per step).
 */
export interface LlmOptions {
  batch?: number;
  /** Prefill length S (default: the context). */
  sequence?: number;
  /** Context C for decode and the KV cache (default: the trained context, at most 4096). */
  context?: number;
  kvDtype?: StorageType;
  /** Weight type for the plan; 'stored' (default) = the bytes the file holds. */
  weightDtype?: StorageType | 'stored';
  memoryBudget?: number;
  bandwidth?: { bytesPerSecond: number; preset?: string };
}

export interface LlmAnalysis {
  architecture: string;
  source: LlmInfo['source'];
  layers: number;
  hiddenSize: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  maxContext: number | null;
  experts: number | null;
  expertsPerToken: number | null;
  encoder: boolean;
  params: { total: number; embedding: number; nonEmbedding: number; activePerToken: number; routedExperts: number };
  kvDtype: StorageType;
  /** K and V of every layer for one token of context. */
  kvCacheBytesPerToken: number;
  /** Per layer: its attention kind and KV bytes per token. */
  kvLayers: { kind: LlmAttentionKind['kind']; window?: number; bytesPerToken: number }[];
  /** Per token, linear layers only (every weight matmul once; MoE: k experts). */
  linearMacsPerToken: number;
  prefill: { batch: number; tokens: number; macs: number; flops: number };
  decode: { batch: number; context: number; macsPerToken: number; flopsPerToken: number } | null;
  weightBytes: number;
  plan: MemoryPlan;
  /** What memoryPlanFor needs to plan another context / batch / budget without the graph. */
  planInputs: PlanInputs;
}

export interface MemoryPlan {
  batch: number;
  context: number;
  weightDtype: StorageType | 'stored';
  kvDtype: StorageType;
  weightBytes: number;
  kvCacheBytes: number;
  activationBytes: number;
  totalBytes: number;
  budgetBytes: number | null;
  fits: boolean | null;
  /** The largest context whose plan fits the budget (null without a budget). */
  largestContext: number | null;
  /** 'memory': the budget limits it; 'model': the trained context does; 'weights': not even the weights fit. */
  largestContextLimitedBy: 'memory' | 'model' | 'weights' | null;
  /** Bytes one decode step reads: the weights it uses + the KV cache of every sequence. */
  bytesPerDecodeStep: number;
  bandwidthBytesPerSecond: number | null;
  bandwidthPreset: string | null;
  /** Roofline bound: batch × bandwidth / bytes per step. */
  decodeTokensPerSecond: number | null;
}

const ATTENTION_OPS = new Set(['Attention', 'GroupQueryAttention', 'MultiHeadAttention', 'PackedAttention', 'PackedMultiHeadAttention', 'SparseAttention', 'Softmax']);
const EMBEDDING_OPS = new Set(['Gather', 'GatherBlockQuantized']);
const MOE_OPS = new Set(['MoE', 'QMoE', 'SparseMoE']);
const DEFAULT_CONTEXT_CAP = 4096;
const MAX_SEARCH_CONTEXT = 2 ** 30;

/**
 * `perToken` is the analysis of the same model at batch 1, sequence 1 (no past). Encoders are costed
 * from the graph itself: `encoderRun(batch, sequence)` analyses it at those dims (a pooler runs once per
 * sequence, not per token, so per-token scaling would not be exact).
 */
export function analyzeLlm(model: Model, full: Analysis, perToken: Analysis, opts: LlmOptions = {}, encoderRun?: (batch: number, sequence: number) => Analysis): LlmAnalysis {
  const info = model.llm!;
  const batch = opts.batch ?? 1;
  const context = opts.context ?? Math.min(info.maxContext ?? DEFAULT_CONTEXT_CAP, DEFAULT_CONTEXT_CAP);
  const sequence = opts.sequence ?? context;
  const kvDtype = opts.kvDtype ?? 'fp16';
  const kinds = info.attention ?? Array.from({ length: info.layers }, () => ({ kind: 'full' as const }));

  const total = full.totals.params;
  const embedding = sum(full.layers.filter((l) => EMBEDDING_OPS.has(l.type)), (l) => l.params);
  const routed = sum(full.layers.filter((l) => MOE_OPS.has(l.type)), (l) => l.params);
  const activeShare = info.experts && info.expertsPerToken ? info.expertsPerToken / info.experts : 1;
  const active = total - Math.round(routed * (1 - activeShare));

  const kvPerLayer = info.encoder ? 0 : storageBytes(kvDtype, 2 * info.kvHeads * info.headDim);
  const kvLayers = kinds.map((k) => ({ kind: k.kind, ...(k.kind === 'sliding' ? { window: k.window } : {}), bytesPerToken: k.kind === 'none' ? 0 : kvPerLayer }));
  const kvPerToken = sum(kvLayers, (l) => l.bytesPerToken);

  const inits = model.graph.initializers;
  const linear = perToken.layers.filter((l) => !isAttention(l, inits));
  const linearMacs = sum(linear, (l) => num(l.macs));
  const otherFlops = sum(linear, (l) => num(l.flops));
  const attn = (queries: number, c: number) => {
    let macs = 0;
    let flops = 0;
    for (const k of kinds) {
      const keys = info.encoder ? c : span(k, c);
      if (!info.encoder && k.kind === 'none') continue;
      const scores = info.heads * queries * keys;
      macs += 2 * scores * info.headDim;
      flops += 2 * 2 * scores * info.headDim + SOFTMAX_FLOPS * scores;
    }
    return { macs, flops };
  };
  const pre = attn(sequence, sequence);
  const prefill = { batch, tokens: sequence, macs: batch * (sequence * linearMacs + pre.macs), flops: batch * (sequence * otherFlops + pre.flops) };
  if (info.encoder && encoderRun) {
    const run = encoderRun(batch, sequence);
    prefill.macs = num(run.totals.macs);
    prefill.flops = num(run.totals.flops);
  }
  const dec = attn(1, context);
  const decode = info.encoder ? null : { batch, context, macsPerToken: linearMacs + dec.macs, flopsPerToken: otherFlops + dec.flops };

  const planInputs: PlanInputs = {
    stepActivationBytes: num(perToken.totals.peakActivationBytes),
    routedBytes: sum(full.layers.filter((l) => MOE_OPS.has(l.type)), (l) => l.weightBytes),
    routedParams: routed,
    activeShare,
    storedWeightBytes: full.totals.weightBytes,
    params: total,
    kvElementsPerLayer: 2 * info.kvHeads * info.headDim,
    windows: kinds.map((k) => (k.kind === 'none' ? 0 : k.kind === 'sliding' ? k.window : null)),
  };
  const plan = memoryPlanFor({ heads: info.heads, maxContext: info.maxContext ?? null, encoder: !!info.encoder, planInputs }, {
    batch, context, kvDtype, weightDtype: opts.weightDtype, memoryBudget: opts.memoryBudget, bandwidth: opts.bandwidth,
  });
  return {
    architecture: info.architecture,
    source: info.source,
    layers: info.layers,
    hiddenSize: info.hiddenSize,
    heads: info.heads,
    kvHeads: info.kvHeads,
    headDim: info.headDim,
    vocab: info.vocab,
    maxContext: info.maxContext ?? null,
    experts: info.experts ?? null,
    expertsPerToken: info.expertsPerToken ?? null,
    encoder: !!info.encoder,
    params: { total, embedding, nonEmbedding: total - embedding, activePerToken: active, routedExperts: routed },
    kvDtype,
    kvCacheBytesPerToken: kvPerToken,
    kvLayers,
    linearMacsPerToken: linearMacs,
    prefill,
    decode,
    weightBytes: full.totals.weightBytes,
    plan,
    planInputs,
  };
}

/**
 * What a memory plan needs beyond the LlmAnalysis' own fields, kept in it so that a plan for another
 * context, batch, budget or element type (the editor's slider) is recomputed from plain JSON alone.
 */
export interface PlanInputs {
  /** Peak activation bytes of the graph at one token (one sequence, no past). */
  stepActivationBytes: number;
  /** Bytes (as stored) and parameters of the routed experts. */
  routedBytes: number;
  routedParams: number;
  /** Share of routed experts one token uses (k/E; 1 for dense models). */
  activeShare: number;
  storedWeightBytes: number;
  params: number;
  /** KV elements of one token per layer and its window (0 = unbounded), for other KV element types. */
  kvElementsPerLayer: number;
  windows: (number | null)[];
}

export interface PlanOptions {
  batch?: number;
  context: number;
  kvDtype?: StorageType;
  weightDtype?: StorageType | 'stored';
  memoryBudget?: number;
  bandwidth?: { bytesPerSecond: number; preset?: string };
}

/** The memory plan of a model for (batch, context, weight type, KV type, budget, bandwidth): pure, from JSON. */
export function memoryPlanFor(l: Pick<LlmAnalysis, 'heads' | 'maxContext' | 'encoder' | 'planInputs'>, o: PlanOptions): MemoryPlan {
  const p = l.planInputs;
  const batch = o.batch ?? 1;
  const context = o.context;
  const kvDtype = o.kvDtype ?? 'fp16';
  const weightDtype = o.weightDtype ?? 'stored';
  const weightBytes = weightDtype === 'stored' ? p.storedWeightBytes : storageBytes(weightDtype, p.params);
  const routedBytes = weightDtype === 'stored' ? p.routedBytes : storageBytes(weightDtype, p.routedParams);
  const perLayer = l.encoder ? 0 : storageBytes(kvDtype, p.kvElementsPerLayer);
  const kv = (c: number) => batch * sum(p.windows, (w) => (w === 0 ? 0 : perLayer * (w === null ? c : Math.min(c, w))));
  // Activations of one decode step: the graph's peak at one token, per sequence, plus one layer's fp32 attention scores.
  const activations = (c: number) => batch * (p.stepActivationBytes + 4 * l.heads * c);
  const totalAt = (c: number) => weightBytes + kv(c) + activations(c);
  const totalBytes = totalAt(context);
  const budget = o.memoryBudget ?? null;

  let largest: number | null = null;
  let limitedBy: MemoryPlan['largestContextLimitedBy'] = null;
  if (budget !== null) {
    const cap = l.maxContext ?? MAX_SEARCH_CONTEXT;
    if (totalAt(1) > budget) {
      largest = 0;
      limitedBy = 'weights';
    } else if (totalAt(cap) <= budget) {
      largest = cap;
      limitedBy = 'model';
    } else {
      let lo = 1;
      let hi = cap;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (totalAt(mid) <= budget) lo = mid;
        else hi = mid;
      }
      largest = lo;
      limitedBy = 'memory';
    }
  }
  // A step reads the dense weights once and, of each MoE layer, the experts some sequence routes to:
  // with uniform routing a batch of B touches 1 - (1 - k/E)^B of them on average.
  const touched = 1 - (1 - p.activeShare) ** batch;
  const bytesPerStep = weightBytes - routedBytes * (1 - touched) + kv(context);
  const bw = o.bandwidth;
  return {
    batch,
    context,
    weightDtype,
    kvDtype,
    weightBytes,
    kvCacheBytes: kv(context),
    activationBytes: activations(context),
    totalBytes,
    budgetBytes: budget,
    fits: budget === null ? null : totalBytes <= budget,
    largestContext: largest,
    largestContextLimitedBy: limitedBy,
    bytesPerDecodeStep: Math.round(bytesPerStep),
    bandwidthBytesPerSecond: bw?.bytesPerSecond ?? null,
    bandwidthPreset: bw?.preset ?? null,
    decodeTokensPerSecond: bw && !l.encoder ? (batch * bw.bytesPerSecond) / bytesPerStep : null,
  };
}

/** Keys one query attends to at context c. */
function span(k: LlmAttentionKind, c: number): number {
  if (k.kind === 'none') return 0;
  if (k.kind === 'sliding') return Math.min(c, k.window);
  return c;
}

/**
 * Attention work (score matmuls, softmax) is replaced by the formula; weight matmuls and the rest stay.
 * A matmul is a weight matmul when an operand is an initializer (a tied lm_head owns no weight of its
 * own: the embedding belongs to the Gather that uses it first).
 */
function isAttention(l: LayerAnalysis, inits: ReadonlyMap<string, unknown>): boolean {
  const fromWeights = l.inputs.some((i) => inits.has(i.name));
  if (ATTENTION_OPS.has(l.type)) return !fromWeights;
  return (l.type === 'MatMul' || l.type === 'FusedMatMul' || l.type === 'Einsum') && !fromWeights;
}

function num(c: number | string): number {
  if (typeof c !== 'number') throw new LlmAnalysisError(`the graph's cost at one token still depends on unbound dims ("${c.slice(0, 80)}"); name them in Model.llm.dims`);
  return c;
}

/** The LLM numbers need static per-token costs; without them the analysis says why instead. */
export class LlmAnalysisError extends Error {}

function sum<T>(xs: readonly T[], f: (x: T, i: number) => number): number {
  let s = 0;
  xs.forEach((x, i) => (s += f(x, i)));
  return s;
}

/** The `llm` object of `analyze --json`: exactly the keys issue 12 lists. */
export function llmCliJson(l: LlmAnalysis) {
  return {
    architecture: l.architecture,
    layers: l.layers,
    hiddenSize: l.hiddenSize,
    heads: l.heads,
    kvHeads: l.kvHeads,
    headDim: l.headDim,
    vocab: l.vocab,
    experts: l.experts,
    expertsPerToken: l.expertsPerToken,
    params: { total: l.params.total, embedding: l.params.embedding, activePerToken: l.params.activePerToken },
    kvCacheBytesPerToken: l.kvCacheBytesPerToken,
    prefill: { tokens: l.prefill.tokens, macs: l.prefill.macs, flops: l.prefill.flops },
    decode: { context: l.decode?.context ?? null, macsPerToken: l.decode?.macsPerToken ?? null, flopsPerToken: l.decode?.flopsPerToken ?? null },
    weightBytes: l.weightBytes,
  };
}
