import assert from 'node:assert/strict';
import type { BenchResult, CompareResult } from '../../../src/core/runtime/types';
import { analysisFingerprint, compareViewOf, MeasuredTimesStore, measuredTimesOf } from '../../../src/extension/benchViews';
import { parseHostMessage } from '../../../webview/protocol';
import { analysisOf } from '../webview/build';

function bench(p: Partial<BenchResult> = {}): BenchResult {
  return {
    file: '/m.onnx', format: 'onnx', runtime: 'onnxruntime-node', backend: 'cpu', backendNotes: [], inputs: [], warmup: 3,
    latency: { runsMs: [1, 2, 3, 4], medianMs: 2.5, p90Ms: 4, meanMs: 2.5, minMs: 1, maxMs: 4 },
    memory: { rssBeforeBytes: 0, rssPeakDeltaBytes: 0, note: '' }, fileBytes: 1000, loadMs: 5, warnings: [],
    perNode: {
      method: 'profiler', runs: 5, kernelTotalMs: 1.5,
      nodes: [
        { id: 'conv', opType: 'Conv', ms: 1, kernels: ['conv'], fused: ['relu'] },
        { id: 'fc', opType: 'Gemm', ms: 0.4, kernels: ['fc'] },
        { id: 'broken', opType: 'Add', ms: NaN, kernels: [] },
      ],
      unmapped: [{ kernel: 'ReorderOutput', opType: 'ReorderOutput', ms: 0.1 }, { kernel: 'Cast', opType: 'Cast', ms: 0.05 }],
      noKernel: ['shape'],
    },
    ...p,
  };
}

describe('benchmark results as the webviews show them', () => {
  it('per-node times keep the run (median, p90, runs) and only valid times; the webview accepts them', () => {
    const t = measuredTimesOf(bench())!;
    assert.equal(t.runs, 4);
    assert.equal(t.medianMs, 2.5);
    assert.equal(t.p90Ms, 4);
    assert.equal(t.profiledRuns, 5);
    assert.deepEqual(t.nodes, [{ id: 'conv', ms: 1, fused: ['relu'] }, { id: 'fc', ms: 0.4 }], 'the NaN time is dropped');
    assert.equal(t.unmappedKernels, 2);
    assert.ok(Math.abs(t.unmappedMs - 0.15) < 1e-12);
    assert.deepEqual(t.noKernel, ['shape']);
    const r = parseHostMessage({ type: 'measured', measured: t });
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(measuredTimesOf(bench({ perNode: undefined })), undefined, 'no per-node times, nothing to paint');
  });

  it('a measurement is shown only on the model it was taken of', () => {
    const a = analysisOf([['conv', 'Conv', ['x'], ['c'], 10], ['fc', 'Gemm', ['c'], ['y'], 20]]);
    const edited = analysisOf([['conv', 'Conv', ['x'], ['c'], 10], ['fc', 'Gemm', ['c'], ['y'], 5]]);
    const same = analysisOf([['conv', 'Conv', ['x'], ['c'], 10], ['fc', 'Gemm', ['c'], ['y'], 20]]);
    assert.equal(analysisFingerprint(a), analysisFingerprint(same));
    assert.notEqual(analysisFingerprint(a), analysisFingerprint(edited));
    assert.notEqual(analysisFingerprint(analysisOf([['ab', 'C', [], []]])), analysisFingerprint(analysisOf([['a', 'bC', [], []]])), 'fields are separated');
    const store = new MeasuredTimesStore();
    const t = measuredTimesOf(bench())!;
    store.set('file:///m.onnx', t, a);
    assert.equal(store.get('file:///m.onnx', same), t);
    assert.equal(store.get('file:///m.onnx', edited), undefined, 'stale after an edit');
    assert.equal(store.get('file:///other.onnx', a), undefined);
    store.set('file:///n.onnx', t);
    assert.equal(store.get('file:///n.onnx', edited), t, 'taken before any analysis: shown on whatever the view has');
  });

  it('a comparison: speedup before/after, non-finite differences as null, Keras random-weights caveat', () => {
    const before = bench({ latency: { runsMs: Array(20).fill(2), medianMs: 2, p90Ms: 2.4, meanMs: 2, minMs: 2, maxMs: 2.4 } });
    const after = bench({ latency: { runsMs: Array(20).fill(1), medianMs: 1, p90Ms: 1.1, meanMs: 1, minMs: 1, maxMs: 1.1 }, warnings: ['batch dim not given'] });
    const r: CompareResult = {
      before, after, speedup: 0.5, sizeBefore: 1000, sizeAfter: 300, seed: 1,
      outputs: [{ name: 'y', maxAbs: 0.02, relL2: 0.001 }, { name: 'z', maxAbs: NaN, relL2: Infinity, mismatch: 'shape [1] became [2]' }],
    };
    const v = compareViewOf(r, { ratio: 0.25 });
    assert.equal(v.speedup, 2, 'twice as fast (before / after)');
    assert.deepEqual(v.before, { medianMs: 2, p90Ms: 2.4, bytes: 1000 });
    assert.deepEqual(v.after, { medianMs: 1, p90Ms: 1.1, bytes: 300 });
    assert.deepEqual(v.outputs[1], { name: 'z', maxAbs: null, relL2: null, mismatch: 'shape [1] became [2]' });
    assert.deepEqual(v.notes, ['compressed: batch dim not given']);
    const nan = compareViewOf({ ...r, outputs: [{ name: 'y', maxAbs: NaN, relL2: NaN }] }, {});
    assert.deepEqual(nan.outputs, [{ name: 'y', maxAbs: null, relL2: null }]);
    assert.ok(nan.notes.some((n) => /output y: NaN values/.test(n)), 'a NaN output is explained');
    assert.ok(parseHostMessage({ type: 'compare', compare: v }).ok);

    const keras = compareViewOf({ ...r, before: { ...before, format: 'keras', warnings: ['weights are seeded random values: the file holds the architecture only'] } }, {});
    assert.match(keras.notes[0], /random weights/);
    assert.equal(keras.notes.filter((n) => n.includes('seeded random values')).length, 0, 'said once, in our words');
  });
});
