/**
 * Validators of the language-model parts of the 'analysis' message: `analysis.llm` (LlmAnalysis of
 * src/core/analysis/llm.ts) and `llmBasis` (LlmPlanBasis of src/core/analysis/llmPlan.ts), which the
 * LLM section hands to core functions — so a malformed one is refused here, not half-rendered.
 */
import type { LlmPlanBasis } from '../../src/core/analysis/llmPlan';
import { STORAGE_TYPES } from '../../src/core/analysis/llmUnits';
import { arr, bool, count, Invalid, nonNegative, num, obj, oneOf, str } from '../validate';

const ATTENTION_KINDS = ['full', 'sliding', 'none'] as const;
const SOURCES = ['config', 'gguf', 'onnx'] as const;

function nullable<T>(x: unknown, at: string, f: (x: unknown, at: string) => T): T | null {
  return x === null ? null : f(x, at);
}

function positiveInt(x: unknown, at: string): number {
  const n = num(x, at);
  if (!Number.isInteger(n) || n < 1) throw new Invalid(`${at}: expected a positive integer`);
  return n;
}

export function validateLlmAnalysis(x: unknown, at: string): void {
  const o = obj(x, at);
  str(o.architecture, `${at}.architecture`);
  oneOf(o.source, SOURCES, `${at}.source`);
  for (const k of ['layers', 'hiddenSize', 'heads', 'kvHeads', 'headDim', 'vocab']) nonNegative(o[k], `${at}.${k}`);
  for (const k of ['maxContext', 'experts', 'expertsPerToken']) nullable(o[k], `${at}.${k}`, nonNegative);
  bool(o.encoder, `${at}.encoder`);
  const p = obj(o.params, `${at}.params`);
  for (const k of ['total', 'embedding', 'nonEmbedding', 'activePerToken', 'routedExperts']) nonNegative(p[k], `${at}.params.${k}`);
  oneOf(o.kvDtype, STORAGE_TYPES, `${at}.kvDtype`);
  nonNegative(o.kvCacheBytesPerToken, `${at}.kvCacheBytesPerToken`);
  arr(o.kvLayers, `${at}.kvLayers`).forEach((l, i) => {
    const lo = obj(l, `${at}.kvLayers[${i}]`);
    oneOf(lo.kind, ATTENTION_KINDS, `${at}.kvLayers[${i}].kind`);
    nonNegative(lo.bytesPerToken, `${at}.kvLayers[${i}].bytesPerToken`);
  });
  nonNegative(o.linearMacsPerToken, `${at}.linearMacsPerToken`);
  const pre = obj(o.prefill, `${at}.prefill`);
  for (const k of ['batch', 'tokens', 'macs', 'flops']) nonNegative(pre[k], `${at}.prefill.${k}`);
  nullable(o.decode, `${at}.decode`, (d, p2) => {
    const dob = obj(d, p2);
    for (const k of ['batch', 'context', 'macsPerToken', 'flopsPerToken']) nonNegative(dob[k], `${p2}.${k}`);
  });
  nonNegative(o.weightBytes, `${at}.weightBytes`);
  const plan = obj(o.plan, `${at}.plan`);
  for (const k of ['batch', 'context', 'weightBytes', 'kvCacheBytes', 'activationBytes', 'totalBytes', 'bytesPerDecodeStep']) nonNegative(plan[k], `${at}.plan.${k}`);
  nullable(plan.budgetBytes, `${at}.plan.budgetBytes`, nonNegative);
  nullable(plan.largestContext, `${at}.plan.largestContext`, nonNegative);
  nullable(plan.fits, `${at}.plan.fits`, bool);
}

export function validateLlmBasis(x: unknown, at: string): LlmPlanBasis {
  const o = obj(x, at);
  const info = obj(o.info, `${at}.info`);
  str(info.architecture, `${at}.info.architecture`);
  for (const k of ['layers', 'hiddenSize', 'heads', 'kvHeads', 'headDim', 'vocab']) positiveInt(info[k], `${at}.info.${k}`);
  oneOf(info.source, SOURCES, `${at}.info.source`);
  if (info.attention !== undefined) {
    arr(info.attention, `${at}.info.attention`).forEach((k, i) => {
      const ko = obj(k, `${at}.info.attention[${i}]`);
      const kind = oneOf(ko.kind, ATTENTION_KINDS, `${at}.info.attention[${i}].kind`);
      if (kind === 'sliding') positiveInt(ko.window, `${at}.info.attention[${i}].window`);
    });
  }
  const pt = obj(o.perToken, `${at}.perToken`);
  const t = obj(pt.totals, `${at}.perToken.totals`);
  num(t.params, `${at}.perToken.totals.params`);
  num(t.weightBytes, `${at}.perToken.totals.weightBytes`);
  count(t.peakActivationBytes, `${at}.perToken.totals.peakActivationBytes`);
  arr(pt.layers, `${at}.perToken.layers`).forEach((l, i) => {
    const p = `${at}.perToken.layers[${i}]`;
    const lo = obj(l, p);
    str(lo.type, `${p}.type`);
    num(lo.params, `${p}.params`);
    count(lo.macs, `${p}.macs`);
    count(lo.flops, `${p}.flops`);
    num(lo.weightBytes, `${p}.weightBytes`);
  });
  return o as unknown as LlmPlanBasis;
}
