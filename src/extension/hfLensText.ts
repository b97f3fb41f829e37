/**
 * Text and placement of the code lenses on a Hugging Face config.json: pure functions of the
 * analysis (numbers from src/core: analysis.llm, blockParams, replanLlm) and of the JSON text.
 */
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { LlmAnalysis } from '../core/analysis/llm';
import type { BlockParams } from '../core/analysis/llmPlan';
import { human, humanBytes } from '../cli/format';

/** `ModelLens · mixtral · 46.7G params (12.9G active per token) · 6.7 GiB weights` */
export function hfTotalsTitle(l: LlmAnalysis, weightBytes: number): string {
  const active = l.experts !== null ? ` (${human(l.params.activePerToken)} active per token)` : '';
  return `ModelLens · ${l.architecture} · ${human(l.params.total)} params${active} · ${humanBytes(weightBytes)} weights`;
}

/** `KV cache 128.0 MiB per 1K tokens (fp16)`; encoders hold none. */
export function hfKvTitle(l: LlmAnalysis, kvBytesPer1k: number): string {
  if (l.encoder) return 'no KV cache (encoder)';
  return `KV cache ${humanBytes(kvBytesPer1k)} per 1K tokens (${l.kvDtype})`;
}

/** `32 × block: attention 41.9M · experts 8 × 176.2M (2 active) · router 32.8K · other 8.2K = 1.4G each` */
export function hfBlockTitle(b: BlockParams, l: LlmAnalysis): string {
  const parts: string[] = [];
  if (b.attention) parts.push(`attention ${human(b.attention)}`);
  if (b.mlp) parts.push(`MLP ${human(b.mlp)}`);
  if (b.experts) {
    const e = l.experts ?? 0;
    parts.push(e > 0 ? `experts ${e} × ${human(b.experts / e)} (${l.expertsPerToken} active)` : `experts ${human(b.experts)}`);
  }
  if (b.router) parts.push(`router ${human(b.router)}`);
  if (b.other) parts.push(`norms ${human(b.other)}`);
  const total = b.attention + b.mlp + b.experts + b.router + b.other;
  const head = b.identical ? `${b.blocks} × block` : `block 0 of ${b.blocks}`;
  return `${head}: ${parts.join(' · ')} = ${human(total)}${b.identical ? ' each' : ''}`;
}

/** Keys transformers configs use for the number of blocks, by family. */
const LAYER_KEYS = ['num_hidden_layers', 'n_layer', 'num_layers', 'n_layers'];

/** Offset of the (top-level, or text_config's) layer-count key, where the per-block lens goes. */
export function blockKeyOffset(text: string): number | undefined {
  const root = parseTree(text);
  if (!root) return undefined;
  for (const base of [[], ['text_config']] as string[][]) {
    for (const k of LAYER_KEYS) {
      const n = findNodeAtLocation(root, [...base, k]);
      if (n?.parent) return n.parent.offset;
    }
  }
  return undefined;
}
