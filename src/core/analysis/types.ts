import type { ModelFormat } from '../ir/graph';
import type { LlmAnalysis } from './llm';
/**
 * The analysis of a model: the one object that the CLI's --json, the code lenses, the status bar and
 * the webview render. Plain JSON (no classes) so it crosses worker and webview boundaries as is.
 * A count that depends on unbound symbolic dims is the expression text (e.g. "7340032*batch*sequence").
 */
export type Count = number | string;

export interface TensorSummary {
  name: string;
  dtype: string;
  /** null when the rank is unknown; string entries are symbolic dims. */
  shape: (number | string)[] | null;
  /** Weights (initializers): bytes as the file stores them, and the storage type when it differs from dtype. */
  bytes?: number;
  stored?: string;
  /** ONNX sequence / optional values: dtype and shape are then the elements'. */
  container?: 'sequence' | 'optional' | 'optional-sequence';
}

export interface LayerAnalysis {
  /** Node id, unique in the model (keys messages between host and webview). */
  id: string;
  name: string;
  type: string;
  /** Elements of floating-point weights this layer owns (shared weights are counted at first use). */
  params: number;
  macs: Count;
  flops: Count;
  weightBytes: number;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  /** False when no rule costs this layer; its reason is in Analysis.notCosted. */
  costed: boolean;
  scope?: string[];
  /** Offset/length of the layer in the source text (Keras JSON), for lenses and edits. */
  source?: { offset: number; length: number };
  /** Bytes of the activations this layer produces (all outputs; 0 for unknown shapes). */
  outputBytes?: Count;
}

export interface NotCosted {
  name: string;
  type: string;
  reason: string;
}

export interface Totals {
  params: number;
  macs: Count;
  flops: Count;
  weightBytes: number;
  peakActivationBytes: Count;
}

export interface Analysis {
  format: ModelFormat;
  file: string;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  totals: Totals;
  layers: LayerAnalysis[];
  notCosted: NotCosted[];
  /** Language models: parameters (total/active), KV cache, prefill/decode cost, memory plan. */
  llm?: LlmAnalysis;
  /** Everything below is extra detail beyond the CLI --json contract. */
  details: AnalysisDetails;
}

export interface AnalysisDetails {
  /** Elements of Constant-node tensors (not parameters). */
  constants: number;
  /** Elements of non-float initializers (shape tensors, indices): not parameters either. */
  nonFloatInitializerElements: number;
  weightBytesByDtype: Record<string, number>;
  /**
   * Initializers stored twice (equal, or a transpose: torch's tied lm_head): each pair's copy is
   * counted once in `totals.params` (= uniqueParams); `totals.weightBytes` stays what is stored.
   * Absent when there is none.
   */
  tiedWeights?: {
    pairs: { kept: string; copy: string; relation: 'equal' | 'transpose'; elements: number; bytes: number }[];
    storedParams: number;
    uniqueParams: number;
    storedBytes: number;
    uniqueBytes: number;
    /** Tensors considered (size and shape), sampled (a same-shaped partner exists), compared in full. */
    search: { candidates: number; sampled: number; fullChecks: number };
  };
  /** Dims bound by the caller, and the symbols that remain free. */
  boundDims: Record<string, number>;
  freeDims: string[];
  /** Op type -> { count, params, macs } (macs as a number only when static). */
  byType: Record<string, { count: number; params: number; macs: Count; flops: Count }>;
  /** Edges for drawing the graph: value name -> producing layer id (graph inputs: no producer). */
  producers: Record<string, string>;
  opsets?: Record<string, number>;
  producer?: string;
  /** The file's own key/values (ONNX metadata_props, safetensors `__metadata__`, index metadata), when it has any. */
  metadata?: Record<string, string>;
  warnings: string[];
  /** Values whose inferred shape disagrees with the shape the file declares, and which one is used. */
  shapeConflicts?: { value: string; declared: string; inferred: string; used: 'declared' | 'inferred' }[];
}
