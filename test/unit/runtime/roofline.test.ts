import assert from 'node:assert/strict';
import type { Analysis, LayerAnalysis } from '../../../src/core/analysis/types';
import { rooflineEstimate } from '../../../src/core/runtime/roofline';
import { TEST_DEVICE } from './helpers';

function layer(id: string, macs: number | string, inputs: [string, number[]][], outputs: [string, number[]][]): LayerAnalysis {
  const t = ([name, shape]: [string, number[]]) => ({ name, dtype: 'float32', shape });
  return { id, name: id, type: 'Op', params: 0, macs, flops: 0, weightBytes: 0, inputs: inputs.map(t), outputs: outputs.map(t), costed: true };
}

describe('runtime: roofline estimate', () => {
  it('per layer max(MACs/peak, bytes/bandwidth), summed; error against the measured median', () => {
    const analysis = {
      layers: [
        // Compute-bound: 1e8 MACs / 1e10 MAC/s = 10 ms; bytes = 4·(1000 + 1000 + 10) = 8040 B -> 0.0008 ms.
        layer('mm', 1e8, [['a', [1000]], ['w', [1000]]], [['y', [10]]]),
        // Memory-bound: 0 MACs; x read twice counts once: 4·(1e6 + 1e6) B / 1e10 B/s = 0.8 ms.
        layer('sq', 0, [['x', [1e6]], ['x', [1e6]]], [['z', [1e6]]]),
        // Symbolic MACs: not costed, adds nothing.
        layer('dyn', '10*batch', [['q', [1]]], [['r', [1]]]),
      ],
    } as unknown as Analysis;
    const r = rooflineEstimate(analysis, TEST_DEVICE, { medianMs: 12 });
    assert.equal(r.nodes[0].estimatedMs, 10);
    assert.equal(r.nodes[0].bound, 'compute');
    assert.equal(r.nodes[1].bytes, 8e6);
    assert.equal(r.nodes[1].estimatedMs, 0.8);
    assert.equal(r.nodes[1].bound, 'memory');
    assert.equal(r.uncosted, 1);
    assert.equal(r.estimatedMs, 10.8);
    assert.ok(Math.abs(r.relativeError! - (10.8 - 12) / 12) < 1e-12);
  });
});
