/**
 * Messages between the extension host and the analysis worker (dist/worker.js). Plain data only: they
 * cross a worker_threads boundary by structured clone. No vscode import: the worker cannot load it.
 */
import type { Analysis } from '../core/analysis/types';
import type { Motif } from '../core/motifs/types';
import type { WeightStats } from '../../webview/protocol';

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

export type WorkerRequest = AnalyzeRequest | WeightStatsRequest;

export interface WorkerError {
  message: string;
  /** ModelError code, or 'json' for a JSON syntax error, or 'bug' for an unexpected exception. */
  code: string;
  /** Where in the text the problem is (JSON syntax errors), for a diagnostic on the right line. */
  offset?: number;
  length?: number;
}

export type WeightStatsResponse =
  | { id: number; ok: true; stats: WeightStats[]; ms: number }
  | { id: number; ok: false; error: WorkerError; ms: number };

export type AnalyzeResponse =
  | { id: number; ok: true; analysis: Analysis; motifs?: Motif[]; ms: number }
  | { id: number; ok: false; error: WorkerError; ms: number };
