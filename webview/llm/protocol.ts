/**
 * Validator of `analysis.llm` (LlmAnalysis of src/core/analysis/llm.ts) in the 'analysis' message. The
 * LLM section hands it to core functions (memoryPlanFor re-plans from its planInputs), so a malformed
 * one is refused here, not half-rendered.
 */
import { STORAGE_TYPES } from '../../src/core/analysis/llmUnits';
import { arr, bool, Invalid, nonNegative, num, obj, oneOf, str } from '../validate';

const ATTENTION_KINDS = ['full', 'sliding', 'none'] as const;
const SOURCES = ['config', 'gguf', 'onnx'] as const;

function nullable<T>(x: unknown, at: string, f: (x: unknown, at: string) => T): T | null {
  return x === null ? null : f(x, at);
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
  const pi = obj(o.planInputs, `${at}.planInputs`);
  for (const k of ['stepActivationBytes', 'routedBytes', 'routedParams', 'activeShare', 'storedWeightBytes', 'params', 'kvElementsPerLayer']) nonNegative(pi[k], `${at}.planInputs.${k}`);
  const windows = arr(pi.windows, `${at}.planInputs.windows`);
  if (windows.length !== o.layers) throw new Invalid(`${at}.planInputs.windows: expected one per layer (${String(o.layers)})`);
  windows.forEach((w, i) => nullable(w, `${at}.planInputs.windows[${i}]`, nonNegative));
}

