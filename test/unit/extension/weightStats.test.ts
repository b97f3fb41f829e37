import assert from 'node:assert/strict';
import { tensorStats } from '../../../src/extension/engine';

describe('weight statistics (worker side)', () => {
  it('computes min/max/mean/std/sparsity as defined', () => {
    // [0, 1, 2, -3]: mean 0; population variance (0 + 1 + 4 + 9) / 4 = 3.5; one zero in four.
    const s = tensorStats('w', [2, 2], new Float32Array([0, 1, 2, -3]));
    assert.deepEqual({ ...s, std: undefined }, { name: 'w', shape: [2, 2], count: 4, min: -3, max: 2, mean: 0, std: undefined, sparsity: 0.25 });
    assert.ok(Math.abs(s.std - Math.sqrt(3.5)) < 1e-12);
  });

  it('is stable for a large mean (two-pass variance)', () => {
    const v = new Float32Array(1000).map((_, i) => 1e6 + (i % 2 ? 1 : -1));
    const s = tensorStats('w', [1000], v);
    assert.ok(Math.abs(s.std - 1) < 1e-9, `std ${s.std}`);
  });

  it('handles an empty tensor', () => {
    assert.deepEqual(tensorStats('e', [0], new Float32Array(0)), { name: 'e', shape: [0], count: 0, min: 0, max: 0, mean: 0, std: 0, sparsity: 0 });
  });
});
