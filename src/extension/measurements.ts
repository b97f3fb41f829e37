/**
 * Measured per-node times per model, for the graph views: recorded when "Benchmark Model" finishes,
 * handed to a graph view with each analysis they belong to, and the Measure button's availability
 * (workspace trust, formats that cannot run).
 */
import * as vscode from 'vscode';
import type { Analysis } from '../core/analysis/types';
import type { BenchResult } from '../core/runtime/types';
import type { MeasuredTimes, MeasureState } from '../../webview/protocol';
import { MeasuredTimesStore, measuredTimesOf } from './benchViews';
import type { ModelStore } from './modelStore';
import { isTrusted } from './trust';

/** Why this model cannot be run here (undefined: it can). */
export function measureBlocked(uri: vscode.Uri): string | undefined {
  if (!isTrusted()) return 'Restricted Mode: ModelLens runs models only in trusted workspaces. Trust this workspace to measure.';
  if (/\.(keras|h5|hdf5)$/i.test(uri.path)) return 'Running .keras / .h5 files is not supported yet (a Keras JSON config can be measured).';
  return undefined;
}

export class Measurements {
  private readonly times = new MeasuredTimesStore();

  constructor(private readonly store: ModelStore) {}

  /** Keeps a benchmark's per-node times, tied to the analysis the model has now. */
  record(uri: vscode.Uri, r: BenchResult): MeasuredTimes | undefined {
    const t = measuredTimesOf(r);
    if (!t) return undefined;
    const res = this.store.latest(uri);
    this.times.set(uri.toString(), t, res?.ok ? res.analysis : undefined);
    return t;
  }

  /** The times measured on this analysis of the model, if any. */
  forAnalysis(uri: vscode.Uri, a: Analysis): MeasuredTimes | undefined {
    return this.times.get(uri.toString(), a);
  }

  state(uri: vscode.Uri): MeasureState {
    const reason = measureBlocked(uri);
    return reason ? { enabled: false, reason } : { enabled: true };
  }

  /** What a GraphViewHost needs for the Measure button and the measured heat. */
  graphHooks(uri: vscode.Uri): { measured(a: Analysis): MeasuredTimes | undefined; measureState(): MeasureState; measure(): Thenable<unknown> } {
    return {
      measured: (a) => this.forAnalysis(uri, a),
      measureState: () => this.state(uri),
      measure: () => vscode.commands.executeCommand('modellens.benchmarkModel', uri),
    };
  }
}
