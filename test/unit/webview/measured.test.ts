import assert from 'node:assert/strict';
import { indexMeasured, layerTime, msText, runText } from '../../../webview/model/measured';
import { metricText, metricValue } from '../../../webview/model/metrics';
import type { MeasuredTimes } from '../../../webview/protocol';
import { analysisOf } from './build';

function times(nodes: MeasuredTimes['nodes'], noKernel: string[] = []): MeasuredTimes {
  return {
    runtime: 'onnxruntime-node', backend: 'cpu', runs: 20, medianMs: 2, p90Ms: 3, profiledRuns: 5, method: 'm',
    nodes, noKernel, unmappedKernels: 0, unmappedMs: 0, kernelTotalMs: nodes.reduce((a, n) => a + n.ms, 0),
  };
}

describe('measured times mapped onto the graph', () => {
  const a = analysisOf([
    ['conv', 'Conv', ['x'], ['c'], 10],
    ['relu', 'Relu', ['c'], ['r']],
    ['shape', 'Shape', ['r'], ['s']],
    ['fc', 'Gemm', ['r'], ['y'], 20],
    ['enc/dense_1', 'Dense', ['y'], ['d1'], 5],
    ['enc/dense_2', 'Dense', ['d1'], ['d2'], 5],
  ], { outputs: ['d2'] });

  it('puts times on the layers they name and leaves ids of no layer out', () => {
    const ix = indexMeasured(a, times([
      { id: 'conv', ms: 0.5, fused: ['relu'] },
      { id: 'fc', ms: 0.25 },
      { id: 'ReorderOutput_token_3', ms: 0.1 },
      { id: 'gone_after_edit', ms: 9 },
    ], ['shape', 'not_a_layer']));
    assert.deepEqual([...ix.ms], [['conv', 0.5], ['fc', 0.25]]);
    assert.equal(ix.mapped, 2);
    assert.equal(ix.ignored, 2, 'two ids are no layer of this analysis');
    assert.equal(ix.mappedMs, 0.75, 'ignored times are not part of the total');
    assert.deepEqual([...ix.noKernel], ['shape']);

    const byId = new Map(a.layers.map((l) => [l.id, l]));
    assert.equal(metricValue(byId.get('conv')!, 'time', ix), 0.5);
    assert.equal(metricValue(byId.get('fc')!, 'time', ix), 0.25);
    assert.equal(metricValue(byId.get('relu')!, 'time', ix), undefined, 'a fused layer has no time of its own');
    assert.equal(metricValue(byId.get('conv')!, 'time'), undefined, 'no measurement, no value');
    assert.equal(metricValue(byId.get('conv')!, 'macs', ix), 10, 'other metrics are unchanged');
  });

  it('says what happened to each layer: measured, fused into another, no kernel, no data', () => {
    const ix = indexMeasured(a, times([{ id: 'conv', ms: 0.5, fused: ['relu', 'missing'] }, { id: 'fc', ms: 0.2 }], ['shape']));
    assert.deepEqual(layerTime(ix, 'conv'), { kind: 'measured', ms: 0.5, fused: ['relu'] });
    assert.deepEqual(layerTime(ix, 'relu'), { kind: 'fused', into: 'conv' });
    assert.deepEqual(layerTime(ix, 'shape'), { kind: 'noKernel' });
    assert.deepEqual(layerTime(ix, 'enc/dense_1'), { kind: 'none' });
    assert.deepEqual(layerTime(ix, 'nonexistent'), { kind: 'none' });
  });

  it('a layer that has its own kernel is not "fused" even if another kernel lists it', () => {
    const ix = indexMeasured(a, times([{ id: 'conv', ms: 0.5, fused: ['fc'] }, { id: 'fc', ms: 0.2 }]));
    assert.deepEqual(layerTime(ix, 'fc'), { kind: 'measured', ms: 0.2, fused: [] });
  });

  it('a nested Keras model timed as a whole lands on its scope, not on a layer', () => {
    const ix = indexMeasured(a, times([{ id: 'enc', ms: 1.2 }]));
    assert.equal(ix.ms.size, 0);
    assert.equal(ix.mapped, 1);
    assert.equal(ix.ignored, 0);
    assert.deepEqual(layerTime(ix, 'enc/dense_2'), { kind: 'inside', scope: 'enc', ms: 1.2 });
  });

  it('an empty or foreign measurement maps nothing and never throws', () => {
    const ix = indexMeasured(a, times([{ id: 'x1', ms: 1 }, { id: 'x2', ms: 2 }], ['x3']));
    assert.equal(ix.mapped, 0);
    assert.equal(ix.ignored, 2);
    assert.equal(ix.noKernel.size, 0);
    const empty = indexMeasured(analysisOf([]), times([]));
    assert.equal(empty.mapped + empty.ignored, 0);
  });

  it('formats times for labels and the legend', () => {
    assert.equal(msText(0.0123), '12.3 µs');
    assert.equal(msText(0.00456), '4.56 µs');
    assert.equal(msText(1.234), '1.23 ms');
    assert.equal(msText(25.5), '25.5 ms');
    assert.equal(msText(1234), '1.23 s');
    assert.equal(metricText('time', 0.5), '500 µs');
    assert.equal(runText(times([])), 'onnxruntime-node cpu · 20 runs · median 2.00 ms · p90 3.00 ms');
  });
});
