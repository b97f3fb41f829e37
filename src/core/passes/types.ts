import type { Analysis, Count } from '../analysis/types';
import type { Model } from '../ir/graph';

export type PassName =
  | 'depthwise-separable' | 'low-rank' | 'bn-fold' | 'channel-prune' | 'cluster' | 'quantize-int8' | 'cleanup';

/** exact: same outputs; approximate: outputs change by a measured amount; needs-fine-tuning: retrain after. */
export type SuggestionKind = 'exact' | 'approximate' | 'needs-fine-tuning';

export type KnobName = 'rank' | 'ratio' | 'bits' | 'energy';

export interface Knob {
  name: KnobName;
  /** What the knob means, one line, for the preview. */
  label: string;
  min: number;
  max: number;
  step: number;
  default: number;
}

export type KnobValues = Partial<Record<KnobName, number>>;

/** Weight reconstruction error of one rewritten tensor: ||W - W'||_F / ||W||_F. */
export interface LayerError {
  layer: string;
  relError: number;
}

export interface Delta {
  params: number;
  /** A number when both analyses are static; else "after - before" as expression text. */
  macs: Count;
  weightBytes: number;
}

export interface Suggestion {
  /** Stable for the same model: pass + the layers it touches. */
  id: string;
  pass: PassName;
  title: string;
  /** Node ids the rewrite touches (changes or removes). */
  layers: string[];
  kind: SuggestionKind;
  knobs: Knob[];
  /** Knob values the deltas were computed at. */
  at: KnobValues;
  /** after - before, from analysing the rewritten graph (negative = savings). */
  delta: Delta;
  /**
   * Computed at `at`: for every approximate suggestion whenever find was given a measureBudget (> 0) and the
   * weights are readable (low-rank: the SVD's discarded tail energy, sqrt(Σ_{i>r} σ_i² / Σ σ_i²)); for
   * needs-fine-tuning ones when the budget covers the layers. Else reported by rewrite. value = worst layer.
   */
  error?: { metric: 'relative-frobenius'; value: number; perLayer: LayerError[] };
  /** Why `error` is absent on an approximate suggestion: the weights it would be measured on cannot be read. */
  errorUnavailable?: string;
  /**
   * false when Apply cannot run on this file as it is (the weights it needs are absent); `needs` then says,
   * in one line, what it needs. The deltas still hold: they come from the structure.
   */
  appliable: boolean;
  needs?: string;
  /** Pass-specific data the rewrite needs (plain JSON). */
  detail?: Record<string, unknown>;
}

export interface FindOptions {
  /** Symbolic dims to bind (same as analyzeModel). */
  dims?: Record<string, number>;
  /** Read weights during find to measure errors, when a suggestion's layers hold at most this many weight elements. Default 0: structure only. */
  measureBudget?: number;
}

export interface RewriteOptions {
  /** false: structure only (new weights are 'absent' tensors with the right dims), for previews and deltas. */
  withWeights: boolean;
  /** Receives the measured weight error of each rewritten layer (approximate passes). */
  onError?: (e: LayerError) => void;
  /** Progress in [0, 1] for long weight math. */
  onProgress?: (fraction: number, message: string) => void;
  /**
   * Activation-aware low-rank: per layer (node id), the second moment E[x·xᵀ] (K×K, row-major) of its
   * input over calibration data. The factorisation then minimises ‖X·W − X·W′‖ instead of ‖W − W′‖.
   */
  inputMoments?: Map<string, { k: number; moment: Float64Array }>;
}

export interface Pass {
  name: PassName;
  title: string;
  find(model: Model, analysis: Analysis, opts?: FindOptions): Promise<Suggestion[]>;
  /** A new model; the input is never mutated. New weights are inline LazyTensors. */
  rewrite(model: Model, suggestion: Suggestion, knobs: KnobValues, opts: RewriteOptions): Promise<Model>;
}
