/**
 * Benchmark results as the webviews show them (webview/measureProtocol.ts), and which analysis a
 * measurement belongs to. Pure (no vscode): unit-tested in test/unit/extension/benchViews.test.ts.
 */
import type { Analysis } from '../core/analysis/types';
import type { BenchResult, CompareResult } from '../core/runtime/types';
import type { CompareView, MeasuredTimes } from '../../webview/protocol';

/** The per-node part of a benchmark for the graph view; undefined when it has no per-node times. */
export function measuredTimesOf(r: BenchResult): MeasuredTimes | undefined {
  const p = r.perNode;
  if (!p) return undefined;
  return {
    runtime: r.runtime,
    backend: r.backend,
    runs: r.latency.runsMs.length,
    medianMs: r.latency.medianMs,
    p90Ms: r.latency.p90Ms,
    profiledRuns: p.runs,
    method: p.method,
    // Only finite, non-negative times cross to the webview (its validator refuses the rest).
    nodes: p.nodes.filter((n) => Number.isFinite(n.ms) && n.ms >= 0).map((n) => ({ id: n.id, ms: n.ms, ...(n.fused?.length ? { fused: n.fused } : {}) })),
    noKernel: p.noKernel,
    unmappedKernels: p.unmapped.length,
    unmappedMs: p.unmapped.reduce((a, u) => a + (Number.isFinite(u.ms) ? u.ms : 0), 0),
    kernelTotalMs: Number.isFinite(p.kernelTotalMs) ? p.kernelTotalMs : 0,
  };
}

/**
 * A cheap identity of an analysis' structure (FNV-1a over layer ids, types and costs): a measurement
 * is shown only on the model it was taken of. An edit changes it; undoing the edit restores it.
 */
export function analysisFingerprint(a: Analysis): string {
  let h = 0x811c9dc5;
  // Each field ends with a NUL so that ("ab", "c") and ("a", "bc") differ.
  const add = (s: string) => {
    const t = `${s}\0`;
    for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193) >>> 0;
  };
  add(a.format);
  for (const l of a.layers) {
    add(l.id);
    add(l.type);
    add(String(l.params));
    add(String(l.macs));
  }
  return `${a.layers.length}:${h.toString(16)}`;
}

/** Measurements by model URI (string), each with the fingerprint of the analysis it was taken on. */
export class MeasuredTimesStore {
  private readonly byUri = new Map<string, { times: MeasuredTimes; fingerprint?: string }>();

  /** `analysis`: the model's analysis when the result came (undefined: not analysed, shown on any). */
  set(uri: string, times: MeasuredTimes, analysis?: Analysis): void {
    this.byUri.set(uri, { times, fingerprint: analysis ? analysisFingerprint(analysis) : undefined });
  }

  /** The times for this analysis of the model, unless they were taken of a different version of it. */
  get(uri: string, analysis: Analysis): MeasuredTimes | undefined {
    const e = this.byUri.get(uri);
    if (!e) return undefined;
    return e.fingerprint === undefined || e.fingerprint === analysisFingerprint(analysis) ? e.times : undefined;
  }

  delete(uri: string): void {
    this.byUri.delete(uri);
  }
}

const RANDOM_WEIGHTS = 'weights are seeded random values';

/**
 * The preview's numbers from compareModels. Speedup is before/after median (above 1 = faster); non-finite
 * output differences become null (the webview shows "—"); caveats become notes.
 */
export function compareViewOf(r: CompareResult, knobs: Record<string, number>): CompareView {
  const fin = (x: number) => (Number.isFinite(x) ? x : null);
  const notes: string[] = [];
  if (r.before.format === 'keras') {
    notes.push('Keras JSON holds no weights: both models ran with seeded random weights, so the output difference does not measure the rewrite\'s accuracy; latency and size do.');
  }
  const seen = new Set<string>();
  for (const [side, res] of [['original', r.before], ['compressed', r.after]] as const) {
    for (const w of res.warnings) {
      if (w.startsWith(RANDOM_WEIGHTS) || seen.has(w)) continue;
      seen.add(w);
      notes.push(`${side}: ${w}`);
    }
  }
  // diffOutputs gives NaN when either side has a NaN: say so, "—" alone would read as "not compared".
  for (const o of r.outputs) if (!o.mismatch && (Number.isNaN(o.maxAbs) || Number.isNaN(o.relL2))) notes.push(`output ${o.name}: NaN values in the outputs (of one model or both), no difference can be given`);
  const speedup = r.after.latency.medianMs > 0 ? r.before.latency.medianMs / r.after.latency.medianMs : 0;
  return {
    knobs,
    runtime: r.before.runtime,
    backend: r.before.backend,
    runs: r.before.latency.runsMs.length,
    before: { medianMs: r.before.latency.medianMs, p90Ms: r.before.latency.p90Ms, bytes: r.sizeBefore },
    after: { medianMs: r.after.latency.medianMs, p90Ms: r.after.latency.p90Ms, bytes: r.sizeAfter },
    speedup: Number.isFinite(speedup) ? speedup : 0,
    outputs: r.outputs.map((o) => ({ name: o.name, maxAbs: fin(o.maxAbs), relL2: fin(o.relL2), ...(o.mismatch ? { mismatch: o.mismatch } : {}) })),
    notes,
  };
}
