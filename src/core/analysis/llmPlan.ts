/**
 * Re-planning an analysed language model without analysing its graph again: the editor's context
 * slider, memory budget, KV dtype and batch fields call `replanLlm` on every input (in the webview
 * bundle, so it is pure and fast: a few sums over the layers, no graph walk).
 *
 * `analyzeLlm` (llm.ts) needs the model's `LlmInfo`, the full analysis and the analysis at one token.
 * The webview already holds the full analysis; `llmPlanBasis` is the rest, as plain JSON small enough
 * for a message: the info and the per-token layers stripped to the fields the LLM numbers read.
 */
import type { Model } from '../ir/graph';
import type { LlmInfo } from '../ir/llm';
import { analyzeLlm, type LlmAnalysis, type LlmOptions } from './llm';
import { storageBytes, type StorageType } from './llmUnits';
import type { Analysis, LayerAnalysis } from './types';

export interface LlmPlanLayer {
  type: string;
  params: number;
  macs: number | string;
  flops: number | string;
  weightBytes: number;
}

export interface LlmPlanBasis {
  info: LlmInfo;
  /** The analysis at one token (batch 1, sequence 1, no past), reduced to what the LLM numbers read. */
  perToken: { totals: Analysis['totals']; layers: LlmPlanLayer[] };
}

/** The dims that make a graph compute one token with no past (what analyzeModel uses for `perToken`). */
export function oneTokenDims(info: LlmInfo): Record<string, number> {
  const names = info.dims ?? { batch: 'batch', sequence: 'sequence' };
  const d: Record<string, number> = { [names.batch]: 1, [names.sequence]: 1 };
  if (names.past) d[names.past] = 0;
  if (names.total) d[names.total] = 1;
  return d;
}

export function llmPlanBasis(info: LlmInfo, perToken: Analysis): LlmPlanBasis {
  return {
    info,
    perToken: { totals: { ...perToken.totals }, layers: perToken.layers.map(slimLayer) },
  };
}

function slimLayer(l: Pick<LayerAnalysis, 'type' | 'params' | 'macs' | 'flops' | 'weightBytes'>): LlmPlanLayer {
  return { type: l.type, params: l.params, macs: l.macs, flops: l.flops, weightBytes: l.weightBytes };
}

/** The LLM numbers of `full` at other options (context, batch, KV dtype, budget, bandwidth). */
export function replanLlm(basis: LlmPlanBasis, full: Analysis, opts: LlmOptions): LlmAnalysis {
  const model = { llm: basis.info } as Model;
  return analyzeLlm(model, full, asAnalysis(basis.perToken), opts);
}

/** analyzeLlm reads only types, params, costs and bytes of the per-token layers, and its totals. */
function asAnalysis(p: LlmPlanBasis['perToken']): Analysis {
  return {
    format: 'hf-config', file: '', inputs: [], outputs: [], totals: p.totals, notCosted: [],
    layers: p.layers.map((l, i) => ({ id: String(i), name: '', inputs: [], outputs: [], costed: true, ...l })),
    details: { constants: 0, nonFloatInitializerElements: 0, weightBytesByDtype: {}, boundDims: {}, freeDims: [], byType: {}, producers: {}, warnings: [] },
  };
}

// ---- weight-only quantization hints ---------------------------------------------------------------

export type WeightOnlyScope = 'mlp' | 'linear';
/** Weight-only types of the hints: llama.cpp's Q8_0 / Q4_0 layouts (32 weights + one fp16 scale per block). */
export type WeightOnlyType = Extract<StorageType, 'q8_0' | 'q4_0'>;

export interface WeightOnlyHint {
  id: string;
  title: string;
  scope: WeightOnlyScope;
  type: WeightOnlyType;
  /** Layers it rewrites and their parameters. */
  layers: number;
  params: number;
  /** Weight bytes before and after, and the plan's change at the same context (negative = saved). */
  weightBytesBefore: number;
  weightBytesAfter: number;
  deltaBytes: number;
  plan: LlmAnalysis['plan'];
  /** The plan's largest context at the budget before and after (null without a budget). */
  largestContextBefore: number | null;
  /** Why ModelLens cannot apply it to this file (the read-only formats): shown in the hint itself. */
  notApplicable: string;
}

const LINEAR_OPS = new Set(['MatMul', 'FusedMatMul', 'Gemm', 'MatMulNBits', 'MoE']);
/** Blocks' feed-forward parts by the transformers module names the HF and GGUF graphs keep as scopes. */
const MLP_SCOPE = /^(mlp|block_sparse_moe|feed_forward|ffn|moe|shared_expert|experts)$/;

const WEIGHT_ONLY: readonly { scope: WeightOnlyScope; type: WeightOnlyType; label: string }[] = [
  { scope: 'mlp', type: 'q4_0', label: 'weight-only int4 (Q4_0) of the MLPs' },
  { scope: 'mlp', type: 'q8_0', label: 'weight-only int8 (Q8_0) of the MLPs' },
  { scope: 'linear', type: 'q4_0', label: 'weight-only int4 (Q4_0) of all linear layers' },
  { scope: 'linear', type: 'q8_0', label: 'weight-only int8 (Q8_0) of all linear layers' },
];

