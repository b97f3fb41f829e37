/**
 * What the editor shows beside the LLM numbers, from the Analysis alone (plain JSON: it runs in the
 * webview bundle on every slider or budget input, a few sums, no graph walk):
 * - `kvBytesPerToken` at another KV element type, and the memory plan at other options — both through
 *   `memoryPlanFor` of llm.ts, the one memory-plan function;
 * - weight-only int4/int8 hints with their effect on that plan;
 * - per-block parameters by part (the config.json lenses).
 */
import { memoryPlanFor, type LlmAnalysis, type MemoryPlan, type PlanOptions } from './llm';
import { storageBytes, type StorageType } from './llmUnits';
import type { Analysis, LayerAnalysis } from './types';

/** KV cache bytes of one token of context (all layers) in element type `t`: the plan at context 1. */
export function kvBytesPerToken(l: LlmAnalysis, t: StorageType): number {
  return memoryPlanFor(l, { context: 1, batch: 1, kvDtype: t }).kvCacheBytes;
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
  plan: MemoryPlan;
  /** The plan's largest context at the budget before and after (null without a budget). */
  largestContextBefore: number | null;
  /** Why ModelLens cannot apply it to this file (the read-only formats): shown in the hint itself. */
  notApplicable?: string;
  /** When it can: the pass that does it (ONNX int8: the quantize-int8 hint on the graph's layers). */
  appliedBy?: string;
}

const LINEAR_OPS = new Set(['MatMul', 'FusedMatMul', 'Gemm', 'MatMulNBits', 'MoE']);
const MOE_OPS = new Set(['MoE', 'QMoE', 'SparseMoE']);
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
  onnx: 'ModelLens has no int4 pass for ONNX (MatMulNBits) yet',
};

/** ONNX int8 is the quantize-int8 pass (per-channel scales, DequantizeLinear): a few bytes below Q8_0. */
function applicability(format: Analysis['format'], type: WeightOnlyType): Pick<WeightOnlyHint, 'notApplicable' | 'appliedBy'> {
  if (format === 'onnx' && type === 'q8_0') return { appliedBy: 'quantize-int8' };
  return { notApplicable: NOT_APPLICABLE[format] ?? `ModelLens cannot rewrite ${format} files` };
}

/** Whether a layer is a weight matmul of a block's feed-forward part (dense MLP, experts, router). */
export function isMlpLayer(l: Pick<LayerAnalysis, 'type' | 'scope' | 'name'>): boolean {
  if (!LINEAR_OPS.has(l.type)) return false;
  if (l.type === 'MoE') return true;
  return (l.scope ?? []).some((s) => MLP_SCOPE.test(s));
}

/**
 * What weight-only quantization of the MLPs or of every linear layer would do to the memory plan at
 * the given options (stored weights): bytes saved and the context that then fits the budget. Layers
 * already stored at or below the target size are left as they are (a Q4 GGUF gains nothing from "int4").
 * `opts.weightDtype` is ignored: the hint changes the stored bytes of some layers, not all.
 */
export function weightOnlyHints(full: Analysis, opts: PlanOptions): WeightOnlyHint[] {
  const l = full.llm;
  if (!l) return [];
  const before = memoryPlanFor(l, opts);
  const out: WeightOnlyHint[] = [];
  for (const w of WEIGHT_ONLY) {
    let saved = 0;
    let savedRouted = 0;
    let params = 0;
    let n = 0;
    for (const x of full.layers) {
      if (x.params === 0 || !(w.scope === 'mlp' ? isMlpLayer(x) : LINEAR_OPS.has(x.type))) continue;
      const after = storageBytes(w.type, x.params);
      if (after >= x.weightBytes) continue;
      saved += x.weightBytes - after;
      if (MOE_OPS.has(x.type)) savedRouted += x.weightBytes - after;
      params += x.params;
      n++;
    }
    if (n === 0) continue;
    const p = l.planInputs;
    const q = { ...l, planInputs: { ...p, storedWeightBytes: p.storedWeightBytes - saved, routedBytes: p.routedBytes - savedRouted } };
    const after = memoryPlanFor(q, { ...opts, weightDtype: 'stored' });
    out.push({
      id: `weight-only-${w.scope}-${w.type}`,
      title: w.label,
      scope: w.scope,
      type: w.type,
      layers: n,
      params,
      weightBytesBefore: before.weightBytes,
      weightBytesAfter: after.weightBytes,
      deltaBytes: after.totalBytes - before.totalBytes,
      plan: after,
      largestContextBefore: before.largestContext,
      ...applicability(full.format, w.type),
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
