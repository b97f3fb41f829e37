import assert from 'node:assert/strict';
import { tensorStats } from '../../../src/core/tensor/stats';
import { mulberry32 } from '../../../src/core/runtime/prng';

/** Float64 two-pass reference, independent of TensorFlow.js. */
function reference(v: Float32Array) {
  const n = v.length;
  let sum = 0;
  for (const x of v) sum += x;
  const mean = sum / n;
  let sq = 0;
  for (const x of v) sq += (x - mean) ** 2;
  return { min: Math.min(...v), max: Math.max(...v), mean, std: Math.sqrt(sq / n), sparsity: v.filter((x) => x === 0).length / n };
}

describe('weight statistics (TensorFlow.js)', () => {
  it('computes min/max/mean/std/sparsity as defined', async () => {
    // [0, 1, 2, -3]: mean 0; population variance (0 + 1 + 4 + 9) / 4 = 3.5; one zero in four.
    const s = await tensorStats('w', [2, 2], new Float32Array([0, 1, 2, -3]));
    assert.deepEqual({ ...s, std: undefined, backend: undefined }, { name: 'w', shape: [2, 2], count: 4, min: -3, max: 2, mean: 0, std: undefined, sparsity: 0.25, nonFinite: 0, backend: undefined });
    assert.ok(Math.abs(s.std - Math.sqrt(3.5)) < 1e-6, `std ${s.std}`);
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(s.backend), s.backend);
  });

  it('matches a float64 reference on a random conv-sized tensor with pruned zeros', async () => {
    const rnd = mulberry32(3);
    const v = new Float32Array(64 * 64 * 9).map(() => (rnd() < 0.3 ? 0 : (rnd() - 0.4) * 0.2));
    const s = await tensorStats('k', [64, 64, 3, 3], v);
    const r = reference(v);
    assert.equal(s.min, r.min);
    assert.equal(s.max, r.max);
    assert.equal(s.sparsity, r.sparsity);
    assert.ok(Math.abs(s.mean - r.mean) < 1e-6, `mean ${s.mean} vs ${r.mean}`);
    // tfjs accumulates in float32: ~sqrt(n)·2^-24 relative for n = 36,864, far below the 4 digits shown.
    assert.ok(Math.abs(s.std - r.std) / r.std < 2e-4, `std ${s.std} vs ${r.std}`);
  });

  it('keeps the spread of values with a large mean (shifted variance)', async () => {
    const v = new Float32Array(1000).map((_, i) => 1e6 + (i % 2 ? 1 : -1));
    const s = await tensorStats('w', [1000], v);
    assert.ok(Math.abs(s.std - 1) < 1e-6, `std ${s.std}`);
    assert.ok(Math.abs(s.mean - 1e6) < 1e-3, `mean ${s.mean}`);
  });

  it('counts NaN and Inf values', async () => {
    const s = await tensorStats('w', [4], new Float32Array([1, NaN, Infinity, 0]));
    assert.equal(s.nonFinite, 2);
  });

  it('handles an empty tensor', async () => {
    const s = await tensorStats('e', [0], new Float32Array(0));
    assert.deepEqual({ ...s, backend: undefined }, { name: 'e', shape: [0], count: 0, min: 0, max: 0, mean: 0, std: 0, sparsity: 0, nonFinite: 0, backend: undefined });
  });
});