const NOT_APPLICABLE: Partial<Record<Analysis['format'], string>> = {
  'hf-config': 'a config.json holds no weights to rewrite: quantize the checkpoint with its own tools (e.g. llama.cpp quantize, AutoGPTQ)',
  safetensors: 'ModelLens does not rewrite safetensors checkpoints yet: quantize them with their own tools (e.g. llama.cpp quantize, AutoGPTQ)',
  gguf: 'ModelLens does not rewrite GGUF files: use llama.cpp quantize',
  onnx: 'the ONNX weight-only passes (MatMulNBits) are not part of ModelLens yet',
};

/** Whether a layer is a weight matmul of a block's feed-forward part (dense MLP, experts, router). */
export function isMlpLayer(l: Pick<LayerAnalysis, 'type' | 'scope' | 'name'>): boolean {
  if (!LINEAR_OPS.has(l.type)) return false;
  if (l.type === 'MoE') return true;
  return (l.scope ?? []).some((s) => MLP_SCOPE.test(s));
}

/**
 * What weight-only quantization of the MLPs or of every linear layer would do to the memory plan at
 * the given options: bytes saved and the context that then fits the budget. Layers already stored at
 * or below the target size are left as they are (a Q4 GGUF gains nothing from "int4").
 */
export function weightOnlyHints(basis: LlmPlanBasis, full: Analysis, opts: LlmOptions): WeightOnlyHint[] {
  const before = replanLlm(basis, full, opts);
  const out: WeightOnlyHint[] = [];
  for (const w of WEIGHT_ONLY) {
    const chosen = full.layers.filter((l) => l.params > 0 && (w.scope === 'mlp' ? isMlpLayer(l) : LINEAR_OPS.has(l.type)));
    let saved = 0;
    let params = 0;
    let n = 0;
    const layers = full.layers.map((l) => {
      if (!chosen.includes(l)) return l;
      const after = storageBytes(w.type, l.params);
      if (after >= l.weightBytes) return l;
      saved += l.weightBytes - after;
      params += l.params;
      n++;
      return { ...l, weightBytes: after };
    });
    if (n === 0) continue;
    const q: Analysis = { ...full, layers, totals: { ...full.totals, weightBytes: full.totals.weightBytes - saved } };
    const after = replanLlm(basis, q, opts);
    out.push({
      id: `weight-only-${w.scope}-${w.type}`,
      title: w.label,
      scope: w.scope,
      type: w.type,
      layers: n,
      params,
      weightBytesBefore: before.plan.weightBytes,
      weightBytesAfter: after.plan.weightBytes,
      deltaBytes: after.plan.totalBytes - before.plan.totalBytes,
      plan: after.plan,
      largestContextBefore: before.plan.largestContext,
      notApplicable: NOT_APPLICABLE[full.format] ?? `ModelLens cannot rewrite ${full.format} files`,
    });
  }
  return out;
}

// ---- per-block parameters (config.json lenses) ----------------------------------------------------

export interface BlockParams {
  /** Decoder blocks found (scopes `…/layers.N`) and whether all have the same parameters. */
  blocks: number;
  identical: boolean;
  /** Of one block (the first): attention, dense MLP, routed experts (all of them), router, norms. */
  attention: number;
  mlp: number;
  experts: number;
  router: number;
  other: number;
}

const ATTENTION_SCOPE = /^(self_attn|attn|attention|self_attention)$/;

/** Parameters of the first decoder block by part, from the layers' scopes (`model/layers.0/self_attn`). */
export function blockParams(a: Analysis): BlockParams | undefined {
  const byBlock = new Map<string, LayerAnalysis[]>();
  for (const l of a.layers) {
    const i = (l.scope ?? []).findIndex((s) => /^(layers|h|blocks|layer)\.\d+$/.test(s));
    if (i < 0) continue;
    const key = l.scope!.slice(0, i + 1).join('/');
    byBlock.set(key, [...(byBlock.get(key) ?? []), l]);
  }
  if (byBlock.size === 0) return undefined;
  const totals = [...byBlock.values()].map((ls) => ls.reduce((s, l) => s + l.params, 0));
  const first = [...byBlock.values()][0];
  const r: BlockParams = { blocks: byBlock.size, identical: totals.every((t) => t === totals[0]), attention: 0, mlp: 0, experts: 0, router: 0, other: 0 };
  const moe = first.some((l) => l.type === 'MoE');
  for (const l of first) {
    const sc = l.scope ?? [];
    if (l.type === 'MoE') r.experts += l.params;
    else if (sc.some((s) => ATTENTION_SCOPE.test(s))) r.attention += l.params;
    else if (moe && isMlpLayer(l) && /\.(gate|router)$/.test(l.name)) r.router += l.params;
    else if (isMlpLayer(l)) r.mlp += l.params;
    else r.other += l.params;
  }
  return r;
}
