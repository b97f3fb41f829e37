/**
 * Messages between the extension host and the analysis worker (dist/worker.js). Plain data only: they
 * cross a worker_threads boundary by structured clone. No vscode import: the worker cannot load it.
 */
import type { Analysis } from '../core/analysis/types';
import type { Motif } from '../core/motifs/types';
import type { Delta, KnobValues, LayerError, Suggestion } from '../core/passes/types';
import type { NodeDetailsView, WeightStats } from '../../webview/protocol';

export interface AnalyzeRequest {
  id: number;
  type: 'analyze';
  /** Absolute path of the model file (also the name shown in results and errors). */
  file: string;
  /** Current text of an open (possibly unsaved) JSON document; analysed instead of the file on disk. */
  text?: string;
  /** Current bytes of an edited binary document (ONNX custom editor with unsaved edits). */
  bytes?: Uint8Array;
  /** Symbolic dims to bind (setting modellens.defaultDims). */
  dims: Record<string, number>;
  motifs: boolean;
  /** Attributes and weights of every node for the details panel (default true; lenses do not need them). */
  details?: boolean;
}

/** Statistics of one layer's weight tensors (read lazily from the file; only this layer's bytes). */
export interface WeightStatsRequest {
  id: number;
  type: 'weightStats';
  file: string;
  text?: string;
  bytes?: Uint8Array;
  layerId: string;
}

/** Every pass's suggestions (structure-only deltas; errors measured for small layers). */
export interface SuggestRequest {
  id: number;
  type: 'suggest';
  file: string;
  text?: string;
  bytes?: Uint8Array;
  dims: Record<string, number>;
}

/** A structure-only rewrite at the given knobs, analysed: the preview's numbers and diff. */
export interface PreviewRequest {
  id: number;
  type: 'preview';
  file: string;
  text?: string;
  bytes?: Uint8Array;
  dims: Record<string, number>;
  suggestion: Suggestion;
  knobs: KnobValues;
}

/** The rewrite with weights: new ONNX bytes, or text edits of a Keras JSON document. */
export interface ApplyRequest {
  id: number;
  type: 'apply';
  file: string;
  text?: string;
  bytes?: Uint8Array;
  /** tfjs shards an earlier apply produced that are not saved yet (absolute path), read instead of the disk. */
  shards?: { path: string; bytes: Uint8Array }[];
  dims: Record<string, number>;
  suggestion: Suggestion;
  knobs: KnobValues;
}

export type WorkerRequest = AnalyzeRequest | WeightStatsRequest | SuggestRequest | PreviewRequest | ApplyRequest;

/** Sent by the worker while a request runs (long weight math); not a response. */
export interface WorkerProgress {
  id: number;
  progress: number;
  message: string;
}

export interface WorkerError {
  message: string;
  /** ModelError code, or 'json' for a JSON syntax error, or 'bug' for an unexpected exception. */
  code: string;
  /** Where in the text the problem is (JSON syntax errors), for a diagnostic on the right line. */
  offset?: number;
  length?: number;
  /** The reader's technical text when `message` was put in the user's words (errorText.ts): for the log. */
  detail?: string;
}

export type WeightStatsResponse =
  | { id: number; ok: true; stats: WeightStats[]; ms: number }
  | { id: number; ok: false; error: WorkerError; ms: number };

export type AnalyzeResponse =
  | { id: number; ok: true; analysis: Analysis; motifs?: Motif[]; details?: Record<string, NodeDetailsView>; ms: number }
  | { id: number; ok: false; error: WorkerError; ms: number };

export type SuggestResponse =
  | { id: number; ok: true; suggestions: Suggestion[]; failures: { pass: string; reason: string }[]; ms: number }
  | { id: number; ok: false; error: WorkerError; ms: number };

export interface PreviewResult {
  before: Analysis;
  after: Analysis;
  delta: Delta;
  /** Measured weight errors when the rewrite reported any (structure-only rewrites usually do not). */
  errors: LayerError[];
}

export type PreviewResponse =
  | ({ id: number; ok: true; ms: number } & PreviewResult)
  | { id: number; ok: false; error: WorkerError; ms: number };

export type ApplyResponse =
  | {
    id: number; ok: true; bytes?: Uint8Array; edits?: { offset: number; length: number; content: string }[];
    /** New tfjs shard files the edited model.json points at (path relative to it), to write when it is saved. */
    shards?: { path: string; bytes: Uint8Array }[];
    errors: LayerError[]; ms: number;
  }
  | { id: number; ok: false; error: WorkerError; ms: number };
